"""What the bot says, in Russian, English and Japanese: messages, filter labels and car lines."""

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from bot.parser import Conversion
from bot.search import Relaxation

LANGUAGES = ("ru", "en", "ja")

HELP = """🚗 <b>Поиск машин на carsensor.net</b>
Напишите, что ищете, обычным текстом:
• Найди красную BMW до 2 млн
• тойота приус от 2018 без ДТП
• а подешевле? (уточняет прошлый поиск)

🚗 <b>Used cars from carsensor.net</b>
Just write what you want:
• white SUV under 2 million with less than 30000 km
• Honda Fit automatic after 2017
• only automatic (refines the last search)

🚗 <b>カーセンサーの中古車検索</b>
探している車を書いてください:
• トヨタ プリウス 100万円以下
• 白のSUV 2019年以降

Prices without a currency are yen; $, € and ₽ are converted.
/reset — новый поиск · new search · リセット"""

MESSAGES: dict[str, dict[str, str]] = {
    "ru": {
        "found": "Найдено: {count}",
        "filters": "Фильтры: {filters}",
        "rate": "курс: 1 {currency} = {rate} ¥",
        "shown": "Показаны {first}–{last} из {count}",
        "nothing": "Ничего не нашлось.",
        "relax": "Без условия «{filter}» нашлось бы: {count}.",
        "relax_none": "Попробуйте другой запрос или /reset.",
        "ignored": "Не учтено (недопустимое значение): {fields}",
        "not_understood": "Не понял, что искать. Например: «Найди красную BMW до 2 млн». /help",
        "bad_number": (
            "Не понимаю отрицательные числа и степени: «{amount}». Искать не стал. "
            "Напишите сумму обычным числом, например: «5 млн», «до 1,5 млн», «от 500 тыс», "
            "«500万円», «до 50 тыс км»."
        ),
        "no_price": "цена по запросу",
        "link": "объявление",
        "more": "Ещё 5",
        "outdated": "Этот поиск устарел, напишите новый запрос.",
        "reset": "Контекст сброшен. Напишите новый запрос.",
        "refused": "Извините, бот доступен только по приглашению. Ваш Telegram id: {user_id}.",
        "slow_down": "Слишком много сообщений. Подождите {seconds} с.",
    },
    "en": {
        "found": "Found: {count}",
        "filters": "Filters: {filters}",
        "rate": "rate: 1 {currency} = ¥{rate}",
        "shown": "Showing {first}–{last} of {count}",
        "nothing": "Nothing found.",
        "relax": "Without “{filter}” there would be {count}.",
        "relax_none": "Try another search or /reset.",
        "ignored": "Ignored (not a valid value): {fields}",
        "not_understood": "I did not get what to look for. Try: “white SUV under 2 million”. /help",
        "bad_number": (
            "I do not understand negative numbers or exponents: “{amount}”, so I did not "
            "search. Write the amount as a plain number, e.g. “5 million”, “under 1.5 million”, "
            "“from 500k”, “500万円”, “under 50,000 km”."
        ),
        "no_price": "price on request",
        "link": "listing",
        "more": "More",
        "outdated": "This search is outdated; send a new one.",
        "reset": "Context cleared. Send a new search.",
        "refused": "Sorry, this bot is private. Your Telegram id is {user_id}.",
        "slow_down": "Too many messages; please wait {seconds} s.",
    },
    "ja": {
        "found": "該当: {count}台",
        "filters": "条件: {filters}",
        "rate": "レート: 1 {currency} = {rate}円",
        "shown": "{count}台中 {first}–{last}台目",
        "nothing": "該当する車はありません。",
        "relax": "「{filter}」を外すと{count}台あります。",
        "relax_none": "別の条件で検索するか /reset してください。",
        "ignored": "無効な条件を無視しました: {fields}",
        "not_understood": "検索条件が分かりませんでした。例: 「トヨタ プリウス 100万円以下」 /help",
        "bad_number": (
            "マイナスの数や指数表記は使えません: 「{amount}」。検索していません。"
            "「500万円」「150万円以下」「5万km以内」「2018年以降」のように書いてください。"
        ),
        "no_price": "応談",
        "link": "詳細",
        "more": "次の5台",
        "outdated": "この検索は古くなりました。新しく検索してください。",
        "reset": "条件をリセットしました。新しく検索してください。",
        "refused": "申し訳ありません。このボットは招待制です。あなたのID: {user_id}",
        "slow_down": "メッセージが多すぎます。{seconds}秒お待ちください。",
    },
}

