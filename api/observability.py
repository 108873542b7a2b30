"""One JSON log line and Prometheus metrics per request, from a plain ASGI middleware."""

import json
import logging
import sys
import time
from datetime import UTC, datetime

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("api.access")

REQUESTS = Counter("api_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "api_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def configure_access_log() -> None:
    """Send the access log, already JSON, to stdout as is (once per process)."""
    # No log line of this service shows a process, thread or process name: not looking them
    # up for every record (a getpid() system call each) is the logging HOWTO's optimisation.
    logging.logProcesses = logging.logThreads = logging.logMultiprocessing = False
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False


class ObservabilityMiddleware:
    """Log method, path (never the query string), status and duration; count and time it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, watching the status it is answered with."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            elapsed = time.perf_counter() - started
            # The route template, not the path: /api/cars/{car_id} is one series, not thousands.
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            access_log.info(
                json.dumps(
                    {
                        "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "client": (scope.get("client") or ("",))[0],
                    },
                    ensure_ascii=False,
                )
            )
