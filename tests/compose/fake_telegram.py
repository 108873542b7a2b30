"""A minimal fake Telegram Bot API for the compose and local-run smoke tests (stdlib only).

    python tests/compose/fake_telegram.py [--host 0.0.0.0] [--port 8082]

Answers `POST /bot<token>/<method>` as Telegram would for a bot that starts long polling:
getMe returns a bot user, getUpdates holds the request for a moment and returns no updates,
every other method answers true. Each call is logged as `call <method>` on stdout, which the
smoke test looks for; a sendMessage also logs its chat and text as JSON (a crawl's alert).
(replay/telegram_api.py is the richer in-process fake of the bot tests and bench.)
"""

import argparse
import json
import re
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Cars", "username": "carsensor_smoke_bot"}
_PATH = re.compile(r"^/bot[^/]+/(?P<method>\w+)$")


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _fields(body: bytes, content_type: str) -> dict[str, object]:
    """A Bot API call's parameters: a JSON body, or a form (aiogram posts multipart forms)."""
    if content_type.startswith("application/json"):
        fields: dict[str, object] = json.loads(body or b"{}")
        return fields
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        match = _PATH.match(self.path)
        if match is None:
            self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        method = match["method"]
        _say(f"call {method}")
        if method == "sendMessage":
            sent = _fields(body, self.headers.get("Content-Type", ""))
            _say("sent " + json.dumps({"chat_id": sent.get("chat_id"), "text": sent.get("text")}))
        result: object = True
        if method == "getMe":
            result = BOT_USER
        elif method == "getUpdates":
            time.sleep(1)  # a short long poll: no updates
            result = []
        self._answer(200, {"ok": True, "result": result})

    def _answer(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    _say(f"fake Bot API on http://{args.host}:{args.port}")
    server.serve_forever()


if __name__ == "__main__":
    main()