# Field labels, and the sort buttons' labels under "sort_price" and so on.
LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "make": "марка", "model": "модель", "q": "текст", "color": "цвет", "body_type": "кузов",
        "transmission": "КПП", "fuel": "топливо", "year": "год", "price": "цена",
        "mileage": "пробег", "prefecture": "префектура", "sort": "сортировка", "km": "км",
        "sort_price": "Цена", "sort_year": "Год", "sort_mileage": "Пробег",
    },
    "en": {
        "make": "make", "model": "model", "q": "text", "color": "colour", "body_type": "body",
        "transmission": "gearbox", "fuel": "fuel", "year": "year", "price": "price",
        "mileage": "mileage", "prefecture": "prefecture", "sort": "sort", "km": "km",
        "sort_price": "Price", "sort_year": "Year", "sort_mileage": "Mileage",
    },
    "ja": {
        "make": "メーカー", "model": "車種", "q": "キーワード", "color": "色",
        "body_type": "ボディ", "transmission": "ミッション", "fuel": "燃料", "year": "年式",
        "price": "価格",
        "mileage": "走行距離", "prefecture": "地域", "sort": "並び順", "km": "km",
        "sort_price": "価格", "sort_year": "年式", "sort_mileage": "走行距離",
    },
}  # fmt: skip

# The canonical values of the enum fields, and the sorts and repair history, in each language.
VALUES: dict[str, dict[str, str]] = {
    "ru": {
        "white": "белый", "black": "чёрный", "gray": "серый", "silver": "серебристый",
        "red": "красный", "blue": "синий", "green": "зелёный", "yellow": "жёлтый",
        "orange": "оранжевый", "brown": "коричневый", "beige": "бежевый", "gold": "золотистый",
        "purple": "фиолетовый", "pink": "розовый",
        "sedan": "седан", "hatchback": "хэтчбек", "suv": "внедорожник", "minivan": "минивэн",
        "wagon": "универсал", "coupe": "купе", "convertible": "кабриолет", "kei": "кей-кар",
        "truck": "грузовик", "van": "фургон",
        "automatic": "автомат", "cvt": "вариатор", "manual": "механика",
        "gasoline": "бензин", "diesel": "дизель", "hybrid": "гибрид", "electric": "электро",
        "other": "другое",
        "price": "сначала дешёвые", "-price": "сначала дорогие", "year": "сначала старые",
        "-year": "сначала новые", "mileage": "меньший пробег", "-mileage": "больший пробег",
        "updated": "давно обновлённые", "-updated": "недавно обновлённые",
        "repair_false": "без ДТП", "repair_true": "после ДТП",
    },
    "en": {
        "price": "cheapest first", "-price": "dearest first", "year": "oldest first",
        "-year": "newest first", "mileage": "lowest mileage", "-mileage": "highest mileage",
        "updated": "least recently updated", "-updated": "recently updated",
        "repair_false": "no accident history", "repair_true": "with accident history",
    },
    "ja": {
        "white": "白", "black": "黒", "gray": "グレー", "silver": "シルバー", "red": "赤",
        "blue": "青", "green": "緑", "yellow": "黄", "orange": "オレンジ", "brown": "茶",
        "beige": "ベージュ", "gold": "ゴールド", "purple": "紫", "pink": "ピンク",
        "sedan": "セダン", "hatchback": "ハッチバック", "suv": "SUV", "minivan": "ミニバン",
        "wagon": "ワゴン", "coupe": "クーペ", "convertible": "オープン", "kei": "軽自動車",
        "truck": "トラック", "van": "バン",
        "automatic": "AT", "cvt": "CVT", "manual": "MT",
        "gasoline": "ガソリン", "diesel": "ディーゼル", "hybrid": "ハイブリッド",
        "electric": "電気", "other": "その他",
        "price": "安い順", "-price": "高い順", "year": "年式の古い順", "-year": "年式の新しい順",
        "mileage": "走行距離の少ない順", "-mileage": "走行距離の多い順",
        "updated": "更新の古い順", "-updated": "新着順",
        "repair_false": "修復歴なし", "repair_true": "修復歴あり",
    },
}  # fmt: skip

_CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "RUB": "₽"}


def message(language: str, key: str, **values: object) -> str:
    """One message in `language` (English for an unknown one), with `values` filled in."""
    return MESSAGES.get(language, MESSAGES["en"])[key].format(**values)


def bad_number(language: str, amount: str) -> str:
    """The refusal of an amount with a minus or an exponent, quoting it (HTML-escaped)."""
    return message(language, "bad_number", amount=escape(amount))


def label(language: str, key: str) -> str:
    """A field or button label in `language`."""
    return LABELS.get(language, LABELS["en"])[key]


def value_name(language: str, value: str) -> str:
    """A canonical value (red, suv, -year…) in `language`; English keeps most of them as is."""
    return VALUES.get(language, {}).get(value, VALUES["en"].get(value, value))


