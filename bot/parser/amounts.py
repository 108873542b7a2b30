"""Numbers in a message and what they count: a price, a mileage, a year or an age.

A number is read with the words next to it. Before it: a bound (до, under, от), a currency sign,
an era (令和) or a word that says what it counts (пробег, price, 走行). After it: a multiplier
(млн, k, 万), a unit (円, $, км, года) and a bound written after the number (以下, or newer).
Each of those words is a `Word` in one of the two tables below. What the number counts follows
from them (see `kind`): a distance unit makes a mileage, a year word a year (or, up to 50, an
age), a currency or a multiplier a price; a bare 1980-2035 is a year and a bare 10,000 and up
is yen. Two numbers joined by a dash, "до", "to" or から are a range and share their units.

A number with a minus (-5 млн, минус 5, от -100 тысяч) or an exponent (5e6, 10^6) is marked so
that the message is refused rather than read wrong: a dash is a minus only where it starts an
amount (at the start, after a space or a bound word), not between two numbers or in cx-5.
"""

import re
from dataclasses import dataclass, replace
from typing import Literal

from bot.parser.phrases import alternation
from core.lexicon import WORD_CHARS

Side = Literal["min", "max"]
Kind = Literal["price", "mileage", "year", "age", "none"]


@dataclass(frozen=True, slots=True)
class Bound:
    """Which end of a range a number is: at least, or at most."""

    side: Side
    strict: bool = False  # "after 2017" is 2018 on; only calendar years honour it
    # "newer"/"older" rather than "more"/"less": for an age the two point opposite ways.
    newness: bool = False


@dataclass(frozen=True, slots=True)
class Word:
    """What a word next to a number says about it."""

    multiplier: float | None = None
    currency: str | None = None  # JPY, USD, EUR, RUB
    km_per_unit: float | None = None  # a distance: 1 for km, 1.609344 for miles
    time: bool = False  # years (2018 года) or, for a small number, an age (5 лет)
    era: int | None = None  # the year before an era's first: 令和2年 is 2018 + 2
    context: str | None = None  # what the number counts, said before it: price, mileage, year
    bound: Bound | None = None
    other: bool = False  # a unit no filter has: 2000cc, 7 мест, 4WD
    negative: bool = False  # минус


MAX = Bound("max")
MIN = Bound("min")
BEFORE = Bound("max", strict=True, newness=True)
AFTER = Bound("min", strict=True, newness=True)
NOT_OLDER = Bound("min", newness=True)
NOT_NEWER = Bound("max", newness=True)
_FILLER = Word()


def _table(*groups: tuple[tuple[str, ...], Word]) -> dict[str, Word]:
    """Spellings → Word; a spelling in two groups is a bug."""
    table: dict[str, Word] = {}
    for spellings, word in groups:
        for spelling in spellings:
            if table.setdefault(spelling, word) is not word:
                raise ValueError(f"amounts: {spelling!r} is in two groups")
    return table


_WORDS_BEFORE = _table(
    (("до", "не более", "не больше", "не дороже", "не выше", "максимум", "макс", "меньше",
      "менее", "дешевле", "ниже", "в пределах", "под", "under", "below", "less than",
      "fewer than", "lower than", "cheaper than", "no more than", "not more than", "up to",
      "upto", "max", "maximum", "at most", "within", "<", "<=", "≤", "最大", "最高"),
     Word(bound=MAX)),
    (("от", "с", "со", "не менее", "не меньше", "не дешевле", "не ниже", "минимум", "мин",
      "больше", "более", "дороже", "выше", "свыше", "from", "over", "above", "more than",
      "at least", "min", "minimum", "starting from", "starting at", "between", ">", ">=", "≥",
      "最低"),
     Word(bound=MIN)),
    (("новее", "моложе", "после", "позже", "позднее", "after", "newer than", "later than",
      "younger than"), Word(bound=AFTER)),
    (("старше", "ранее", "раньше", "before", "older than", "earlier than"), Word(bound=BEFORE)),
    (("не старше", "не ранее", "не раньше", "no older than", "not older than"),
     Word(bound=NOT_OLDER)),
    (("не позднее", "не позже", "не новее", "no newer than"), Word(bound=NOT_NEWER)),
    (("цена", "цене", "ценой", "цену", "стоимость", "стоимостью", "бюджет", "бюджетом", "за",
      "price", "priced", "budget", "cost", "costs", "for", "価格", "予算", "値段", "総額",
      "支払総額", "本体価格"), Word(context="price")),
    (("пробег", "пробега", "пробегом", "пробеге", "mileage", "odometer", "走行", "走行距離"),
     Word(context="mileage")),
    (("год", "года", "годом", "году", "выпуска", "выпуск", "year", "model year", "年式"),
     Word(context="year")),
    (("возраст", "возрастом", "age"), Word(context="age")),
    (("$", "us$", "usd"), Word(currency="USD")),
    (("€", "eur"), Word(currency="EUR")),
    (("¥", "jpy"), Word(currency="JPY")),
    (("₽", "rub"), Word(currency="RUB")),
    (("平成",), Word(era=1988)),
    (("令和",), Word(era=2018)),
    (("昭和",), Word(era=1925)),
    (("минус", "minus", "マイナス"), Word(negative=True)),
    (("около", "примерно", "порядка", "в районе", "где-то", "где то", "приблизительно",
      "about", "around", "approximately", "approx", "roughly", "of", "is", "a", "the", "約"),
     _FILLER),
)  # fmt: skip

