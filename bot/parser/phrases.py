"""Folding a message, and finding every known phrase in it by longest match.

The index maps each folded spelling (тойоту, x5, プリウス, без дтп) to what it means. It is
built once at import from `words.py` and `core.vocab`; a scan tries, at each position, the
longest spelling first, so ランドクルーザープラド wins over ランドクルーザー and "mini van" over
"mini". Latin and Cyrillic spellings must stand as whole words; Japanese ones need no spaces.
A model found is then taken on over the words that make it a longer model of the same make
(импреза wrx, Jimny シエラ), whatever script each part is in, and two models of one make side
by side, one's name within the other's, are the longer one (ленд крузер прадо, рендж ровер
эвок). A grade after a model is a grade (golf gti: the Golf, graded GTI), searched as text.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from bot.parser import words
from core import lexicon, vocab
from core.lexicon import (
    KANA_CONTINUATIONS,
    WORD_CHARS,
    Folded,
    fold_phrase,
    is_katakana,
    word_end,
    word_start,
)
from core.prefectures import CITIES, PREFECTURES
from core.vocab import MAKES, models_of

_NOT_AFTER_WORD = "(?<![0-9a-zа-я])"
_NOT_BEFORE_WORD = "(?![0-9a-zа-я])"


def alternation(spellings: Iterable[str], *, glued: bool = False) -> str:
    """A regex for any of `spellings`, longest first, whole words (`glued`: may follow a digit)."""
    # Units are glued: 2млн, 15k, 2018г.
    parts = []
    for spelling in sorted({fold_phrase(s) for s in spellings}, key=len, reverse=True):
        part = re.escape(spelling)
        if spelling[0] in WORD_CHARS and not glued:
            part = _NOT_AFTER_WORD + part
        if spelling[-1] in WORD_CHARS:
            part += _NOT_BEFORE_WORD
        parts.append(part)
    return "|".join(parts)


# --- meanings ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Meaning:
    """What a phrase sets: a filter field and its value, or a follow-up's comparative."""

    # A CarFilters field (q: a grade), or "relative" (cheaper, newer, less_mileage).
    field: str
    value: str | bool | tuple[str, ...]  # a tuple: the deal bands, any of them
    make: str | None = None  # for a model, its make
    needs_make: bool = False  # a model spelling that counts only when its make is named
    body_type: str | None = None  # the body a model spelling names too (5シリーズツーリング)


@dataclass(frozen=True, slots=True)
class Match:
    """A phrase found at text[start:end]."""

    start: int
    end: int
    meanings: tuple[Meaning, ...]
    typo_of: str | None = None  # the known spelling a one-letter slip was read as

    @property
    def make(self) -> str | None:
        """The make this phrase names for certain (джип names Jeep only next to a Jeep model)."""
        return next(
            (str(m.value) for m in self.meanings if m.field == "make" and not m.needs_make), None
        )


def _variants(phrase: str) -> set[str]:
    """A phrase with its word breaks as spaces or hyphens; closed up too if it had a hyphen.

    A colon inside a name may be left out too: delica d:5 is also delica d5.
    """
    parts = re.split(r"[ -]", phrase)
    variants = {phrase, " ".join(parts), "-".join(parts)}
    # cx-5 is also cx5 and n-box nbox; "model s" must not become "models".
    if "-" in phrase or any(c.isdigit() for c in phrase):
        variants.add("".join(parts))
    return variants | {_INNER_COLON.sub("", variant) for variant in variants}


_INNER_COLON = re.compile(r"(?<=\w):(?=\w)")


def _is_popular(make: str, model: str, spelling: str) -> bool:
    """Whether a vocab spelling of a model counts without its make (see lexicon.POPULAR_MODELS).

    A model of a maker outside the 15 major ones needs its make (a rare import's ターボ, シエラ,
    V8 or D5), unless POPULAR_MODELS lists it.
    """
    popular = (make, model) in _POPULAR
    if not spelling.isascii():
        # アクア, プリウス, レンジローバー; not アイ, クー or ポロ.
        return len(spelling) >= 3 and (popular or make in _MAJOR_MAKES)
    has_digit = any(c.isdigit() for c in spelling)
    return popular or (has_digit and any(c.isalpha() for c in spelling) and make in _MAJOR_MAKES)


