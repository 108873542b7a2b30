"""A fake Telegram Bot API server on loopback: answers like Telegram and records every call.

aiogram reaches it through `AiohttpSession(api=TelegramAPIServer.from_base(server.url))`, so a
test exercises the real HTTP requests the bot makes (`POST /bot<token>/<method>`, form data)
and then asserts on `server.calls`, refused ones included, each with the time it arrived.

Like Telegram it reads HTML text (parse_mode HTML) into plain text and entities, refusing a
tag Telegram does not support and a text over 4096 characters; a message it returns carries
them, so a handler's `message.html_text` is what Telegram would give back. Photos by URL
(sendPhoto, sendMediaGroup) are answered as Telegram answers once it has fetched them; a URL
in `unreachable` gets the error Telegram gives for a URL it cannot fetch. A test can make it
answer 429 Too Many Requests (`flood`), refuse a chat that blocked the bot (`blocked`), and
hand the bot updates through getUpdates (`push`), as long polling gets them.
"""

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

from replay.loopback import serve

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Cars", "username": "carsensor_test_bot"}
MAX_TEXT = 4096  # Telegram's longest message text, in UTF-16 code units after parsing
LONG_POLL = 0.5  # the longest a getUpdates here waits for an update, whatever its timeout
# HTML tags Telegram reads, and the entity each makes (<a> is a text_link).
_ENTITY_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "a": "text_link",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Call:
    """One Bot API request: the method, its parameters (JSON ones decoded), what it answered
    (`result`, or for a refused request None and the `error` description)."""

    method: str
    params: dict[str, Any]
    result: Any
    error: str | None = None
    at: float = 0.0  # when the request arrived (time.monotonic())

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


def _utf16_length(text: str) -> int:
    """How long Telegram counts `text`: in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


class _Entities(HTMLParser):
    """Telegram's reading of an HTML text: the plain text and its entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self._open: list[tuple[str, dict[str, Any]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ENTITY_TAGS:
            raise ValueError(f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"')
        entity: dict[str, Any] = {"type": _ENTITY_TAGS[tag], "offset": _utf16_length(self.text)}
        if tag == "a":
            entity["url"] = dict(attrs).get("href") or ""
        self._open.append((tag, entity))

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            raise ValueError(f'Bad Request: can\'t parse entities: Unexpected end tag "{tag}"')
        _, entity = self._open.pop()
        entity["length"] = _utf16_length(self.text) - entity["offset"]
        if entity["length"]:
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.text += data

    def close(self) -> None:
        super().close()
        if self._open:
            tag = self._open[-1][0]
            raise ValueError(f"Bad Request: can't parse entities: Can't find end tag \"{tag}\"")


def parse_html(html: str) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and entities Telegram makes of an HTML text; ValueError with Telegram's
    description when it would refuse it."""
    reader = _Entities()
    reader.feed(html)
    reader.close()
    return reader.text, sorted(reader.entities, key=lambda entity: entity["offset"])


def _error(status: int, description: str) -> dict[str, Any]:
    """A Bot API error answer."""
    return {"ok": False, "error_code": status, "description": description}


class FakeTelegram:
    """The Bot API methods a bot like ours calls, with realistic `{"ok": true, ...}` answers."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.url = ""
        self.unreachable: set[str] = set()  # photo URLs Telegram cannot fetch
        self.blocked: set[int] = set()  # chats whose user blocked the bot: 403 to any message
        self._message_ids = itertools.count(100)
        self._runner: web.AppRunner | None = None
        self._flood: tuple[int, int] = (0, 0)  # (calls left to refuse, their retry_after)
        self._updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

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

    def flood(self, retry_after: int, calls: int = 1) -> None:
        """Answer the next `calls` calls, of any method, with 429 and this `retry_after`."""
        self._flood = (calls, retry_after)

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for the bot's next getUpdates (long polling)."""
        self._updates.put_nowait(update)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """The queued updates; none queued, wait for one as long polling does (briefly)."""
        wait = min(float(params.get("timeout") or 0), LONG_POLL)
        try:
            first = await asyncio.wait_for(self._updates.get(), wait) if wait else None
        except TimeoutError:
            first = None
        updates = [first] if first is not None else []
        while not self._updates.empty():
            updates.append(self._updates.get_nowait())
        return updates

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
            message["text"], entities = self._read(params.get("text", ""), params)
            if entities:
                message["entities"] = entities
        else:
            # Telegram stores the fetched picture and answers with its sizes, not the URL.
            size = {"file_id": f"photo-{message_id}", "file_unique_id": f"p{message_id}"}
            message["photo"] = [size | {"width": 320, "height": 240}]
            if photo.get("caption"):
                message["caption"], entities = self._read(photo["caption"], photo)
                if entities:
                    message["caption_entities"] = entities
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    @staticmethod
    def _read(text: str, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        """A text or caption as Telegram keeps it: plain, with entities when sent as HTML."""
        if params.get("parse_mode") == "HTML":
            return parse_html(text)
        return text, []

    def _refusal(self, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The error Telegram would answer the call with (its JSON), or None."""
        if self._flood[0]:
            left, retry_after = self._flood
            self._flood = (left - 1, retry_after)
            return {
                "ok": False, "error_code": 429,
                "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after},
            }  # fmt: skip
        if str(params.get("chat_id")) in {str(chat) for chat in self.blocked}:
            return _error(403, "Forbidden: bot was blocked by the user")
        if method in ("sendMessage", "editMessageText"):
            if not params.get("text"):
                return _error(400, "Bad Request: text is empty")
            try:
                text, _ = self._read(params["text"], params)
            except ValueError as error:
                return _error(400, str(error))
            if _utf16_length(text) > MAX_TEXT:
                return _error(400, "Bad Request: message is too long")
        if method == "sendPhoto" and params.get("photo") in self.unreachable:
            return _error(400, "Bad Request: failed to get HTTP URL content")
        if method == "sendMediaGroup":
            media = params.get("media") or []
            if not 2 <= len(media) <= 10:
                return _error(400, "Bad Request: media group must include 2-10 items")
            for number, item in enumerate(media, start=1):
                if item.get("media") in self.unreachable:
                    return _error(400, (
                        f"Bad Request: failed to send message #{number} with the error "
                        'message "WEBPAGE_CURL_FAILED"'
                    ))  # fmt: skip
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {name: _decode(str(value)) for name, value in (await request.post()).items()}
        if method == "getUpdates":
            # Not recorded: long polling asks all the time.
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        if (error := self._refusal(method, params)) is not None:
            self.calls.append(Call(method, params, None, error["description"], at))
            return web.json_response(error, status=error["error_code"])
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
        self.calls.append(Call(method, params, result, at=at))
        return web.json_response({"ok": True, "result": result})
