"""The seam between the bot and whatever turns text into filters.

The handlers call an `Interpreter`: an async function of the message, the chat's previous
filters and the exchange rates of the moment, returning a ParseResult: the rule-based parser
here, or the OpenAI tool-call path of bot.llm (falling back to this one), passed to
`build_dispatcher`.
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.parser import ParseResult, parse_query
from core.money import Rates

Interpreter = Callable[[str, Mapping[str, Any] | None, Rates], Awaitable[ParseResult]]


async def rule_interpreter(
    text: str, previous: Mapping[str, Any] | None, rates: Rates
) -> ParseResult:
    """The built-in parser as an Interpreter."""
    # The parser takes about half a millisecond: not worth a worker thread.
    return parse_query(text, previous=previous, rates=rates)
