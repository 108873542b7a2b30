"""Write the API's OpenAPI document (JSON) to stdout, without a server or a database.

    .venv/bin/python scripts/openapi.py > openapi.json

The web app's types are generated from it: `make web-types` (web/README.md).
"""

import json
import sys

from pydantic import SecretStr

from api.app import create_app
from core.settings import Settings

# The app is only built, never served: no .env, an in-memory database that is never opened,
# and a throwaway signing key (create_app insists on one) that signs nothing.
settings = Settings(
    _env_file=None,
    database_url="sqlite://",
    secret_key=SecretStr("only-for-rendering-the-openapi-schema"),
)
json.dump(create_app(settings).openapi(), sys.stdout, indent=2, ensure_ascii=False)
sys.stdout.write("\n")