_WORDS_AFTER = _table(
    (("k", "к", "тыс", "тысяч", "тысяча", "тысячи", "тыщ", "тыщи", "тысч", "thousand",
      "thousands", "千"), Word(multiplier=1e3)),
    (("m", "mln", "mil", "mio", "million", "millions", "млн", "миллион", "миллиона",
      "миллионов", "лям", "ляма", "лямов", "лимон", "лимона", "лимонов"),
     Word(multiplier=1e6)),
    (("万",), Word(multiplier=1e4)),
    (("億",), Word(multiplier=1e8)),
    (("円", "yen", "jpy", "¥", "иен", "йен", "иена", "иены", "йены", "йена"),
     Word(currency="JPY")),
    (("руб", "рублей", "рубля", "рубль", "р", "₽", "rub", "rubles", "roubles", "ルーブル"),
     Word(currency="RUB")),
    (("тр", "т.р", "тыр", "т.руб"), Word(multiplier=1e3, currency="RUB")),
    (("$", "долларов", "доллара", "доллар", "долл", "баксов", "бакса", "бакс", "usd",
      "dollars", "dollar", "bucks", "ドル"), Word(currency="USD")),
    (("€", "евро", "eur", "euro", "euros", "ユーロ"), Word(currency="EUR")),
    (("км", "km", "kms", "kilometers", "kilometres", "километров", "километра", "километр",
      "キロ", "キロメートル"), Word(km_per_unit=1.0)),
    (("ткм", "т.км"), Word(multiplier=1e3, km_per_unit=1.0)),
    (("miles", "mile", "mi", "миль", "мили"), Word(km_per_unit=1.609344)),
    (("года", "год", "году", "годов", "г", "гв", "г.в", "year", "years", "yr", "yrs",
      "years old", "year old", "yo", "лет", "年", "年式", "年落ち", "-го"), Word(time=True)),
    (("以下", "以内", "まで", "より安い", "or less", "or below", "and under", "and below",
      "or cheaper", "or under", "max", "maximum", "максимум", "макс", "и ниже", "и меньше",
      "и дешевле"), Word(bound=MAX)),
    (("以上", "から", "より高い", "and up", "and above", "or more", "or above", "+", "и выше",
      "и больше", "и более", "и дороже"), Word(bound=MIN)),
    (("未満",), Word(bound=Bound("max", strict=True))),
    (("超",), Word(bound=Bound("min", strict=True))),
    (("以降", "and newer", "or newer", "and later", "or later", "и новее", "или новее",
      "и моложе", "и позже"), Word(bound=NOT_OLDER)),
    (("以前", "and older", "or older", "or earlier", "и старше", "или старше", "и раньше"),
     Word(bound=NOT_NEWER)),
    (("より新しい",), Word(bound=AFTER)),
    (("より古い",), Word(bound=BEFORE)),
    (("cc", "куб", "кубов", "л", "литр", "литра", "литров", "l", "ps", "hp", "лс", "л.с",
      "kw", "квт", "мест", "места", "место", "seats", "seater", "人乗り", "ドア", "door",
      "doors", "дв", "двери", "дверей", "wd", "вд", "速", "%", "回", "人", "個", "台"),
     Word(other=True)),
    (("くらい", "ぐらい", "程度", "前後", "ish", "or so", "примерно", "около"), _FILLER),
)  # fmt: skip

