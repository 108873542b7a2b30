"""The built-in parser: free text in Russian, English or Japanese → CarFilters fields."""

from bot.parser.query import DEFAULT_RATES, Conversion, ParseResult, parse_query

__all__ = ["DEFAULT_RATES", "Conversion", "ParseResult", "parse_query"]
