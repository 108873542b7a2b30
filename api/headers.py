"""Security headers on every response, and the start-up check of the CORS origins."""

import base64
import hashlib
import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The web app: its own scripts and styles only (the Vite build inlines neither), and the car
# photos from carsensor's two image hosts; data: is the inline favicon.
WEB_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https://ccsrpcma.carsensor.net https://ccsrpcml.carsensor.net; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# JSON, CSV, metrics and the app's assets are never documents that may run or load anything.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def security_headers(*, html: bool, hsts: bool) -> dict[str, str]:
    """The headers for a response: the web app's CSP for HTML, HSTS when `hsts`."""
    headers = {**COMMON, "Content-Security-Policy": WEB_CSP if html else API_CSP}
    if hsts:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def docs_csp(html: str) -> str:
    """The CSP of an API docs page (Swagger UI, ReDoc): its own inline scripts, by hash."""
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    # ReDoc's styled-components inject <style> elements, and ReDoc searches in a blob: worker.
    return (
        f"default-src 'none'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; worker-src blob:; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeadersMiddleware:
    """Add security_headers() to every HTTP response, keeping any header a route set itself."""

    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        self.production = production
        # Encoded once: (html, hsts) -> the raw header pairs.
        self.encoded = {
            (html, hsts): [
                (name.lower().encode(), value.encode())
                for name, value in security_headers(html=html, hsts=hsts).items()
            ]
            for html in (False, True)
            for hsts in (False, True)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, completing the headers of the response it gets."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The scheme is the client's when uvicorn trusts the proxy's X-Forwarded-Proto.
        hsts = self.production and scope["scheme"] == "https"

        async def complete(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw: list[tuple[bytes, bytes]] = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw}
                if message["status"] == 304:
                    # The browser merges a 304's headers into the cached answer: a CSP picked
                    # for a 304 (no content type) would replace the cached page's own.
                    present.add(b"content-security-policy")
                html = any(
                    name.lower() == b"content-type" and value.startswith(b"text/html")
                    for name, value in raw
                )
                raw += [pair for pair in self.encoded[html, hsts] if pair[0] not in present]
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, complete)


def _is_origin(origin: str) -> bool:
    """Whether `origin` is http(s)://host[:port], as a browser's Origin header writes it."""
    parts = urlsplit(origin)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.username is None
        and not (parts.path or parts.query or parts.fragment or origin.endswith(("?", "#")))
    )


def check_cors_origins(origins: list[str]) -> None:
    """Refuse `*` (the API allows credentials) and anything but http(s)://host[:port]."""
    for origin in origins:
        if origin == "*":
            raise RuntimeError(
                "CORS_ORIGINS=* is refused: the API allows credentials (the refresh cookie), "
                "so list each origin, e.g. CORS_ORIGINS=https://app.example"
            )
        if not _is_origin(origin):
            raise RuntimeError(
                f"CORS_ORIGINS: {origin!r} is not an origin; write http(s)://host[:port], "
                "with no path (not even a trailing /)"
            )
