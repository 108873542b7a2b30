"""The seam between the bot and whatever turns text into filters.

The handlers call an `Interpreter`: an async function of the message and the chat's previous
filters that returns a ParseResult: the rule-based parser here, or the OpenAI tool-call path
of bot.llm (falling back to this one), passed to `build_dispatcher`.
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.parser import ParseResult, Rates, parse_query
from core.settings import Settings

Interpreter = Callable[[str, Mapping[str, Any] | None], Awaitable[ParseResult]]


def rates_from(settings: Settings) -> Rates:
    """The currency rates of the settings, as the parser takes them."""
    return Rates(usd=settings.yen_per_usd, eur=settings.yen_per_eur, rub=settings.yen_per_rub)


def rule_interpreter(rates: Rates) -> Interpreter:
    """The built-in parser as an Interpreter, converting currencies at `rates`."""

    async def interpret(text: str, previous: Mapping[str, Any] | None) -> ParseResult:
        # The parser takes about half a millisecond: not worth a worker thread.
        return parse_query(text, previous=previous, rates=rates)

    return interpret
