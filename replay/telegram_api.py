"""A fake Telegram Bot API server on loopback: answers like Telegram and records every call.

aiogram reaches it through `AiohttpSession(api=TelegramAPIServer.from_base(server.url))`, so a
test exercises the real HTTP requests the bot makes (`POST /bot<token>/<method>`, form data)
and then asserts on `server.calls`, refused ones included.

Photos by URL (sendPhoto, sendMediaGroup) are answered as Telegram answers once it has fetched
them; a URL in `unreachable` gets the error Telegram gives for a URL it cannot fetch.
"""

import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from replay.loopback import serve

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Cars", "username": "carsensor_test_bot"}


@dataclass(frozen=True, slots=True)
class Call:
    """One Bot API request: the method, its parameters (JSON ones decoded), what it answered
    (`result`, or for a refused request None and the `error` description)."""

    method: str
    params: dict[str, Any]
    result: Any
    error: str | None = None

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard sent with the call, row by row (empty if none)."""
        markup = self.params.get("reply_markup") or {}
        keyboard: list[list[dict[str, Any]]] = markup.get("inline_keyboard", [])
        return keyboard

    @property
    def button_texts(self) -> list[str]:
        """The texts of the inline buttons, in order."""
        return [button["text"] for row in self.buttons for button in row]


def _decode(value: str) -> Any:
    """A form value as Telegram reads it: JSON for objects and arrays, else the string."""
    if value[:1] in ("{", "["):
        return json.loads(value)
    return value


class FakeTelegram:
    """The Bot API methods a bot like ours calls, with realistic `{"ok": true, ...}` answers."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.url = ""
        self.unreachable: set[str] = set()  # photo URLs Telegram cannot fetch
        self._message_ids = itertools.count(100)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on a free loopback port; `url` is then the base to give aiogram."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner, base = await serve(app)
        self.url = base

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    def of(self, method: str) -> list[Call]:
        """The calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    def _message(
        self, params: dict[str, Any], message_id: int, photo: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The Message object Telegram returns for a message the bot sent or edited; with
        `photo` (an InputMediaPhoto, or sendPhoto's own parameters), a photo message."""
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": BOT_USER,
        }
        if photo is None:
            message["text"] = params.get("text", "")
        else:
            # Telegram stores the fetched picture and answers with its sizes, not the URL.
            size = {"file_id": f"photo-{message_id}", "file_unique_id": f"p{message_id}"}
            message["photo"] = [size | {"width": 320, "height": 240}]
            if photo.get("caption"):
                message["caption"] = photo["caption"]
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    def _refusal(self, method: str, params: dict[str, Any]) -> str | None:
        """Why Telegram would refuse the call, or None."""
        if method in ("sendMessage", "editMessageText") and not params.get("text"):
            return "Bad Request: text is empty"
        if method == "sendPhoto" and params.get("photo") in self.unreachable:
            return "Bad Request: failed to get HTTP URL content"
        if method == "sendMediaGroup":
            media = params.get("media") or []
            if not 2 <= len(media) <= 10:
                return "Bad Request: media group must include 2-10 items"
            for number, item in enumerate(media, start=1):
                if item.get("media") in self.unreachable:
                    return (
                        f"Bad Request: failed to send message #{number} with the error "
                        'message "WEBPAGE_CURL_FAILED"'
                    )
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {name: _decode(str(value)) for name, value in (await request.post()).items()}
        if (refusal := self._refusal(method, params)) is not None:
            self.calls.append(Call(method, params, None, refusal))
            error = {"ok": False, "error_code": 400, "description": refusal}
            return web.json_response(error, status=400)
        result: Any
        if method == "getMe":
            result = BOT_USER
        elif method == "sendMessage":
            result = self._message(params, next(self._message_ids))
        elif method == "editMessageText":
            result = self._message(params, int(params["message_id"]))
        elif method == "sendPhoto":
            result = self._message(params, next(self._message_ids), photo=params)
        elif method == "sendMediaGroup":
            result = [
                self._message(params, next(self._message_ids), photo=item)
                for item in params["media"]
            ]
        else:  # answerCallbackQuery, deleteWebhook, setMyCommands…: Telegram answers true
            result = True
        self.calls.append(Call(method, params, result))
        return web.json_response({"ok": True, "result": result})
