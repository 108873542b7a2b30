"""A fake OpenAI-compatible server on loopback: `POST /v1/chat/completions` with scripted answers.

The openai client reaches it through `base_url=server.url`; each request pops the next scripted
`Reply` (a tool call, plain content, an HTTP error, a delay; a 500 when the script has run
out) and is recorded, decoded, in
`server.requests` for the assertions.
"""

import asyncio
import json
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from replay.loopback import serve


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted answer: a JSON body with an HTTP status, sent after `delay` seconds."""

    body: dict[str, Any]
    status: int = 200
    delay: float = 0.0


def _completion(message: dict[str, Any], finish_reason: str) -> dict[str, Any]:
    """A chat.completion object with one choice."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def tool_call(arguments: dict[str, Any], *, name: str = "search_cars", delay: float = 0.0) -> Reply:
    """The model calls the tool `name` with `arguments`."""
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments, ensure_ascii=False)},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return Reply(_completion(message, "tool_calls"), delay=delay)


def plain(content: str) -> Reply:
    """The model answers in prose, calling no tool."""
    return Reply(_completion({"role": "assistant", "content": content}, "stop"))


def error(status: int) -> Reply:
    """The server fails with `status`, in OpenAI's error shape."""
    body = {"error": {"message": "scripted failure", "type": "server_error", "code": None}}
    return Reply(body, status=status)


class FakeOpenAI:
    """Answers chat completions from a script, in order, and records each request body."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.url = ""
        self._script: list[Reply] = []
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None

    def script(self, *replies: Reply) -> None:
        """Queue the answers to the next requests."""
        self._script.extend(replies)

    async def start(self) -> None:
        """Listen on a free loopback port; `url` is then the base_url to give the client."""
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner, base = await serve(app)
        self.url = base + "/v1"

    async def stop(self) -> None:
        """Release any delayed answer, then stop listening."""
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        reply = self._script.pop(0) if self._script else error(500)
        if reply.delay:
            # Wait out the delay, unless the server stops first.
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), reply.delay)
        return web.json_response(reply.body, status=reply.status)