def _check_models(pairs: set[tuple[str, str]], table: str) -> None:
    if unknown := sorted(pair for pair in pairs if pair[1] not in models_of(pair[0])):
        raise ValueError(f"words.{table}: models core.vocab does not know: {unknown}")


_POPULAR = frozenset(lexicon.POPULAR_MODELS)
_MAJOR_MAKES = frozenset(make.en for make in MAKES if make.major)
_check_models(set(_POPULAR), "POPULAR_MODELS")
_check_models(set(lexicon.MODEL_WORDS), "MODEL_WORDS")
_check_models(set(lexicon.MODEL_SLANG), "MODEL_SLANG")
_FUEL_ENDINGS = tuple(
    fold_phrase(s) for fuel in ("hybrid", "electric") for s in words.FUEL_WORDS[fuel]
)
_GRADE_ENDINGS = tuple(
    fold_phrase(s) for spellings in words.GRADE_WORDS.values() for s in spellings
)


def _vocab_models() -> Iterator[tuple[str, str, set[str]]]:
    """(make, canonical model, its spellings folded) for every model core.vocab knows."""
    for make, model, spellings in vocab.model_spellings():
        yield make, model, {fold_phrase(spelling) for spelling in spellings}


def _body_styles() -> dict[tuple[str, str, str], str]:
    """(make, model, folded spelling) → the body a spelling names: 5シリーズツーリング is a wagon.

    A spelling that is another spelling of its model followed by a body word names that body,
    when carsensor's catalogue files the spelling under the same body. ハイエースワゴン (a
    minivan) and the Benz Cクラスステーションワゴン (filed as a sedan) name none.
    """
    body_words = {fold_phrase(s): body for body, spellings in words.BODY_WORDS.items()
                  for s in spellings}  # fmt: skip
    spellings = {(make, model): names for make, model, names in _vocab_models()}
    found: defaultdict[tuple[str, str, str], set[str | None]] = defaultdict(set)
    for row in vocab.MODELS:
        names = spellings[row.make, row.en]
        body = vocab.body_type_from_ja(row.body_type_ja) if row.body_type_ja else None
        for name in (row.en, row.ja, *row.aliases):
            spelling = fold_phrase(name) if name else ""
            ends = {body_words.get(spelling.removeprefix(base).strip()) for base in names
                    if base != spelling and spelling.startswith(base)}  # fmt: skip
            if ends - {None}:
                found[row.make, row.en, spelling].add(body if ends == {body} else None)
    return {
        key: body for key, bodies in found.items() if len(bodies) == 1 and (body := bodies.pop())
    }


def _model_entries() -> Iterator[tuple[str, Meaning]]:
    """Every spelling of every model, from core.vocab and lexicon.MODEL_WORDS."""
    bodies = _body_styles()
    for make, model, spellings in _vocab_models():
        for spelling in spellings:
            if spelling.isdigit():
                continue  # 86, 911, 2008: only right after the make (NUMERIC_MODELS)
            # フィットハイブリッド and ノートe-power: the model, then a fuel in its own right;
            # ゴルフGTI (filed by carsensor as the Golf): the model, then a grade (q).
            if any(
                spelling.endswith(end) and spelling.removesuffix(end).rstrip(" -") in spellings
                for end in (*_FUEL_ENDINGS, *_GRADE_ENDINGS)
            ):
                continue
            popular = _is_popular(make, model, spelling)
            body = bodies.get((make, model, spelling))
            yield spelling, Meaning("model", model, make, needs_make=not popular, body_type=body)
    for needs_make, table in ((False, lexicon.MODEL_WORDS), (True, lexicon.MODEL_SLANG)):
        for (make, model), spellings_ in table.items():
            for spelling in spellings_:
                yield fold_phrase(spelling), Meaning("model", model, make, needs_make)