# Two to ten in words ("до двух миллионов", "under two million"); "one" is too often no number.
_NUMERALS = {
    2: ("два", "две", "двух", "two"), 3: ("три", "трех", "three"),
    4: ("четыре", "четырех", "four"), 5: ("пять", "пяти", "five"), 6: ("шесть", "шести", "six"),
    7: ("семь", "семи", "seven"), 8: ("восемь", "восьми", "eight"),
    9: ("девять", "девяти", "nine"), 10: ("десять", "десяти", "ten"),
}  # fmt: skip
# Numbers written as words, (number, multiplier): "до ляма" and "under a million" are a
# million; "полтора ляма" is 1.5 and the unit after it.
_NUMBER_WORDS: dict[str, tuple[float, float | None]] = {
    **dict.fromkeys(("миллион", "миллиона", "лям", "ляма", "лимон", "лимона", "million",
                     "a million", "one million"), (1, 1e6)),
    **dict.fromkeys(("полмиллиона", "пол миллиона", "пол ляма", "полляма", "half a million"),
                    (1, 5e5)),
    **dict.fromkeys(("полтора", "полторы", "полутора", "one and a half", "one-and-a-half"),
                    (1.5, None)),
    **{word: (number, None) for number, words in _NUMERALS.items() for word in words},
}  # fmt: skip
_NUMBER = re.compile(
    r"(?<![0-9a-z.,])(\d{1,3}(?:[ .,]\d{3})+(?![0-9])|\d+(?:[.,]\d+)?)"
    f"|({alternation(_NUMBER_WORDS)})"
)
_BEFORE = re.compile(f"({alternation(_WORDS_BEFORE)})[ :=]*$")
# A dash glued to the number, perhaps through a currency sign: -5, -$5000.
_MINUS = re.compile(r"-[$€¥₽]?$")
# What makes the number before it a power: 5e6, 1e+7, 10^6, 10**6, 5×10^6, 5×10⁶ (NFKC: 5×106).
_EXPONENT = re.compile(r"e[+-]?\d+|\s*(?:[×*x]\s*10\s*)?(?:\^|\*\*)\s*[+-]?\d+|\s*[×*]\s*10\d*")
_AFTER = re.compile(f"[ .]*({alternation(_WORDS_AFTER, glued=True)})")
# What may stand between the two ends of a range, besides the second end's own bound word.
_JOIN = re.compile(r" *(?:-|~|to|till|until|до|по|and|и|から)? *")
_LOOK_BACK = 40  # characters: the bound words before a number are short


@dataclass(frozen=True, slots=True)
class Amount:
    """A number with the words around it, text[start:end]; `digits` is at text[digits_at:]."""

    number: float
    digits: str
    digits_at: int
    start: int
    end: int
    multiplier: float | None = None
    currency: str | None = None
    km_per_unit: float | None = None
    time: bool = False
    era: int | None = None
    context: str | None = None
    bound: Bound | None = None
    other: bool = False
    negative: bool = False
    exponent: bool = False

    @property
    def value(self) -> float:
        """The number times its multiplier (2 млн → 2,000,000)."""
        return self.number * (self.multiplier or 1)

    @property
    def bare(self) -> bool:
        """No word next to it at all (Peugeot 2008: a model, not a year)."""
        return self.start == self.digits_at and self.end == self.digits_at + len(self.digits)

    def with_word(self, word: Word) -> "Amount":
        """This amount with what `word` says; what it already has stays."""
        return replace(
            self,
            multiplier=self.multiplier or word.multiplier,
            currency=self.currency or word.currency,
            km_per_unit=self.km_per_unit or word.km_per_unit,
            time=self.time or word.time,
            era=self.era or word.era,
            context=self.context or word.context,
            bound=self.bound or word.bound,
            other=self.other or word.other,
            negative=self.negative or word.negative,
        )


def _number(digits: str) -> float:
    """1,500,000 and 1 500 000 and 1.500 are thousands; 1,5 and 1.5 are one and a half."""
    if re.fullmatch(r"\d{1,3}(?:[ .,]\d{3})+", digits):
        return float(re.sub(r"[ .,]", "", digits))
    return float(digits.replace(",", "."))


def _starts_amount(text: str, dash: int, floor: int) -> bool:
    """Whether the dash at text[dash] is a minus sign, not a range's or a name's (cx-5)."""
    if floor and not text[floor:dash].strip():
        return False  # 2015-2018, 1 млн -2 млн: the previous number is right before it
    before = text[dash - 1] if dash else " "
    if before in WORD_CHARS:
        # до-5 is a minus; d-5, 320-5 are a name or a range.
        return _BEFORE.search(text, max(floor, dash - _LOOK_BACK), dash) is not None
    return True


