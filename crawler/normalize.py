"""Pure normalisers from carsensor's display strings to numbers.

Each returns None for an explicit "not given" marker (応談, 不明, ---, ―) and raises
ValueError for text it cannot read, so a pipeline can tell missing from garbled.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

MISSING = frozenset(
    {"", "-", "--", "---", "ー", "応談", "不明", "走行不明", "なし", "無", "要問合せ", "ASK"}
)
# Hyphens, dashes, bars and the katakana long vowel mark: a field of only these is "not given".
# NFKC leaves most of them alone (U+2015 ―, U+2014 —), so they are listed rather than folded.
_DASHES = re.compile(r"[-\u2010-\u2015\u2043\u2212\u2500\u2501\u30fc]+")

# Gregorian year of each era's first year; an era year N is start + N - 1.
ERAS = {"M": 1868, "T": 1912, "S": 1926, "H": 1989, "R": 2019}
ERA_NAMES = {"明治": "M", "大正": "T", "昭和": "S", "平成": "H", "令和": "R"}
MAN = Decimal(10_000)

_GREGORIAN = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_ERA = re.compile(r"([MTSHR])\s*(\d{1,2}|元)")
# An annotation after the figure: (メーター交換車), （走行不明）, ※メーター交換, 【…】.
_MILEAGE = re.compile(r"^(\d+(?:\.\d+)?)\s*(万)?\s*km\s*(?P<note>[(\[【※*].*)?$", re.IGNORECASE)
_PRICE = re.compile(r"^(?P<yen>¥)?\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>万円|万|円)?$")
_LEADING_INT = re.compile(r"^(\d+)")


def fold(text: str | None) -> str:
    """NFKC-fold (full-width to ASCII), drop thousands separators, collapse whitespace."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).replace(",", "")
    return " ".join(folded.split())


def _is_missing(text: str) -> bool:
    return text in MISSING or text.upper() in MISSING or bool(_DASHES.fullmatch(text))


def _decimal(text: str, what: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"unreadable {what}: {text!r}") from None


def man_yen_to_yen(text: str | None) -> int | None:
    """'201.6' or '198万円' -> yen; '1,980,000円' or '¥1980000' is already yen; 応談 -> None."""
    value = fold(text)
    if _is_missing(value.removesuffix("万円").strip()):
        return None
    match = _PRICE.match(value)
    if not match:
        raise ValueError(f"unreadable price: {text!r}")
    # A bare figure is in 万円, as carsensor prints prices; 円 or ¥ means plain yen.
    in_yen = match["unit"] == "円" or (match["yen"] is not None and match["unit"] is None)
    return int(_decimal(match["number"], "price") * (1 if in_yen else MAN))


def era_year(text: str | None, *, max_year: int = 2100) -> int | None:
    """'2019(H31)', '2019(R01)', 'H31', '令和元年' -> 2019; 不明 -> None."""
    value = fold(text)
    if _is_missing(value):
        return None
    for name, letter in ERA_NAMES.items():
        value = value.replace(name, letter)
    if match := _GREGORIAN.search(value):
        year = int(match.group(1))
    elif match := _ERA.search(value.upper()):
        era, number = match.groups()
        year = ERAS[era] + (1 if number == "元" else int(number)) - 1
    else:
        raise ValueError(f"unreadable year: {text!r}")
    if not 1900 <= year <= max_year:
        raise ValueError(f"year out of range: {text!r}")
    return year


def mileage_km(text: str | None) -> int | None:
    """'2.7万km' -> 27000; '3.5万km(メーター交換車)' -> 35000; '510km' -> 510; 不明 -> None."""
    value = fold(text)
    if _is_missing(value.strip("()")):
        return None
    match = _MILEAGE.match(value)
    if not match:
        raise ValueError(f"unreadable mileage: {text!r}")
    number, man, _ = match.groups()
    km = _decimal(number, "mileage") * (MAN if man else 1)
    return int(km)


def mileage_note(text: str | None) -> str | None:
    """The annotation after a readable mileage: '3.5万km(メーター交換車)' -> '(メーター交換車)'."""
    match = _MILEAGE.match(fold(text))
    return match["note"] if match and match["note"] else None


def engine_cc(text: str | None) -> int | None:
    """'3000CC' -> 3000; '-', '―' (an EV) or '0CC' -> None."""
    value = fold(text).upper().removesuffix("CC").strip()
    if _is_missing(value):
        return None
    if not value.isascii() or not value.isdigit():
        raise ValueError(f"unreadable displacement: {text!r}")
    # No engine has 0 cc: the shop left the field at its default.
    return int(value) or None


def leading_int(text: str | None) -> int | None:
    """'5名' -> 5, '5D' -> 5; None when the text has no leading number."""
    match = _LEADING_INT.match(fold(text))
    return int(match.group(1)) if match else None


def repair_history(text: str | None) -> bool | None:
    """修復歴: なし -> False, あり -> True, anything else -> None."""
    value = fold(text)
    if value.startswith("なし"):
        return False
    if value.startswith("あり"):
        return True
    return None
