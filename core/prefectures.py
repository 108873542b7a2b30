"""Japan's 47 prefectures in Japanese, English and Russian, and the big cities named instead.

Listings store the Japanese name (大阪府); the API adds the English one, the web app and the bot
show the reader's language, and the bot's parser reads every spelling here.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Prefecture:
    """A prefecture: its name as listings store it, in English and Russian, and other spellings."""

    ja: str
    en: str
    ru: str
    also: tuple[str, ...] = ()  # other Latin and Russian spellings people type

    @property
    def short(self) -> str:
        """The Japanese name without 都/府/県, as people say it: 東京, 大阪 (北海道 stays)."""
        return self.ja if self.ja == "北海道" else self.ja[:-1]


# fmt: off
# In the official (JIS X 0401) order; Russian names by the Polivanov system, as Russian
# atlases write them.
PREFECTURES: tuple[Prefecture, ...] = (
    Prefecture("北海道", "Hokkaido", "Хоккайдо"),
    Prefecture("青森県", "Aomori", "Аомори"),
    Prefecture("岩手県", "Iwate", "Иватэ", ("ивате",)),
    Prefecture("宮城県", "Miyagi", "Мияги"),
    Prefecture("秋田県", "Akita", "Акита"),
    Prefecture("山形県", "Yamagata", "Ямагата"),
    Prefecture("福島県", "Fukushima", "Фукусима"),
    Prefecture("茨城県", "Ibaraki", "Ибараки"),
    Prefecture("栃木県", "Tochigi", "Тотиги", ("точиги",)),
    Prefecture("群馬県", "Gunma", "Гумма", ("гунма",)),
    Prefecture("埼玉県", "Saitama", "Сайтама"),
    Prefecture("千葉県", "Chiba", "Тиба", ("чиба",)),
    Prefecture("東京都", "Tokyo", "Токио"),
    Prefecture("神奈川県", "Kanagawa", "Канагава"),
    Prefecture("新潟県", "Niigata", "Ниигата"),
    Prefecture("富山県", "Toyama", "Тояма"),
    Prefecture("石川県", "Ishikawa", "Исикава", ("ишикава",)),
    Prefecture("福井県", "Fukui", "Фукуи"),
    Prefecture("山梨県", "Yamanashi", "Яманаси", ("яманаши",)),
    Prefecture("長野県", "Nagano", "Нагано"),
    Prefecture("岐阜県", "Gifu", "Гифу"),
    Prefecture("静岡県", "Shizuoka", "Сидзуока", ("шизуока",)),
    Prefecture("愛知県", "Aichi", "Айти", ("аити", "аичи")),
    Prefecture("三重県", "Mie", "Миэ", ("мие",)),
    Prefecture("滋賀県", "Shiga", "Сига", ("шига",)),
    Prefecture("京都府", "Kyoto", "Киото"),
    Prefecture("大阪府", "Osaka", "Осака"),
    Prefecture("兵庫県", "Hyogo", "Хиого", ("хёго",)),
    Prefecture("奈良県", "Nara", "Нара"),
    Prefecture("和歌山県", "Wakayama", "Вакаяма"),
    Prefecture("鳥取県", "Tottori", "Тоттори"),
    Prefecture("島根県", "Shimane", "Симанэ", ("шимане",)),
    Prefecture("岡山県", "Okayama", "Окаяма"),
    Prefecture("広島県", "Hiroshima", "Хиросима"),
    Prefecture("山口県", "Yamaguchi", "Ямагути", ("ямагучи",)),
    Prefecture("徳島県", "Tokushima", "Токусима"),
    Prefecture("香川県", "Kagawa", "Кагава"),
    Prefecture("愛媛県", "Ehime", "Эхимэ", ("эхиме",)),
    Prefecture("高知県", "Kochi", "Коти", ("кочи",)),
    Prefecture("福岡県", "Fukuoka", "Фукуока"),
    Prefecture("佐賀県", "Saga", "Сага"),
    Prefecture("長崎県", "Nagasaki", "Нагасаки"),
    Prefecture("熊本県", "Kumamoto", "Кумамото"),
    Prefecture("大分県", "Oita", "Оита"),
    Prefecture("宮崎県", "Miyazaki", "Миядзаки", ("миязаки",)),
    Prefecture("鹿児島県", "Kagoshima", "Кагосима"),
    Prefecture("沖縄県", "Okinawa", "Окинава"),
)

# Big cities people name instead of their prefecture.
CITIES: dict[str, tuple[str, ...]] = {
    "愛知県": ("nagoya", "нагоя", "名古屋"),
    "神奈川県": ("yokohama", "иокогама", "йокогама", "横浜"),
    "兵庫県": ("kobe", "кобе", "神戸"),
    "北海道": ("sapporo", "саппоро", "札幌"),
    "宮城県": ("sendai", "сендай", "仙台"),
}
# fmt: on

_BY_JA = {prefecture.ja: prefecture for prefecture in PREFECTURES}


def prefecture_by_ja(name: str | None) -> Prefecture | None:
    """The prefecture a listing's Japanese name stands for, or None for an unknown name."""
    return _BY_JA.get(name) if name else None