def _read(text: str, match: re.Match[str], floor: int) -> Amount:
    """The number `match` with the words before it (not before `floor`) and after it."""
    digits, word = match.group(1), match.group(2)
    if digits:
        amount = Amount(_number(digits), digits, match.start(), match.start(), match.end())
        if power := _EXPONENT.match(text, match.end()):
            amount = replace(amount, end=power.end(), exponent=True)
    else:
        number, multiplier = _NUMBER_WORDS[word]
        amount = Amount(number, word, match.start(), match.start(), match.end(), multiplier)
    # Words before `floor` belong to the previous number: in "до 2 млн от 2018", "от" is 2018's.
    window_start = max(floor, match.start() - _LOOK_BACK)
    window = text[window_start : match.start()]
    minus = _MINUS.search(window)
    if minus and _starts_amount(text, window_start + minus.start(), floor):
        # A space in its place, so the words around it (до -5, -$5000) are read as usual.
        window = f"{window[: minus.start()]} {window[minus.start() + 1 :]}"
        amount = replace(amount, start=window_start + minus.start(), negative=True)
    while before := _BEFORE.search(window):
        window = window[: before.start()]
        word = _WORDS_BEFORE[before.group(1)]
        start = min(amount.start, window_start + before.start())
        amount = replace(amount.with_word(word), start=start)
    while after := _AFTER.match(text, amount.end):
        amount = replace(amount.with_word(_WORDS_AFTER[after.group(1)]), end=after.end())
    return amount


def kind(amount: Amount) -> Kind:
    """What a number counts, from the words around it."""
    if amount.other or not amount.value < 1e13:  # also infinity, from 500 digits
        return "none"
    if amount.km_per_unit:
        return "mileage"
    if amount.era is not None:
        return "year"
    if amount.time or amount.context in ("year", "age"):
        if amount.number <= 50 and amount.context != "year":
            return "age"
        return "year" if 1900 <= amount.number <= 2100 and amount.number.is_integer() else "none"
    if amount.currency:
        return "price"
    # "low mileage under 2 million": no car has run a million km; that is a price.
    if amount.context == "mileage" and amount.value < 1_000_000:
        return "mileage"
    if amount.multiplier:
        return "price"
    if amount.number.is_integer() and 1980 <= amount.number <= 2035:
        return "year"
    # No car costs less than ¥10,000, so a smaller bare number is no price ("7 мест").
    return "price" if amount.value >= 10_000 else "none"


def _shared(low: Amount, high: Amount) -> tuple[Amount, Amount]:
    """The two ends of a range, each with the units only the other one wrote (1-2 млн)."""
    unit = Word(high.multiplier, high.currency, high.km_per_unit, high.time, high.era, high.context)
    back = Word(currency=low.currency, era=low.era, context=low.context)
    return low.with_word(unit), high.with_word(back)


def _pair(text: str, low: Amount, high: Amount) -> tuple[Amount, Amount] | None:
    """The two as a range (от 1 до 2 млн, 2015-2018, 50万円から100万円), or None."""
    join = _JOIN.fullmatch(text, low.end, high.start)
    if join is None:
        return None
    low_side = low.bound.side if low.bound else None
    high_side = high.bound.side if high.bound else None
    if low_side == "max" or high_side == "min":
        return None
    if not join.group().strip() and low_side != "min":
        return None  # "2 млн 2018": two amounts, not a range
    shared_low, high = _shared(low, high)
    if kind(shared_low) != kind(high) or kind(high) == "none":
        return None
    if shared_low.value > high.value:
        if shared_low.multiplier != low.multiplier:
            return None  # "от 2018 до 2 млн" is no range of 2018 million
        return shared_low.with_word(Word(bound=MAX)), high.with_word(Word(bound=MIN))  # 2018-2015
    return shared_low.with_word(Word(bound=MIN)), high.with_word(Word(bound=MAX))


def find_amounts(text: str) -> list[Amount]:
    """Every number of a folded message with its words, the two ends of a range joined."""
    amounts: list[Amount] = []
    for match in _NUMBER.finditer(text):
        if amounts and match.start() < amounts[-1].end:
            continue  # part of the previous amount's words
        amounts.append(_read(text, match, amounts[-1].end if amounts else 0))
    for i in range(len(amounts) - 1):
        if (pair := _pair(text, amounts[i], amounts[i + 1])) is not None:
            amounts[i], amounts[i + 1] = pair
    return amounts