def yen(amount: int) -> str:
    """¥1,890,000 (189万円), the way carsensor's readers count."""
    man = f"{amount / 10_000:,.1f}".removesuffix(".0")
    return f"¥{amount:,} ({man}万円)"


def describe_filter(language: str, name: str, value: Any) -> str:
    """One filter as the user reads it: "цена ≤ ¥2,000,000 (200万円)", "цвет: красный"."""
    if name in ("price_min", "price_max"):
        sign = "≥" if name == "price_min" else "≤"
        return f"{label(language, 'price')} {sign} {yen(value)}"
    if name in ("year_min", "year_max"):
        sign = "≥" if name == "year_min" else "≤"
        return f"{label(language, 'year')} {sign} {value}"
    if name == "mileage_max":
        return f"{label(language, 'mileage')} ≤ {value:,} {label(language, 'km')}"
    if name == "repair_history":
        return value_name(language, f"repair_{str(value).lower()}")
    if name in ("color", "body_type", "transmission", "fuel", "sort"):
        value = value_name(language, value)
    return f"{label(language, name)}: {value}"


def describe_filters(language: str, filters: Mapping[str, Any]) -> str:
    """Every filter set, joined by " · "."""
    return " · ".join(describe_filter(language, name, value) for name, value in filters.items())


def describe_rate(language: str, conversion: Conversion) -> str:
    """The rate a foreign price was converted at: "курс: 1 $ = 150 ¥"."""
    currency = _CURRENCY_SIGNS.get(conversion.currency, conversion.currency)
    return message(language, "rate", currency=currency, rate=f"{conversion.rate:g}")


def car_lines(language: str, number: int, car: Mapping[str, Any]) -> str:
    """A car in three lines: name and grade; year, mileage, price and prefecture; the link."""
    name = " ".join(
        str(part)
        for part in (car["make"] or car["make_ja"], car["model"] or car["model_ja"])
        if part
    )
    title = f"<b>{number}. {escape(name)}</b>"
    if car["grade"]:
        title += f" {escape(car['grade'])}"
    price = car["total_price_jpy"] if car["total_price_jpy"] is not None else car["price_jpy"]
    details = [
        str(car["year"]) if car["year"] else "",
        f"{car['mileage_km']:,} {label(language, 'km')}" if car["mileage_km"] is not None else "",
        yen(price) if price is not None else message(language, "no_price"),
        escape(car["prefecture"] or ""),
    ]
    link = f'<a href="{escape(car["url"])}">{message(language, "link")}</a>'
    return "\n".join((title, " · ".join(part for part in details if part), link))


def _understood(
    language: str,
    filters: Mapping[str, Any],
    conversions: Sequence[Conversion],
    ignored: Sequence[str],
) -> list[str]:
    """What the bot understood: the filters, each rate it used, and what it had to ignore."""
    lines = [
        escape(message(language, "filters", filters=describe_filters(language, filters))),
        *(escape(describe_rate(language, conversion)) for conversion in conversions),
    ]
    if ignored:
        lines.append(escape(message(language, "ignored", fields=", ".join(ignored))))
    return lines


def search_reply(
    language: str,
    filters: Mapping[str, Any],
    cars: Sequence[Mapping[str, Any]],
    count: int,
    offset: int,
    conversions: Sequence[Conversion] = (),
    ignored: Sequence[str] = (),
) -> str:
    """The answer to a search: the count, the filters, the rates used, and one page of cars."""
    lines = [
        f"<b>{message(language, 'found', count=count)}</b>",
        *_understood(language, filters, conversions, ignored),
    ]
    for number, car in enumerate(cars, start=offset + 1):
        lines += ["", car_lines(language, number, car)]
    if cars:
        shown = message(language, "shown", first=offset + 1, last=offset + len(cars), count=count)
        lines += ["", shown]
    return "\n".join(lines)


def nothing_reply(
    language: str,
    filters: Mapping[str, Any],
    conversions: Sequence[Conversion],
    relaxation: Relaxation | None,
    ignored: Sequence[str] = (),
) -> str:
    """No cars: say so, what was understood, and the one filter to drop (and what it finds)."""
    lines = [
        f"<b>{message(language, 'nothing')}</b>",
        *_understood(language, filters, conversions, ignored),
    ]
    if relaxation is None:
        lines.append(escape(message(language, "relax_none")))
    else:
        dropped = describe_filter(language, relaxation.field, relaxation.value)
        lines.append(escape(message(language, "relax", filter=dropped, count=relaxation.count)))
    return "\n".join(lines)


def language_of(language_code: str | None) -> str:
    """The reply language for a Telegram client's language_code: ru, ja, or else en."""
    code = (language_code or "").split("-")[0].lower()
    return code if code in LANGUAGES else "en"
