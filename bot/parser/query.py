"""The rule-based parser: a message, and the chat's last search, in; CarFilters fields out.

Steps: fold the text; find the known phrases (makes, models, colours…); read the numbers
(prices, mileages, years); name the words left unread; decide whether the message refines
`previous` or starts afresh; apply comparatives ("а подешевле?"); validate with CarFilters,
dropping what it rejects.
A negative number or an exponent refuses the whole message (`problem`): read without its
sign, "до -5 млн" would search up to 5 million.

Choices a reader may look for:
- a model names its make (прадо → Toyota); a named make limits the models to its own;
- the first make, model, colour… named wins; the others are in `notes`;
- a message that reads as nothing (greetings, questions, unknown words) gives no filters, even
  after a search: the bot says it did not understand rather than repeat the last results;
- a follow-up is a message that says so ("а…", "only…", "cheaper") or names one criterion and
  nothing else ("white", "до 1 млн"); a car, a search verb, two criteria or an unknown word
  start a new search ("японский седан" after a BMW is no BMW);
- "2 млн" alone is the most one pays (price_max); "prius 2018" is that one year;
- "after 2017" and "newer than 2015" are strict (2018 on, 2016 on); "от 2018" is not;
- naming a deal band means that band or better ("good deal": great or good; "great deal":
  great); "the best deals" ("самые выгодные", お買い得順) is that filter and the deal sort;
- "cheaper" shrinks price_min and price_max to 80 % (rounded to ¥10,000), or sorts by price
  when there is no price yet; "newer" and "less mileage" work alike (year_min + 1, 80 % km);
- a follow-up replaces a range as a whole: "до 1 млн" after "1-2 млн" drops the old price_min.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError

from bot.parser import words
from bot.parser.amounts import Amount, Bound, find_amounts, kind
from bot.parser.phrases import (
    NUMERIC_MODELS,
    Match,
    Meaning,
    alternation,
    find_phrases,
)
from core.filters import CarFilters
from core.lexicon import Folded, fold
from core.money import Rates, settings_rates
from core.settings import Settings

MAX_CHARS = 4096  # Telegram's longest message; anything past it is ignored
FIELDS = frozenset(CarFilters.model_fields) - {"is_active"}
_RANGES = (("price_min", "price_max"), ("year_min", "year_max"))
_SHRINK = 0.8
# Filters that make one criterion between them.
_CRITERIA = {"price_min": "price", "price_max": "price", "year_min": "year", "year_max": "year"}
# The settings' own defaults, not the environment's: the bot passes the current rates.
DEFAULT_RATES = settings_rates(Settings.model_construct())


@dataclass(frozen=True, slots=True)
class Conversion:
    """A foreign price turned into yen."""

    currency: str
    amount: float
    rate: float
    yen: int
    as_of: date | None = None  # the day the rate held

    def __str__(self) -> str:
        rate = f"1 {self.currency} = ¥{self.rate:g}"
        return f"{self.amount:,.0f} {self.currency} = ¥{self.yen:,} ({rate})"


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What a message asks for, and how the parser got there."""

    filters: dict[str, Any]  # CarFilters fields, only those set, validated
    # "ru", "en" or "ja": the message's language; None when it has only names and numbers.
    language: str | None
    followup: bool = False  # merged into the previous search
    conversions: tuple[Conversion, ...] = ()
    notes: tuple[str, ...] = ()  # in English: rates used, what was ignored or dropped
    ignored: tuple[str, ...] = ()  # "name=value" of each field CarFilters rejected
    unknown: tuple[str, ...] = ()  # words the parser could not read, as typed
    currency: str | None = None  # the currency a price was given in (JPY for "円"), if any
    source: str = "rules"  # the LLM path will say "llm"
    # An amount refused as typed (-5 млн, 5e6): the filters are empty and no search is run.
    problem: str | None = None


