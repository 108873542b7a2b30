"""Pure normalisers from carsensor's display strings to numbers.

Each returns None for an explicit "not given" marker (応談, 不明, ---) and raises
ValueError for text it cannot read, so a pipeline can tell missing from garbled.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

MISSING = frozenset({"", "-", "--", "---", "ー", "応談", "不明", "なし", "無", "要問合せ", "ASK"})

# Gregorian year of each era's first year; an era year N is start + N - 1.
ERAS = {"M": 1868, "T": 1912, "S": 1926, "H": 1989, "R": 2019}
ERA_NAMES = {"明治": "M", "大正": "T", "昭和": "S", "平成": "H", "令和": "R"}
MAN = Decimal(10_000)

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_GREGORIAN = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_ERA = re.compile(r"([MTSHR])\s*(\d{1,2}|元)")
_MILEAGE = re.compile(r"^(\d+(?:\.\d+)?)\s*(万)?\s*km$", re.IGNORECASE)
_LEADING_INT = re.compile(r"^(\d+)")


def fold(text: str | None) -> str:
    """NFKC-fold (full-width to ASCII), drop thousands separators, collapse whitespace."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).replace(",", "")
    return " ".join(folded.split())


def _is_missing(text: str) -> bool:
    return text in MISSING or text.upper() in MISSING


def _decimal(text: str, what: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"unreadable {what}: {text!r}") from None


def man_yen_to_yen(text: str | None) -> int | None:
    """'201.6' (万円) -> 2016000; 応談 or --- -> None."""
    value = fold(text).removesuffix("万円").strip()
    if _is_missing(value):
        return None
    if not _NUMBER.fullmatch(value):
        raise ValueError(f"unreadable price: {text!r}")
    return int(_decimal(value, "price") * MAN)


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
    """'2.7万km' -> 27000; '510km' -> 510; 不明 -> None."""
    value = fold(text)
    if _is_missing(value):
        return None
    match = _MILEAGE.match(value)
    if not match:
        raise ValueError(f"unreadable mileage: {text!r}")
    number, man = match.groups()
    km = _decimal(number, "mileage") * (MAN if man else 1)
    return int(km)


def engine_cc(text: str | None) -> int | None:
    """'3000CC' -> 3000; '-' (an EV) -> None."""
    value = fold(text).upper().removesuffix("CC").strip()
    if _is_missing(value):
        return None
    if not value.isdigit():
        raise ValueError(f"unreadable displacement: {text!r}")
    return int(value)


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