def _entries() -> Iterator[tuple[str, Meaning]]:
    """(folded spelling, meaning) for every table."""
    for make, names in lexicon.make_names().items():
        yield from ((fold_phrase(name), Meaning("make", make)) for name in names)
    yield from _model_entries()
    tables: dict[str, dict[str, tuple[str, ...]]] = {
        "color": words.COLOR_WORDS,
        "body_type": words.BODY_WORDS,
        "transmission": words.TRANSMISSION_WORDS,
        "fuel": words.FUEL_WORDS,
        "sort": words.SORT_WORDS,
        "relative": words.RELATIVE_WORDS,
        "q": words.GRADE_WORDS,
    }
    for field, table in tables.items():
        for value, spellings in table.items():
            yield from ((fold_phrase(s), Meaning(field, value)) for s in spellings)
    for flag, spellings in words.REPAIR_WORDS.items():
        yield from ((fold_phrase(s), Meaning("repair_history", flag)) for s in spellings)
    for deals, spellings in words.DEAL_WORDS.items():
        yield from ((fold_phrase(s), Meaning("deal", deals)) for s in spellings)
    for prefecture in PREFECTURES:
        foreign = lexicon.ru_noun(prefecture.en.lower(), prefecture.ru.lower(), *prefecture.also)
        for name in (prefecture.ja, prefecture.short, *foreign):
            yield fold_phrase(name), Meaning("prefecture", prefecture.ja)
    for prefecture_ja, cities in CITIES.items():
        for name in lexicon.ru_noun(*cities):
            yield fold_phrase(name), Meaning("prefecture", prefecture_ja)


def _build_index() -> dict[str, tuple[Meaning, ...]]:
    """Every variant of every spelling → its meanings; a word that means two values is a bug."""
    index: defaultdict[str, dict[Meaning, None]] = defaultdict(dict)
    for spelling, meaning in _entries():
        for variant in _variants(spelling):
            index[variant][meaning] = None
    result: dict[str, tuple[Meaning, ...]] = {}
    for phrase, found in index.items():
        meanings = list(found)
        fields = [m.field for m in meanings if m.field != "model"]
        if len(fields) != len(set(fields)):
            raise ValueError(f"words: {phrase!r} means {[m.value for m in meanings]}")
        # A spelling given as both standalone and make-bound (ノア) is standalone.
        model_meanings = sorted((m for m in meanings if m.field == "model"), key=_needs_make)
        models = {(m.make, m.value): m for m in reversed(model_meanings)}
        others = [m for m in meanings if m.field != "model"]
        if "make" in fields:
            models = {}  # "mini", ミニ: the make, not a model of it
            if len(fields) > 1:  # джип: any SUV, or Jeep when a Jeep model is named too
                others = [replace(m, needs_make=m.field == "make") for m in others]
        elif fields:
            # クーペ, hatch, roadster: a body type, or a model only after its make.
            models = {key: replace(m, needs_make=True) for key, m in models.items()}
        # A model of several makes (ロードスター): the make core.vocab lists first comes first;
        # of one make's models (delica), the one that counts without its make.
        ordered = sorted(models.values(), key=lambda m: (_MAKE_ORDER[str(m.make)], m.needs_make))
        result[phrase] = (*others, *ordered)
    return result


def _needs_make(meaning: Meaning) -> bool:
    return meaning.needs_make


def _free_longer(index: dict[str, tuple[Meaning, ...]]) -> None:
    """A model spelled as a model that needs no make and more words counts without its make
    too: "impreza wrx" is the Impreza WRX, as "импреза wrx" is (see `_extend`)."""
    for phrase, meanings in index.items():
        for i in range(1, len(phrase)):
            # A word ends at a space or a dash, or where katakana meets another script.
            if phrase[i] not in " -" and is_katakana(phrase[i - 1]) == is_katakana(phrase[i]):
                continue
            free = {m.make for m in index.get(phrase[:i].rstrip(" -"), ()) if m.field == "model"
                    and not m.needs_make}  # fmt: skip
            if free:
                index[phrase] = tuple(
                    replace(m, needs_make=False) if m.field == "model" and m.make in free else m
                    for m in meanings
                )
                break


