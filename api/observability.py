"""A request id, one JSON access log line and Prometheus metrics per request, from a plain ASGI
middleware."""

import logging
import re
import sys
import time
import uuid

from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import logs

access_log = logging.getLogger("api.access")

REQUESTS = Counter("api_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "api_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only if it is short and plain: it goes into every log line of the request.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def configure_access_log() -> None:
    """Send the access log to stdout as JSON lines, whatever LOG_FORMAT (once per process)."""
    # No log line of this service shows a process, thread or process name: not looking them
    # up for every record (a getpid() system call each) is the logging HOWTO's optimisation.
    logging.logProcesses = logging.logThreads = logging.logMultiprocessing = False
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logs.JsonFormatter("api"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False


def request_id(scope: Scope) -> str:
    """The client's X-Request-ID when it is sane, else a new one."""
    given = Headers(scope=scope).get(REQUEST_ID_HEADER)
    return given if given and SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


class ObservabilityMiddleware:
    """Tag the request with an id (echoed in X-Request-ID, bound to every log record); log
    method, path (never the query string), status and duration; count and time it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, watching the status it is answered with."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering
        rid = request_id(scope)
        # Not reset on the way out: the handler of an unhandled error runs outside every
        # middleware and logs under the same id; each request runs in a context of its own.
        logs.bind(request_id=rid)

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, rid)
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            elapsed = time.perf_counter() - started
            # The route template, not the path: /api/cars/{car_id} is one series, not thousands.
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            duration_ms = round(elapsed * 1000, 2)
            access_log.info(
                "%s %s %s %sms",
                scope["method"],
                scope["path"],
                status,
                duration_ms,
                extra={
                    "fields": {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": duration_ms,
                        "client": (scope.get("client") or ("",))[0],
                    }
                },
            )
