"""What the bot understands from a message; `python -m bot.parse "текст"` prints it as JSON.

`understand` is the one entry point the bot and this command share. Today it is the built-in
rule-based parser (bot.parser); the OpenAI tool-call path will plug in here, with the parser as
its fallback, and return the same ParseResult.

    python -m bot.parse "Найди красную BMW до 2 млн"   # one query, one JSON object
    python -m bot.parse < queries.txt                  # one query per line, one object per line

Only the filters that are set are printed; notes (currency rates used, words ignored) go to
stderr.
"""

import argparse
import io
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TextIO

from bot.parser import DEFAULT_RATES, ParseResult, Rates, parse_query


def understand(
    text: str,
    *,
    previous: Mapping[str, Any] | None = None,
    today: date | None = None,
    rates: Rates = DEFAULT_RATES,
) -> ParseResult:
    """The filters a message asks for, refining `previous` when it is a follow-up."""
    return parse_query(text, previous=previous, today=today, rates=rates)


def _utf8(stream: TextIO) -> TextIO:
    """The stream, reading and writing UTF-8 whatever the locale says."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(encoding="utf-8")
    return stream


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
    for query in queries:
        result = understand(query.rstrip("\n"))
        stdout.write(json.dumps(result.filters, ensure_ascii=False) + "\n")
        stdout.flush()
        stderr.writelines(f"note: {note}\n" for note in result.notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