_MAKE_ORDER = {make.en: i for i, make in enumerate(MAKES)}
INDEX = _build_index()
_free_longer(INDEX)


def _lengths() -> dict[str, tuple[int, ...]]:
    """For each first character, the lengths of the spellings that start with it, longest first."""
    lengths: defaultdict[str, set[int]] = defaultdict(set)
    for phrase in INDEX:
        lengths[phrase[0]].add(len(phrase))
    return {char: tuple(sorted(found, reverse=True)) for char, found in lengths.items()}


_LENGTHS = _lengths()
_UPPERCASE_ONLY = {fold_phrase(s): s for s in words.UPPERCASE_ONLY}

# Models named by a number (Porsche 911, Peugeot 2008, Toyota 86), read only after the make.
NUMERIC_MODELS: dict[tuple[str, str], str] = {
    (make, spelling): model
    for make, model, spellings in _vocab_models()
    for spelling in spellings
    if spelling.isdigit()
}


def _typo_index() -> dict[str, set[str]]:
    """Make and model spellings of six letters or more, keyed also by each minus one letter.

    Models that need their make are in too, though a slip is never read as one of them
    alone: they only make a slip as near Corona as Corolla no guess. A word that is also a
    colour, body or other filter (or джип) is not in.
    """
    index: defaultdict[str, set[str]] = defaultdict(set)
    for phrase, meanings in INDEX.items():
        if len(phrase) < 6 or not all(c in _LETTERS for c in phrase):
            continue
        if all(m.field == "model" or (m.field == "make" and not m.needs_make) for m in meanings):
            for key in (phrase, *(phrase[:i] + phrase[i + 1 :] for i in range(len(phrase)))):
                index[key].add(phrase)
    return index


_LETTERS = WORD_CHARS - set("0123456789")
_TYPOS = _typo_index()