_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[a-z]")
_SEARCH = re.compile(alternation(words.SEARCH_WORDS))
_FOLLOWUP = re.compile(
    f"^[^0-9a-zа-я\u3040-\u30ff\u4e00-\u9fff]*(?:{alternation(words.FOLLOWUP_OPENERS)})"
    f"|{alternation(words.FOLLOWUP_WORDS)}"
)
# Words that ask for nothing, and never count as unknown.
_FILLER = re.compile(
    alternation((*words.STOP_WORDS, *words.SEARCH_WORDS, *words.FOLLOWUP_OPENERS,
                 *words.FOLLOWUP_WORDS))
)  # fmt: skip
# A word: Latin or Cyrillic letters and digits, or a run of katakana and kanji (hiragana is
# grammar: の, で, ください).
_WORD = re.compile(r"[0-9a-zа-я]+|[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff々]{2,}")


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` with each span replaced by spaces."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def detect_language(text: str, names: Sequence[Match] = ()) -> str | None:
    """ja for any kana or kanji, ru for Cyrillic, en for Latin outside the `names` (makes,
    models, grades); None for a message of names and numbers alone (BMW X5 2018)."""
    if _JAPANESE.search(text):
        return "ja"
    if _CYRILLIC.search(text):
        return "ru"
    rest = _blank(text, [(m.start, m.end) for m in names])
    return "en" if _LATIN.search(rest) else None


@dataclass(slots=True)
class _Reading:
    """What one message says, before it meets the previous search."""

    fields: dict[str, Any] = field(default_factory=dict)
    relatives: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)  # price, mileage, year: amounts it gave
    conversions: list[Conversion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    names_car: bool = False  # a make or model: a new car, unless it says it is a follow-up
    currency: str | None = None  # of the first price with a currency

    def put(self, name: str, value: Any) -> None:
        """Set a field once; a second, different value goes to the notes."""
        if self.fields.setdefault(name, value) != value:
            self.notes.append(f"ignored {name}={value!r}: already {self.fields[name]!r}")


def _model_meaning(match: Match, make: str | None) -> Meaning | None:
    """The model `match` names, given the make named so far (None: any standalone model)."""
    for meaning in match.meanings:
        if meaning.field != "model":
            continue
        if make is None and not meaning.needs_make:
            return meaning
        if make is not None and meaning.make == make:
            return meaning
    return None


def _read_phrases(text: str, matches: list[Match], reading: _Reading) -> Match | None:
    """Fill `reading` from the phrases; return the match of the make, if one was named."""
    make_match = next((m for m in matches if m.make), None)
    make = make_match.make if make_match else None
    if make is None:  # прадо alone: the make of the first model that needs none
        models = (_model_meaning(match, None) for match in matches)
        make = next((str(model.make) for model in models if model), None)
    for match in matches:
        if match.typo_of:
            reading.notes.append(f"read {text[match.start : match.end]!r} as {match.typo_of!r}")
        if match.make:
            reading.put("make", match.make)
        elif model := _model_meaning(match, make):
            reading.put("make", make)
            reading.put("model", model.value)
            if model.body_type:  # 5シリーズツーリング: the 5 Series, a wagon
                reading.put("body_type", model.body_type)
        elif not any(m.field == "make" and m.value == make for m in match.meanings):
            _read_meanings(match, reading)
    reading.names_car = make is not None
    return make_match


def _read_meanings(match: Match, reading: _Reading) -> None:
    """Fill `reading` from a phrase that names no make or model of the make."""
    others = [m for m in match.meanings if m.field not in ("make", "model")]
    if not others:
        model = match.meanings[0]
        reading.notes.append(f"ignored model {model.value}: not named with its make {model.make}")
    for meaning in others:
        if meaning.field == "relative":
            reading.relatives.append(str(meaning.value))
        else:
            reading.put(meaning.field, meaning.value)


def _read_numeric_model(
    text: str, make_match: Match | None, amounts: list[Amount], reading: _Reading
) -> None:
    """Porsche 911, Peugeot 2008: a bare number right after the make that is one of its models.

    The number is taken out of `amounts`, so 2008 is not read as a year too.
    """
    if make_match is None or "model" in reading.fields:
        return
    for amount in amounts:
        model = NUMERIC_MODELS.get((str(make_match.make), amount.digits))
        if model and amount.bare and not text[make_match.end : amount.start].strip():
            amounts.remove(amount)
            reading.put("model", model)
            return


def _year_bound(amount: Amount, today: date) -> tuple[int, Bound | None]:
    """A year amount's year, or an age's (today's year minus the age), and its bound."""
    if kind(amount) == "year":
        return int(amount.number) + (amount.era or 0), amount.bound
    bound = amount.bound
    if bound is not None and not bound.newness:
        # "до 5 лет" is at most 5 years old: the year is at least today's minus 5.
        bound = Bound("max" if bound.side == "min" else "min")
    return today.year - int(amount.number), Bound(bound.side) if bound else None


def _read_amounts(amounts: list[Amount], reading: _Reading, today: date, rates: Rates) -> None:
    """Fill `reading` from the numbers."""
    for amount in amounts:
        what = kind(amount)
        side = amount.bound.side if amount.bound else None
        if what == "price":
            currency = amount.currency or "JPY"
            yen = rates.to_yen(amount.value, currency)
            if amount.currency is not None and reading.currency is None:
                reading.currency = currency
            if currency != "JPY":
                rate = rates.yen_per[currency]
                reading.conversions.append(
                    Conversion(currency, amount.value, rate, round(yen), rates.as_of)
                )
            reading.put("price_min" if side == "min" else "price_max", round(yen))
        elif what == "mileage":
            if side == "min":
                reading.notes.append(f"ignored {amount.digits}: no filter for a least mileage")
                continue
            reading.put("mileage_max", round(amount.value * (amount.km_per_unit or 1)))
        elif what in ("year", "age"):
            year, bound = _year_bound(amount, today)
            # "5 лет" alone may be a car's age or a warranty; only "до 5 лет" is a filter.
            if bound is None and what == "age":
                reading.notes.append(f"ignored {amount.digits}: an age needs a bound")
                continue
            step = 1 if bound is not None and bound.strict else 0
            if bound is None or bound.side == "min":
                reading.put("year_min", year + step)
            if bound is None or bound.side == "max":
                reading.put("year_max", year - step)
        else:
            reading.notes.append(f"ignored {amount.digits}: not a price, mileage or year")
            continue
        reading.kinds.add("year" if what == "age" else what)


def _unknown_words(folded: Folded, matches: list[Match], amounts: list[Amount]) -> list[str]:
    """The words no phrase, amount or filler word accounts for, as typed, each once.

    Numbers (a generation: приус 30) and single kanji (色 of 赤色) are not named.
    """
    spans = [(m.start, m.end) for m in matches] + [(a.start, a.end) for a in amounts]
    spans += [m.span() for m in _FILLER.finditer(folded.text)]
    found: dict[str, str] = {}
    for word in _WORD.finditer(_blank(folded.text, spans)):
        if not word.group().isdigit():
            found.setdefault(word.group(), folded.cased[word.start() : word.end()])
    return list(found.values())


def _is_followup(text: str, reading: _Reading, unknown: list[str]) -> bool:
    """Whether a message refines the last search rather than starting a new one."""
    # "а найди подешевле" still refines: a follow-up word outweighs a search verb.
    if _FOLLOWUP.search(text) or reading.relatives:
        return True
    if _SEARCH.search(text) or reading.names_car or unknown:
        return False
    return len({_criterion(name, value) for name, value in reading.fields.items()}) == 1


def _criterion(name: str, value: Any) -> str:
    # "самые выгодные" sets the deal filter and the deal sort: one criterion, as a price range.
    return "deal" if (name, value) == ("sort", "deal") else _CRITERIA.get(name, name)


def _merge(previous: Mapping[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The previous filters with the new ones on top; a new make drops the old model."""
    merged = {name: value for name, value in previous.items() if name in FIELDS}
    if "make" in new and new["make"] != merged.get("make"):
        merged.pop("model", None)
    # A range goes whole, or "до 1 млн" after "1-2 млн" would leave price_min above price_max.
    for low, high in _RANGES:
        if low in new or high in new:
            merged.pop(low, None)
            merged.pop(high, None)
    return merged | new


def _round(value: float, unit: int) -> int:
    return int(round(value / unit) * unit)


def _apply_relatives(fields: dict[str, Any], reading: _Reading) -> None:
    """Cheaper, newer, less mileage: shrink the bound the last search had, or sort by it."""
    for relative in dict.fromkeys(reading.relatives):
        if relative == "cheaper" and "price" not in reading.kinds:
            if "price_max" not in fields and "price_min" not in fields:
                fields.setdefault("sort", "price")
            # The whole window moves down, so a price_min cannot end above the new price_max.
            for name in ("price_min", "price_max"):
                if name in fields:
                    fields[name] = _round(fields[name] * _SHRINK, 10_000)
        elif relative == "newer" and "year" not in reading.kinds:
            if "year_min" not in fields:
                fields.setdefault("sort", "-year")
            else:
                fields["year_min"] += 1
                if fields.get("year_max", fields["year_min"]) < fields["year_min"]:
                    del fields["year_max"]
        elif relative == "less_mileage" and "mileage" not in reading.kinds:
            if "mileage_max" in fields:
                fields["mileage_max"] = _round(fields["mileage_max"] * _SHRINK, 1_000)
            else:
                fields.setdefault("sort", "mileage")


def validate(fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
    """Fields CarFilters accepts (a swapped range put right), notes, and the fields dropped."""
    kept, notes = {name: value for name, value in fields.items() if name in FIELDS}, []
    ignored: list[str] = []
    # "от 2 млн до 1 млн" is a range typed backwards, not a request for nothing.
    for low, high in _RANGES:
        if low in kept and high in kept and kept[low] > kept[high]:
            kept[low], kept[high] = kept[high], kept[low]
            notes.append(f"swapped {low} and {high}")
    while True:
        try:
            filters = CarFilters.model_validate(kept)
        except ValidationError as error:
            bad = {str(e["loc"][0]) for e in error.errors() if e["loc"]} & kept.keys()
            if not bad:
                message = f"dropped every filter: {error.errors()[0]['msg']}"
                return {}, [*notes, message], [*ignored, *(f"{k}={v}" for k, v in kept.items())]
            for name in sorted(bad):
                value = kept.pop(name)
                ignored.append(f"{name}={value}")
                notes.append(f"dropped {name}={value!r}: CarFilters rejects it")
        else:
            return filters.model_dump(mode="json", exclude_unset=True), notes, ignored


def parse_query(
    text: str,
    *,
    previous: Mapping[str, Any] | None = None,
    today: date | None = None,
    rates: Rates = DEFAULT_RATES,
) -> ParseResult:
    """Filters for a message in Russian, English or Japanese; a follow-up refines `previous`."""
    folded = fold(text[:MAX_CHARS])
    today = today or datetime.now(UTC).date()
    reading = _Reading()
    matches = find_phrases(folded)
    make_match = _read_phrases(folded.text, matches, reading)
    # Numbers inside a model's name (x5, 3 series, cx-5) are no amounts.
    masked = list(folded.text)
    for match in matches:
        if any(c.isdigit() for c in folded.text[match.start : match.end]):
            # A dash right after the name goes too: x5-2018 is no minus 2018.
            end = match.end + folded.text.startswith("-", match.end)
            masked[match.start : end] = " " * (end - match.start)
    amounts = find_amounts("".join(masked))
    names = [m for m in matches if all(x.field in ("make", "model", "q") for x in m.meanings)]
    language = detect_language(folded.text, names)
    if refused := next((a for a in amounts if a.negative or a.exponent), None):
        problem = folded.cased[refused.start : refused.end]
        note = f"refused {problem!r}: a negative number or an exponent"
        return ParseResult(filters={}, language=language, notes=(note,), problem=problem)
    unknown = _unknown_words(folded, matches, amounts)
    _read_numeric_model(folded.text, make_match, amounts, reading)
    _read_amounts(amounts, reading, today, rates)
    if not reading.fields and not reading.relatives:
        notes = (*reading.notes, "nothing to search for")
        return ParseResult(filters={}, language=language, notes=notes, unknown=tuple(unknown))
    followup = previous is not None and _is_followup(folded.text, reading, unknown)
    fields = _merge(previous or {}, reading.fields) if followup else dict(reading.fields)
    _apply_relatives(fields, reading)
    filters, dropped, ignored = validate(fields)
    return ParseResult(
        filters=filters,
        language=language,
        followup=followup,
        conversions=tuple(reading.conversions),
        notes=(*map(str, reading.conversions), *reading.notes, *dropped),
        ignored=tuple(ignored),
        unknown=tuple(unknown),
        currency=reading.currency,
    )
