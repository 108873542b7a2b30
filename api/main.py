"""The ASGI entry point: `uvicorn api.main:app` serves the API for DATABASE_URL."""

import gc

from api.app import create_app
from core.logs import configure_logging

# After uvicorn set up its loggers (it imports the app last): with LOG_FORMAT=json, they follow.
configure_logging("api")
app = create_app()

# The objects made at start-up (modules, routes, SQLAlchemy and pydantic structures) live as
# long as the process: freezing them takes them out of every later garbage collection, which
# otherwise walked them all again and again (a tenth of the CPU time under load). A larger
# first generation also collects less often; a request's own objects are freed by reference
# counting anyway.
gc.freeze()
gc.set_threshold(10_000, 20, 20)
