"""The ASGI entry point: `uvicorn api.main:app` serves the API for DATABASE_URL."""

from api.app import create_app

app = create_app()
