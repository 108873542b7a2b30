"""What the bot understands from a message; `python -m bot.parse "текст"` prints it as JSON.

The command takes the bot's own path: the OpenAI tool call when OPENAI_API_KEY is set, with the
built-in rule parser as its fallback, else the parser alone (bot.llm.interpreter_for).

    python -m bot.parse "Найди красную BMW до 2 млн"   # one query, one JSON object
    python -m bot.parse < queries.txt                  # one query per line, one object per line

Only the filters that are set are printed; notes (currency rates used, words ignored) go to
stderr. Foreign prices are converted at the settings' rates (YEN_PER_USD…).
"""

import argparse
import asyncio
import io
import json
import sys
from collections.abc import Iterable, Sequence
from typing import TextIO

from bot.interpret import Interpreter
from bot.llm import interpreter_for
from core.db import async_session_factory, make_async_engine
from core.money import Rates, settings_rates
from core.settings import Settings, get_settings


def _utf8(stream: TextIO) -> TextIO:
    """The stream, reading and writing UTF-8 whatever the locale says."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(encoding="utf-8")
    return stream


async def _interpret_all(
    settings: Settings, queries: Iterable[str], stdout: TextIO, stderr: TextIO
) -> None:
    # Only the LLM path connects: it reads the makes and models for its prompt.
    engine = make_async_engine(settings)
    try:
        interpret, client = await interpreter_for(settings, async_session_factory(engine))
    finally:
        await engine.dispose()
    try:
        await _print_filters(interpret, settings_rates(settings), queries, stdout, stderr)
    finally:
        if client is not None:
            await client.close()


async def _print_filters(
    interpret: Interpreter, rates: Rates, queries: Iterable[str], stdout: TextIO, stderr: TextIO
) -> None:
    """One JSON line of filters per query, and its notes on stderr."""
    for query in queries:
        result = await interpret(query.rstrip("\n"), None, rates)
        stdout.write(json.dumps(result.filters, ensure_ascii=False) + "\n")
        stdout.flush()
        stderr.writelines(f"note: {note}\n" for note in result.notes)


def main(
    argv: Sequence[str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Print the filters of the query given as arguments, or of each line of stdin."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.parse", description="Print the search filters a message asks for."
    )
    parser.add_argument("query", nargs="*", help="the message; none: read one per line from stdin")
    args = parser.parse_args(argv)
    stdin, stdout, stderr = (
        _utf8(stream or default)
        for stream, default in ((stdin, sys.stdin), (stdout, sys.stdout), (stderr, sys.stderr))
    )
    queries: Iterable[str] = [" ".join(args.query)] if args.query else stdin
    asyncio.run(_interpret_all(get_settings(), queries, stdout, stderr))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
