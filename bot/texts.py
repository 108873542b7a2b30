"""What the bot says, in Russian, English and Japanese: messages, filter labels, car lines, and
the saved searches' texts (bot.watches, bot.alerts).

Prices are yen, or, when the user asked in dollars, euros or roubles, that currency with the
yen beside it ("$18,400 (¥2,760,000)"), at the rate the reply states with its date.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from bot.search import Relaxation
from core.money import Rates
from core.prefectures import prefecture_by_ja

LANGUAGES = ("ru", "en", "ja")

# Queries the bot answers, shown in /help and when a message is not understood.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "ru": ("Найди красную BMW до 2 млн", "тойота приус от 2018 без ДТП",
           "седан до полутора миллионов на автомате"),
    "en": ("white SUV under 2 million with less than 30000 km", "Honda Fit automatic after 2017",
           "VW Golf GTI under $20,000"),
    "ja": ("トヨタ プリウス 100万円以下", "白のSUV 2019年以降", "ゴルフGTI 200万円以下"),
}  # fmt: skip

_HELP = {
    "ru": (
        "🚗 <b>Поиск машин на carsensor.net</b>\nНапишите, что ищете, обычным текстом, "
        "например:\n{examples}\nУточнить последний поиск: «а подешевле?», «только автомат», "
        "«только выгодные».\n"
        "🔥 и 👍 — цена ниже рыночной (по похожим машинам): отличная и хорошая.\n"
        "Цены без валюты — в иенах; $, € и ₽ пересчитаю по курсу.\n/reset — начать заново\n"
        "/watch запрос — сообщать о новых машинах и снижении цен (или 🔔 под результатами)\n"
        "/watches — подписки, /unwatch N — отписаться\n"
        "/link КОД — получать сюда оповещения поисков из веб-приложения"
    ),
    "en": (
        "🚗 <b>Used cars from carsensor.net</b>\nJust write what you want, for example:\n"
        "{examples}\nRefine the last search: “cheaper?”, “only automatic”, “only good deals”.\n"
        "🔥 and 👍 mark great and good deals: prices below the market (similar cars' prices).\n"
        "Prices without a currency are yen; $, € and ₽ are converted.\n/reset — start afresh\n"
        "/watch search — get new cars and price drops (or 🔔 under the results)\n"
        "/watches — your saved searches, /unwatch N — stop one\n"
        "/link CODE — get the alerts of your web app's saved searches here"
    ),
    "ja": (
        "🚗 <b>カーセンサーの中古車検索</b>\n探している車を書いてください。例:\n{examples}\n"
        "前回の検索を絞り込む: 「もっと安い」「オートマだけ」「お買い得だけ」\n"
        "🔥・👍 は相場（似た車の価格）より安い車です（超お買い得・お買い得）。\n"
        "通貨のない金額は円です。$・€・₽は換算します。\n/reset — 最初から\n"
        "/watch 条件 — 新着と値下げをお知らせ（検索結果の🔔でも）\n"
        "/watches — 保存した検索、/unwatch 番号 — 解除\n"
        "/link コード — Webアプリの保存検索の通知をここで受け取る"
    ),
}

MESSAGES: dict[str, dict[str, str]] = {
    "ru": {
        "found": "Найдено: {count}",
        "filters": "Фильтры: {filters}",
        "rate": "курс: 1 {currency} = {rate} ¥",
        "as_of": " на {date}",
        "shown": "Показаны {first}–{last} из {count}",
        "nothing": "Ничего не нашлось.",
        "relax": "Без условия «{filter}» нашлось бы: {count}.",
        "relax_none": "Попробуйте другой запрос или /reset.",
        "ignored": "Не учтено (недопустимое значение): {fields}",
        "unknown": "Не понял: {words}",
        "not_understood": "Не понял, что искать.",
        "try": "Попробуйте так:",
        "bad_number": (
            "Не понимаю отрицательные числа и степени: «{amount}». Искать не стал. "
            "Напишите сумму обычным числом, например: «5 млн», «до 1,5 млн», «от 500 тыс», "
            "«500万円», «до 50 тыс км»."
        ),
        "no_price": "цена по запросу",
        "deal_great": "🔥 Отличная цена",
        "deal_good": "👍 Хорошая цена",
        "market": "рынок ≈ {price}",
        "under_market": "−{percent} % к рынку",
        "over_market": "+{percent} % к рынку",
        "at_market": "по рынку",
        "link": "объявление",
        "more": "Ещё 5",
        "outdated": "Этот поиск устарел, напишите новый запрос.",
        "reset": "Контекст сброшен. Напишите новый запрос.",
        "refused": "Извините, бот доступен только по приглашению. Ваш Telegram id: {user_id}.",
        "slow_down": "Слишком много сообщений. Подождите {seconds} с.",
        "notify": "🔔 Следить",
        "unsubscribe": "🔕 Отписаться",
        "watching": "🔔 Слежу за поиском «{name}».",
        "watching_how": (
            "Когда появятся новые машины или цена снизится на {percent} % и больше, напишу сюда."
        ),
        "already_watching": "Уже слежу за этим поиском.",
        "watch_limit": "Не больше {limit} подписок. Удалите лишнюю: /unwatch",
        "watch_nothing": "Не понял, за чем следить.",
        "watch_usage": "Напишите /watch и запрос, например:",
        "watch_button": "Или нажмите «🔔 Следить» под результатами поиска.",
        "watches": "Подписки: {count}",
        "watches_none": "Подписок нет.",
        "watches_hint": "Отписаться: кнопка с номером или /unwatch N.",
        "from_web": "из веб-приложения",
        "unwatched": "🔕 Вы отписались от «{name}».",
        "unwatch_number": "Нет подписки с номером {number}.",
        "unwatch_gone": "Этой подписки уже нет.",
        "link_usage": "Отправьте /link КОД: код выдаёт веб-приложение.",
        "linked": (
            "Чат привязан к {username}: оповещения поисков, сохранённых в веб-приложении, "
            "будут приходить сюда."
        ),
        "link_bad": "Неизвестный или просроченный код — получите новый в веб-приложении.",
        "link_locked": "Слишком много неверных кодов. Попробуйте через {minutes} мин.",
        "alert_new": "Новые: {count}",
        "alert_drops": "Подешевели: {count}",
        "alert_first": " (первые {shown})",
        "alert_drop": "{was} → {now}, −{percent} %",
        "alert_all": "Все в веб-приложении",
    },
    "en": {
        "found": "Found: {count}",
        "filters": "Filters: {filters}",
        "rate": "rate: 1 {currency} = ¥{rate}",
        "as_of": " as of {date}",
        "shown": "Showing {first}–{last} of {count}",
        "nothing": "Nothing found.",
        "relax": "Without “{filter}” there would be {count}.",
        "relax_none": "Try another search or /reset.",
        "ignored": "Ignored (not a valid value): {fields}",
        "unknown": "Not understood: {words}",
        "not_understood": "I did not get what to look for.",
        "try": "Try something like:",
        "bad_number": (
            "I do not understand negative numbers or exponents: “{amount}”, so I did not "
            "search. Write the amount as a plain number, e.g. “5 million”, “under 1.5 million”, "
            "“from 500k”, “500万円”, “under 50,000 km”."
        ),
        "no_price": "price on request",
        "deal_great": "🔥 Great deal",
        "deal_good": "👍 Good deal",
        "market": "market ≈ {price}",
        "under_market": "{percent}% below market",
        "over_market": "{percent}% above market",
        "at_market": "at market",
        "link": "listing",
        "more": "More",
        "outdated": "This search is outdated; send a new one.",
        "reset": "Context cleared. Send a new search.",
        "refused": "Sorry, this bot is private. Your Telegram id is {user_id}.",
        "slow_down": "Too many messages; please wait {seconds} s.",
        "notify": "🔔 Notify me",
        "unsubscribe": "🔕 Unsubscribe",
        "watching": "🔔 Watching “{name}”.",
        "watching_how": (
            "I will write here when new cars match or a price drops by {percent}% or more."
        ),
        "already_watching": "Already watching this search.",
        "watch_limit": "At most {limit} saved searches. Remove one first: /unwatch",
        "watch_nothing": "I did not get what to watch.",
        "watch_usage": "Write /watch and a search, for example:",
        "watch_button": "Or press “🔔 Notify me” under search results.",
        "watches": "Saved searches: {count}",
        "watches_none": "No saved searches.",
        "watches_hint": "Unsubscribe: a numbered button, or /unwatch N.",
        "from_web": "from the web app",
        "unwatched": "🔕 Unsubscribed from “{name}”.",
        "unwatch_number": "There is no saved search number {number}.",
        "unwatch_gone": "That saved search is gone already.",
        "link_usage": "Send /link CODE, with the code the web app gives you.",
        "linked": "Linked to {username}: alerts of your web app's saved searches come here.",
        "link_bad": "Unknown or expired code — get a new one in the web app.",
        "link_locked": "Too many wrong codes. Try again in {minutes} min.",
        "alert_new": "New: {count}",
        "alert_drops": "Price drops: {count}",
        "alert_first": " (first {shown})",
        "alert_drop": "{was} → {now}, −{percent}%",
        "alert_all": "See all in the web app",
    },
    "ja": {
        "found": "該当: {count}台",
        "filters": "条件: {filters}",
        "rate": "レート: 1 {currency} = {rate}円",
        "as_of": "（{date}時点）",
        "shown": "{count}台中 {first}–{last}台目",
        "nothing": "該当する車はありません。",
        "relax": "「{filter}」を外すと{count}台あります。",
        "relax_none": "別の条件で検索するか /reset してください。",
        "ignored": "無効な条件を無視しました: {fields}",
        "unknown": "分からない言葉: {words}",
        "not_understood": "検索条件が分かりませんでした。",
        "try": "例えば:",
        "bad_number": (
            "マイナスの数や指数表記は使えません: 「{amount}」。検索していません。"
            "「500万円」「150万円以下」「5万km以内」「2018年以降」のように書いてください。"
        ),
        "no_price": "応談",
        "deal_great": "🔥 超お買い得",
        "deal_good": "👍 お買い得",
        "market": "相場 ≈ {price}",
        "under_market": "相場より{percent}%安い",
        "over_market": "相場より{percent}%高い",
        "at_market": "相場並み",
        "link": "詳細",
        "more": "次の5台",
        "outdated": "この検索は古くなりました。新しく検索してください。",
        "reset": "条件をリセットしました。新しく検索してください。",
        "refused": "申し訳ありません。このボットは招待制です。あなたのID: {user_id}",
        "slow_down": "メッセージが多すぎます。{seconds}秒お待ちください。",
        "notify": "🔔 通知する",
        "unsubscribe": "🔕 通知を解除",
        "watching": "🔔 「{name}」を通知します。",
        "watching_how": "新着車両や{percent}%以上の値下げがあれば、ここでお知らせします。",
        "already_watching": "この検索はすでに通知中です。",
        "watch_limit": "保存できる検索は{limit}件までです。先に解除してください: /unwatch",
        "watch_nothing": "何を通知すればよいか分かりませんでした。",
        "watch_usage": "/watch に続けて条件を書いてください。例:",
        "watch_button": "検索結果の「🔔 通知する」でも保存できます。",
        "watches": "保存した検索: {count}件",
        "watches_none": "保存した検索はありません。",
        "watches_hint": "解除: 番号のボタン、または /unwatch 番号",
        "from_web": "Webアプリ",
        "unwatched": "🔕 「{name}」の通知を解除しました。",
        "unwatch_number": "{number}番の検索はありません。",
        "unwatch_gone": "この検索はもうありません。",
        "link_usage": "Webアプリで表示されるコードを /link コード の形で送ってください。",
        "linked": "{username} と連携しました。Webアプリで保存した検索の通知がここに届きます。",
        "link_bad": "コードが違うか期限切れです。Webアプリで新しいコードを取得してください。",
        "link_locked": "間違ったコードが多すぎます。{minutes}分後にもう一度お試しください。",
        "alert_new": "新着: {count}台",
        "alert_drops": "値下げ: {count}台",
        "alert_first": "（上位{shown}台）",
        "alert_drop": "{was} → {now}（−{percent}%）",
        "alert_all": "Webアプリですべて見る",
    },
}

# Field labels, and the sort buttons' labels under "sort_price" and so on.
LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "make": "марка", "model": "модель", "q": "комплектация", "color": "цвет",
        "body_type": "кузов",
        "transmission": "КПП", "fuel": "топливо", "year": "год", "price": "цена",
        "mileage": "пробег", "prefecture": "префектура", "drive": "привод", "sort": "сортировка",
        "deal": "цена к рынку",
        "km": "км",
        "sort_price": "Цена", "sort_year": "Год", "sort_mileage": "Пробег",
    },
    "en": {
        "make": "make", "model": "model", "q": "grade", "color": "colour", "body_type": "body",
        "transmission": "gearbox", "fuel": "fuel", "year": "year", "price": "price",
        "mileage": "mileage", "prefecture": "prefecture", "drive": "drive", "sort": "sort",
        "deal": "deal",
        "km": "km",
        "sort_price": "Price", "sort_year": "Year", "sort_mileage": "Mileage",
    },
    "ja": {
        "make": "メーカー", "model": "車種", "q": "グレード", "color": "色",
        "body_type": "ボディ", "transmission": "ミッション", "fuel": "燃料", "year": "年式",
        "price": "価格",
        "mileage": "走行距離", "prefecture": "地域", "drive": "駆動", "sort": "並び順", "km": "km",
        "deal": "相場比",
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
        "deal": "сначала выгодные", "-deal": "сначала дорогие к рынку",
        "discount": "сначала наименьшая выгода в иенах",
        "-discount": "сначала наибольшая выгода в иенах",
        "repair_false": "без ДТП", "repair_true": "после ДТП",
        "deal_great": "отличная", "deal_good": "хорошая", "deal_fair": "рыночная",
        "deal_high": "выше рынка", "deal_overpriced": "завышенная",
    },
    "en": {
        "price": "cheapest first", "-price": "dearest first", "year": "oldest first",
        "-year": "newest first", "mileage": "lowest mileage", "-mileage": "highest mileage",
        "updated": "least recently updated", "-updated": "recently updated",
        "deal": "best deals first", "-deal": "worst deals first",
        "discount": "fewest yen under market first", "-discount": "most yen under market first",
        "repair_false": "no accident history", "repair_true": "with accident history",
        "deal_great": "great", "deal_good": "good", "deal_fair": "fair", "deal_high": "high",
        "deal_overpriced": "overpriced",
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
        "deal": "お買い得順", "-deal": "割高順",
        "discount": "相場との差額が小さい順", "-discount": "相場との差額が大きい順",
        "repair_false": "修復歴なし", "repair_true": "修復歴あり",
        "deal_great": "超お買い得", "deal_good": "お買い得", "deal_fair": "相場並み",
        "deal_high": "やや割高", "deal_overpriced": "割高",
    },
}  # fmt: skip

_CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "RUB": "₽"}
# How each language writes a day: 01.12.2026, 2026-12-01, 2026年12月1日.
_DATES = {"ru": "{:%d.%m.%Y}", "en": "{:%Y-%m-%d}", "ja": "{0.year}年{0.month}月{0.day}日"}
_QUOTES = {"ru": "«{}»", "en": "“{}”", "ja": "「{}」"}
_LIST_SEPARATORS = {"ja": "・"}  # between the values of one filter; ", " elsewhere
_UNKNOWN_SHOWN = 5  # words, each cut at 30 characters: a pasted essay is not echoed back


@dataclass(frozen=True, slots=True)
class Money:
    """How a reply shows prices: in `currency`, converted at `rates`; JPY is yen alone."""

    currency: str
    rates: Rates

    def show(self, yen_amount: int) -> str:
        """¥1,890,000 (189万円), or $12,600 (¥1,890,000)."""
        if self.currency == "JPY":
            return yen(yen_amount)
        value = f"{self.rates.from_yen(yen_amount, self.currency):,.0f}"
        sign = _CURRENCY_SIGNS[self.currency]
        shown = f"{value} {sign}" if self.currency == "RUB" else f"{sign}{value}"
        return f"{shown} (¥{yen_amount:,})"


def help_text(language: str) -> str:
    """/start and /help: what the bot does, with examples, in `language`."""
    examples = "\n".join(f"• {escape(example)}" for example in EXAMPLES[language])
    return _HELP[language].format(examples=examples)


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


def prefecture_name(language: str, name: str) -> str:
    """A prefecture as listings store it (東京都) in `language`: Токио, Tokyo, 東京都."""
    prefecture = prefecture_by_ja(name)
    if prefecture is None or language == "ja":
        return name
    return prefecture.ru if language == "ru" else prefecture.en


def describe_filter(language: str, name: str, value: Any, money: Money) -> str:
    """One filter as the user reads it: "цена ≤ ¥2,000,000 (200万円)", "цвет: красный"."""
    if name in ("price_min", "price_max"):
        sign = "≥" if name == "price_min" else "≤"
        return f"{label(language, 'price')} {sign} {money.show(value)}"
    if name in ("year_min", "year_max"):
        sign = "≥" if name == "year_min" else "≤"
        return f"{label(language, 'year')} {sign} {value}"
    if name == "mileage_max":
        return f"{label(language, 'mileage')} ≤ {value:,} {label(language, 'km')}"
    if name == "repair_history":
        return value_name(language, f"repair_{str(value).lower()}")
    if name == "deal":
        # A list (JSON) or tuple of bands; a saved search that no longer validates, as stored.
        bands = value if isinstance(value, list | tuple) else [value]
        named = _LIST_SEPARATORS.get(language, ", ").join(
            value_name(language, f"deal_{band}") for band in bands
        )
        return f"{label(language, 'deal')}: {named}"
    if name in ("color", "body_type", "transmission", "fuel", "sort"):
        value = value_name(language, value)
    elif name == "prefecture":
        value = prefecture_name(language, value)
    return f"{label(language, name)}: {value}"


def describe_filters(language: str, filters: Mapping[str, Any], money: Money) -> str:
    """Every filter set, joined by " · "."""
    return " · ".join(
        describe_filter(language, name, value, money) for name, value in filters.items()
    )


def day(language: str, when: date) -> str:
    """A date the way `language` writes it."""
    return _DATES.get(language, _DATES["en"]).format(when)


def describe_rate(language: str, money: Money) -> str:
    """The rate prices are shown at: "курс: 1 $ = 150 ¥ на 01.12.2026"."""
    currency = _CURRENCY_SIGNS[money.currency]
    rate = message(
        language, "rate", currency=currency, rate=f"{money.rates.yen_per[money.currency]:g}"
    )
    if money.rates.as_of is None:
        return rate
    return rate + message(language, "as_of", date=day(language, money.rates.as_of))


def quoted(language: str, words: Sequence[str]) -> str:
    """Words as the language quotes them, the first few, each cut short."""
    quote = _QUOTES.get(language, _QUOTES["en"])
    return ", ".join(quote.format(word[:30]) for word in words[:_UNKNOWN_SHOWN])


def car_lines(
    language: str, number: int, car: Mapping[str, Any], money: Money, price: str | None = None
) -> str:
    """A car in three lines, four with a market price: name and grade; year, mileage, price
    (or `price`, already written, e.g. a price drop) and prefecture; how the price compares
    with the market (`market_line`); the link."""
    name = " ".join(
        str(part)
        for part in (car["make"] or car["make_ja"], car["model"] or car["model_ja"])
        if part
    )
    title = f"<b>{number}. {escape(name)}</b>"
    if car["grade"]:
        title += f" {escape(car['grade'])}"
    if price is None:
        yen_price = effective_price(car)
        price = money.show(yen_price) if yen_price is not None else message(language, "no_price")
    details = [
        str(car["year"]) if car["year"] else "",
        f"{car['mileage_km']:,} {label(language, 'km')}" if car["mileage_km"] is not None else "",
        price,
        escape(prefecture_name(language, car["prefecture"] or "")),
    ]
    lines = [title, " · ".join(part for part in details if part)]
    if (market := market_line(language, car, money)) is not None:
        lines.append(market)
    lines.append(f'<a href="{escape(car["url"])}">{message(language, "link")}</a>')
    return "\n".join(lines)


def market_line(language: str, car: Mapping[str, Any], money: Money) -> str | None:
    """A car against its market price (core.valuation): a great or good deal's mark, the
    market price, and how far under or over it the price is; None without a market price."""
    market = car["market_price_jpy"]
    if not market:
        return None
    parts = []
    if car["deal"] in ("great", "good"):
        parts.append(message(language, f"deal_{car['deal']}"))
    parts.append(message(language, "market", price=money.show(market)))
    ratio = car["deal_ratio"]
    if ratio is not None:
        # Cut, not rounded (the 1e-9 is float noise): a great deal (≤ 85 %) never reads as
        # under 15 % below the market, nor a good one (above 85 %) as 15 %.
        percent = math.floor(abs(ratio - 1) * 100 + 1e-9)
        key = "at_market" if not percent else "under_market" if ratio < 1 else "over_market"
        parts.append(message(language, key, percent=percent))
    return escape(" · ".join(parts))


def effective_price(car: Mapping[str, Any]) -> int | None:
    """The price a buyer pays: the total (支払総額), else the body price."""
    total: int | None = car["total_price_jpy"]
    return total if total is not None else car["price_jpy"]


def clip(text: str, size: int) -> str:
    """`text` cut to `size` characters, an ellipsis marking the cut."""
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _understood(
    language: str,
    filters: Mapping[str, Any],
    money: Money,
    ignored: Sequence[str],
    unknown: Sequence[str],
) -> list[str]:
    """What the bot understood: the filters, the rate, what it ignored and did not know."""
    described = describe_filters(language, filters, money)
    lines = [escape(message(language, "filters", filters=described))]
    if money.currency != "JPY":
        lines.append(escape(describe_rate(language, money)))
    if ignored:
        lines.append(escape(message(language, "ignored", fields=", ".join(ignored))))
    if unknown:
        lines.append(escape(message(language, "unknown", words=quoted(language, unknown))))
    return lines


def search_reply(
    language: str,
    filters: Mapping[str, Any],
    cars: Sequence[Mapping[str, Any]],
    count: int,
    offset: int,
    money: Money,
    ignored: Sequence[str] = (),
    unknown: Sequence[str] = (),
) -> str:
    """The answer to a search: the count, the filters, the rate used, and one page of cars."""
    lines = [
        f"<b>{message(language, 'found', count=count)}</b>",
        *_understood(language, filters, money, ignored, unknown),
    ]
    for number, car in enumerate(cars, start=offset + 1):
        lines += ["", car_lines(language, number, car, money)]
    if cars:
        shown = message(language, "shown", first=offset + 1, last=offset + len(cars), count=count)
        lines += ["", shown]
    return "\n".join(lines)


def nothing_reply(
    language: str,
    filters: Mapping[str, Any],
    money: Money,
    relaxation: Relaxation | None,
    ignored: Sequence[str] = (),
    unknown: Sequence[str] = (),
) -> str:
    """No cars: say so, what was understood, and the one filter to drop (and what it finds)."""
    lines = [
        f"<b>{message(language, 'nothing')}</b>",
        *_understood(language, filters, money, ignored, unknown),
    ]
    if relaxation is None:
        lines.append(escape(message(language, "relax_none")))
    else:
        dropped = describe_filter(language, relaxation.field, relaxation.value, money)
        lines.append(escape(message(language, "relax", filter=dropped, count=relaxation.count)))
    return "\n".join(lines)


def not_understood(language: str, unknown: Sequence[str]) -> str:
    """A message that asks for nothing the bot knows: say so, name its words, give examples."""
    lines = [message(language, "not_understood")]
    if unknown:
        lines.append(message(language, "unknown", words=quoted(language, unknown)))
    lines += [message(language, "try"), *(f"• {example}" for example in EXAMPLES[language])]
    return escape("\n".join([*lines, "/help"]))


def language_of(language_code: str | None) -> str:
    """The reply language for a Telegram client's language_code: ru, ja, or else en."""
    code = (language_code or "").split("-")[0].lower()
    return code if code in LANGUAGES else "en"