def _one_edit(a: str, b: str) -> bool:
    """Whether b is a with one letter added, dropped, changed, or two neighbours swapped."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
        return len(diff) == 1 or (swapped and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    return len(long) == len(short) + 1 and any(
        long[:i] + long[i + 1 :] == short for i in range(len(long))
    )


def _typo(word: str) -> str | None:
    """The one make or model a word is a slip of (toyta → toyota, сирена → серена), if any."""
    if len(word) < 5 or word in words.NOT_TYPOS or not all(c in _LETTERS for c in word):
        return None
    keys = (word, *(word[:i] + word[i + 1 :] for i in range(len(word))))
    found = {phrase for key in keys for phrase in _TYPOS.get(key, ()) if _one_edit(word, phrase)}
    # тойоту and тойоты are one make: a slip may sit between two forms of the same word.
    if len({INDEX[phrase] for phrase in found}) != 1:
        return None
    # window is no slip of the Toyota Windom, nor range of the Ford Ranger.
    phrase = min(found)
    return phrase if any(not m.needs_make for m in INDEX[phrase]) else None


def _fits(folded: Folded, start: int, end: int, phrase: str) -> bool:
    """Whether `phrase` at text[start:end] ends where a word ends, and has the right case."""
    if not word_end(folded.text, end, phrase):
        return False
    return phrase not in _UPPERCASE_ONLY or folded.cased[start:end] == _UPPERCASE_ONLY[phrase]


def _extensions() -> dict[tuple[str, str], tuple[tuple[str, tuple[Meaning, ...]], ...]]:
    """(make, model) → (the words after it, the longer models they make), longest first.

    A spelling of one model followed by more words may spell a longer model of the same make:
    impreza wrx is the Impreza WRX, so "импреза wrx" is too, and ジムニーシエラ makes "Jimny
    シエラ" the Jimny Sierra, whatever script each part is typed in. Words that are a filter or
    a make in their own right (ワゴン, white, mini) and bare numbers (an amount) do not extend.
    """
    found: defaultdict[tuple[str, str], dict[str, tuple[Meaning, ...]]] = defaultdict(dict)
    for phrase, meanings in INDEX.items():
        if any(m.field != "model" for m in meanings):
            continue
        for i in range(1, len(phrase)):
            base, rest = phrase[:i], phrase[i:].lstrip(" -")
            if not rest or rest.isdigit() or base not in INDEX:
                continue
            if base[-1] in WORD_CHARS and phrase[i] in WORD_CHARS:
                continue  # "fit" is no word of "fitta"
            if is_katakana(base[-1]) and phrase[i] in KANA_CONTINUATIONS:
                continue
            if any(m.field != "model" for m in INDEX.get(rest, ())):
                continue
            for short in INDEX[base]:
                longer = tuple(
                    m for m in meanings if m.make == short.make and m.value != short.value
                )
                if short.field == "model" and longer:
                    found[str(short.make), str(short.value)].setdefault(rest, longer)
    return {
        key: tuple(sorted(rests.items(), key=lambda item: len(item[0]), reverse=True))
        for key, rests in found.items()
    }


_EXTENSIONS = _extensions()


def _extend(folded: Folded, match: Match) -> Match:
    """The match of a model, taken on over the words that make it a longer model, if any."""
    text = folded.text
    start = match.end + (text[match.end : match.end + 1] == " ")
    for meaning in match.meanings:
        if meaning.field != "model":
            continue
        for rest, longer in _EXTENSIONS.get((str(meaning.make), str(meaning.value)), ()):
            end = start + len(rest)
            if text.startswith(rest, start) and _fits(folded, start, end, rest):
                # Named without its make as the shorter model was, the longer one is too.
                return replace(
                    match,
                    end=end,
                    meanings=tuple(
                        replace(m, needs_make=m.needs_make and meaning.needs_make) for m in longer
                    ),
                )
    return match


def find_phrases(folded: Folded) -> list[Match]:
    """The known phrases of a folded message, left to right, longest first, not overlapping."""
    text, i = folded.text, 0
    matches: list[Match] = []
    while i < len(text):
        char = text[i]
        at_start = word_start(text, i, matches[-1].end if matches else 0)
        found = None
        if at_start:
            for length in _LENGTHS.get(char, ()):
                phrase = text[i : i + length]
                if (
                    len(phrase) == length
                    and phrase in INDEX
                    and _fits(folded, i, i + length, phrase)
                ):
                    found = Match(i, i + length, INDEX[phrase])
                    break
        if found is None and at_start and char in _LETTERS:
            end = i
            while end < len(text) and text[end] in WORD_CHARS:
                end += 1
            if typo := _typo(text[i:end]):
                found = Match(i, end, INDEX[typo], typo)
            else:
                i = end  # no phrase starts inside a word
                continue
        if found is None:
            i += 1
        else:
            found = _extend(folded, found)
            if matches and (longer := _longer_model(text, matches[-1], found)):
                matches[-1] = longer
            else:
                matches.append(found)
            i = found.end
    return matches


def _longer_model(text: str, first: Match, second: Match) -> Match | None:
    """Two models of one make side by side, one's name within the other's, as one match of
    the longer: "ленд крузер прадо" and "рендж ровер эвок" whatever their spellings."""
    if text[first.end : second.start].strip(" -"):
        return None
    for a in first.meanings:
        for b in second.meanings:
            if a.field != "model" or b.field != "model" or a.make != b.make:
                continue
            short, long = sorted((a, b), key=lambda m: len(str(m.value)))
            if set(str(short.value).split()) < set(str(long.value).split()):
                needs_make = a.needs_make and b.needs_make
                meaning = replace(long, needs_make=needs_make)
                return Match(first.start, second.end, (meaning,), first.typo_of or second.typo_of)
    return None
