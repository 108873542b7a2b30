"""The framework floor for bench.api_bench: the least a FastAPI app on asyncpg does per request.

GET /api/cars runs the page query the API would send for its query string (core.paging's,
compiled for asyncpg when the app starts, from the mix in the file FLOOR_MIX) on an asyncpg
pool, and writes the rows with orjson. There is no token, validation, session, middleware,
total or log line: what is left is uvicorn, FastAPI's routing, the driver and the JSON, so
the API cannot answer the same requests faster on the same machine.
"""

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import orjson
from fastapi import FastAPI, Request, Response
from sqlalchemy.engine import make_url

from bench.api_bench import CONNECTIONS, asyncpg_statement, parse_query
from core.paging import page_query


async def _keep(connection: object) -> None:
    """No reset when a connection goes back to the pool (asyncpg's default costs a round
    trip): SQLAlchemy's pool does none on the API's autocommit connections either."""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The mix's statements, and a pool of CONNECTIONS connections like the API's."""
    queries = json.loads(Path(os.environ["FLOOR_MIX"]).read_text())
    app.state.statements = {q: asyncpg_statement(page_query(*parse_query(q))) for q in queries}
    url = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql")
    dsn = url.render_as_string(hide_password=False)
    async with asyncpg.create_pool(
        dsn, min_size=CONNECTIONS, max_size=CONNECTIONS, reset=_keep
    ) as pool:
        app.state.pool = pool
        yield


app = FastAPI(lifespan=lifespan)


@app.get("/api/cars")
async def cars(request: Request) -> Response:
    """The page of the request's query string, as precompiled."""
    sql, values = request.app.state.statements[request.url.query]
    async with request.app.state.pool.acquire() as connection:
        rows = await connection.fetch(sql, *values)
    body = orjson.dumps({"items": [dict(row) for row in rows]}, option=orjson.OPT_UTC_Z)
    return Response(body, media_type="application/json")


@app.get("/api/health")
async def health() -> dict[str, str]:
    """Up, for bench.api_bench.serve."""
    return {"status": "ok"}


@app.post("/api/login")
async def login() -> dict[str, str]:
    """A token nobody checks, for bench.api_bench.serve."""
    return {"access_token": "floor"}
