"""Japanese -> canonical English dictionaries: makers, models, colours, bodies, fuels, gearboxes.

Every lookup folds its input first (NFKC, so full-width `ＢＭＷ` is `BMW`; upper-cased Latin;
whitespace and middle dots dropped) and then reads a dict built once at import. Nothing is
guessed: an unknown maker or model is None, an unknown colour, body or fuel is "other", an
unknown gearbox is None.

Makers and models are carsensor's own: its catalogue of maker and model codes (from the
market-price sitemap souba-shashu.xml; a public copy is cited in README), kept in `makers.csv`
(code, English, Japanese, other spellings) and `models.csv` (maker, model code such as TO_S122 for
/usedcar/bTO/s122/, English, Japanese, the catalogue's body type, other spellings). Several codes
share an English model where carsensor splits a body style or powertrain (アルファード and
アルファードハイブリッド are both Alphard); a model without a code is a spelling seen on listings
that the catalogue does not list.
"""

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TypeVar

TRANSMISSIONS = ("automatic", "cvt", "manual")
FUELS = ("gasoline", "diesel", "hybrid", "electric", "other")
BODY_TYPES = (
    "sedan", "hatchback", "suv", "minivan", "wagon", "coupe",
    "convertible", "kei", "truck", "van", "other",
)  # fmt: skip
COLORS = (
    "white", "black", "gray", "silver", "red", "blue", "green", "yellow",
    "orange", "brown", "beige", "gold", "purple", "pink", "other",
)  # fmt: skip

# Dash look-alikes (not the katakana long vowel ー) become "-"; the middle dot is dropped.
_DASHES = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"}
_KEY_TABLE = {**_DASHES, ord("・"): None}


def _nfkc(text: str) -> str:
    """NFKC-fold, unify dashes, upper-case Latin letters and drop all whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).translate(_DASHES).split()).upper()


def _key(text: str) -> str:
    """The dictionary key of a Japanese name: `_nfkc` without middle dots."""
    return _nfkc(text).translate(_KEY_TABLE)


_K = TypeVar("_K")
_V = TypeVar("_V")


def _keyed(pairs: Iterable[tuple[_K, _V]]) -> dict[_K, _V]:
    """A dict of `pairs`; a key that two different values claim is a bug in the tables."""
    index: dict[_K, _V] = {}
    for key, value in pairs:
        if index.setdefault(key, value) != value:
            raise ValueError(f"vocab: {key!r} maps to both {index[key]!r} and {value!r}")
    return index


def _index(table: dict[str, str], allowed: tuple[str, ...]) -> dict[str, str]:
    """Key a Japanese -> enum table by `_key`, checking every value is in the enum."""
    if bad := sorted(set(table.values()) - set(allowed)):
        raise ValueError(f"vocab: values outside {allowed}: {bad}")
    return _keyed((_key(ja), value) for ja, value in table.items())


# --- makers and models: carsensor's own catalogue ---------------------------------------------


def _catalogue(name: str) -> list[dict[str, str]]:
    # importlib.resources, not a path: scrapyd runs the crawler from a zipped egg.
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _aliases(cell: str) -> tuple[str, ...]:
    return tuple(alias for alias in cell.split("|") if alias)


@dataclass(frozen=True, slots=True)
class Make:
    """A maker: carsensor's code, the canonical English name, carsensor's Japanese name."""

    code: str
    en: str
    ja: str
    aliases: tuple[str, ...] = ()  # other spellings seen on listings
    major: bool = False  # one of the 15 makers with the most listings: every model named


@dataclass(frozen=True, slots=True)
class Model:
    """A model of carsensor's catalogue (`code` TO_S122 is /usedcar/bTO/s122/), in English."""

    make: str  # the canonical English make
    code: str  # empty for an English model known only by spellings outside the catalogue
    en: str
    ja: str
    body_type_ja: str  # the catalogue's body type, empty where it states none
    aliases: tuple[str, ...] = ()


MAKES: tuple[Make, ...] = tuple(
    Make(row["code"], row["en"], row["ja"], _aliases(row["aliases"]), row["major"] == "1")
    for row in _catalogue("makers.csv")
)
_MAKE_BY_KEY = _keyed(
    (_key(name), make) for make in MAKES for name in (make.ja, make.en, *make.aliases)
)
_MAKE_BY_CODE = _keyed((make.code, make) for make in MAKES)

MODELS: tuple[Model, ...] = tuple(
    Model(
        _MAKE_BY_CODE[row["maker"]].en,
        row["code"],
        row["en"],
        row["ja"],
        row["body_type"],
        _aliases(row["aliases"]),
    )
    for row in _catalogue("models.csv")
)


def make_from_ja(text: str) -> Make | None:
    """The maker carsensor writes as `text` (トヨタ, ＢＭＷ, 日産); None if unknown."""
    return _MAKE_BY_KEY.get(_key(text))


def make_by_code(code: str) -> Make | None:
    """The maker with carsensor's list-URL code (TO, BM); None if unknown."""
    return _MAKE_BY_CODE.get(_key(code))


def _spellings(model: Model) -> tuple[str, ...]:
    return tuple(name for name in (model.en, model.ja, *model.aliases) if name)


# Several catalogue codes may share an English model (アルファード, アルファードハイブリッド):
# the first row of each (make, model) is the one a spelling finds, for its body type.
_MODEL_BY_KEY = _keyed(
    ((model.make, _key(name)), model.en) for model in MODELS for name in _spellings(model)
)
_FIRST_ROW = {(model.make, model.en): model for model in reversed(MODELS)}


def model_from_ja(make_en: str, model_ja: str) -> str | None:
    """The canonical English model for a canonical make and carsensor's name; None if unknown."""
    return _MODEL_BY_KEY.get((make_en, _key(model_ja)))


def catalogue_body_type(make_en: str, model_en: str) -> str | None:
    """One of BODY_TYPES as carsensor's catalogue states the model's body; None if unstated."""
    model = _FIRST_ROW.get((make_en, model_en))
    return body_type_from_ja(model.body_type_ja) if model and model.body_type_ja else None


def models_of(make_en: str) -> tuple[str, ...]:
    """The canonical English models the dictionary knows for a canonical make."""
    return tuple(dict.fromkeys(model.en for model in MODELS if model.make == make_en))


def model_spellings() -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(canonical make, canonical model, every spelling of it) for every model known."""
    spellings: dict[tuple[str, str], list[str]] = {}
    for model in MODELS:
        spellings.setdefault((model.make, model.en), []).extend(_spellings(model))
    for (make, en), names in spellings.items():
        yield make, en, tuple(dict.fromkeys(names))


# --- colours ----------------------------------------------------------------------------------

# Base colour words, as list cards (白, 黒M, 灰) and detail pages (パールホワイト) write them.
_COLOR_WORDS = _index(
    {
        "白": "white", "ホワイト": "white", "パール": "white",
        "黒": "black", "ブラック": "black",
        "灰": "gray", "グレー": "gray", "グレイ": "gray", "ガンメタ": "gray",
        "ガンメタリック": "gray", "ガンメタル": "gray", "チャコール": "gray", "アッシュ": "gray",
        "グラファイト": "gray",
        "銀": "silver", "シルバー": "silver", "プラチナ": "silver",
        "赤": "red", "レッド": "red", "ワイン": "red", "ボルドー": "red", "クリムゾン": "red",
        "ルージュ": "red",
        "青": "blue", "ブルー": "blue", "紺": "blue", "ネイビー": "blue", "水色": "blue",
        "インディゴ": "blue",
        "緑": "green", "グリーン": "green", "カーキ": "green", "オリーブ": "green",
        "黄": "yellow", "黄色": "yellow", "イエロー": "yellow",
        "橙": "orange", "オレンジ": "orange",
        "茶": "brown", "ブラウン": "brown", "ブロンズ": "brown", "モカ": "brown",
        "ベージュ": "beige", "アイボリー": "beige", "クリーム": "beige",
        "金": "gold", "ゴールド": "gold",
        "紫": "purple", "パープル": "purple", "バイオレット": "purple", "ラベンダー": "purple",
        "ピンク": "pink", "桃": "pink",
    },
    COLORS,
)  # fmt: skip
# Longest first, so ダークグレー ends in グレー before anything shorter is tried.
_COLOR_ENDINGS = tuple(sorted(_COLOR_WORDS, key=len, reverse=True))
# Finishes after the colour: 黒M (metallic), 白P (pearl), シルバーII, ブラックマイカ, 茶系.
_FINISHES = ("メタリック", "パールマイカ", "マイカ", "パール", "III", "II", "M", "P", "系", "色")
_TWO_TONE = ("2トーン", "ツートーン", "ツートン")
# Two-tone and annotated colours: the first colour named is the body colour.
_COLOR_SEPARATORS = ("/", "・", "(", "×", "&")


@lru_cache(maxsize=4096)
def color_from_ja(text: str) -> str:
    """One of COLORS for carsensor's colour (黒Ｍ, 白/黒 2トーン); "other" if unknown."""
    color = _nfkc(text).replace(")", "(")
    for tone in _TWO_TONE:
        color = color.replace(tone, "")
    for separator in _COLOR_SEPARATORS:
        color = next((part for part in color.split(separator) if part), "")
    while color:
        if (hit := _COLOR_WORDS.get(color)) is not None:
            return hit
        finish = next((f for f in _FINISHES if color.endswith(f) and color != f), None)
        if finish is None:
            break
        color = color.removesuffix(finish)
    # A compound: the head word comes last (ダークブルー, ワインレッド), else first.
    for word in _COLOR_ENDINGS:
        if color.endswith(word):
            return _COLOR_WORDS[word]
    for word in _COLOR_ENDINGS:
        if color.startswith(word):
            return _COLOR_WORDS[word]
    return "other"


# --- body types -------------------------------------------------------------------------------

# Carsensor's body categories, and the shorter words detail pages use.
_BODY_TYPE_WORDS = _index(
    {
        "セダン": "sedan",
        "ハッチバック": "hatchback", "コンパクト": "hatchback", "コンパクトカー": "hatchback",
        "SUV": "suv", "クロカン": "suv", "SUV・クロカン": "suv", "クロカン・SUV": "suv",
        "クロスカントリー": "suv",
        "ミニバン": "minivan", "ワンボックス": "minivan", "ミニバン・ワンボックス": "minivan",
        "ステーションワゴン": "wagon", "ワゴン": "wagon",
        "クーペ": "coupe",
        "オープン": "convertible", "オープンカー": "convertible", "カブリオレ": "convertible",
        "コンバーチブル": "convertible",
        "軽自動車": "kei", "軽": "kei",
        "トラック": "truck", "ピックアップ": "truck", "ピックアップトラック": "truck",
        "バン": "van", "商用車": "van", "商用車・バン": "van", "ライトバン": "van",
        # Categories that say nothing about the body.
        "キャンピングカー": "other", "ハイブリッド": "other", "福祉車両": "other",
        "その他": "other",
    },
    BODY_TYPES,
)  # fmt: skip


def body_type_from_ja(text: str) -> str:
    """One of BODY_TYPES for carsensor's body category (セダン, 軽自動車); "other" if unknown."""
    key = _key(text)
    if (hit := _BODY_TYPE_WORDS.get(key)) is not None:
        return hit
    # 軽-ハイトワゴン, 軽トラック, 軽バン: the kei class decides.
    return "kei" if key.startswith("軽") else "other"


# --- fuels ------------------------------------------------------------------------------------

_FUEL_WORDS = _index(
    {
        "ガソリン": "gasoline", "レギュラー": "gasoline", "ハイオク": "gasoline",
        "ガソリンターボ": "gasoline",
        "軽油": "diesel", "ディーゼル": "diesel", "クリーンディーゼル": "diesel",
        "ディーゼルターボ": "diesel",
        "ハイブリッド": "hybrid", "マイルドハイブリッド": "hybrid",
        "ストロングハイブリッド": "hybrid", "プラグインハイブリッド": "hybrid", "HV": "hybrid",
        "HEV": "hybrid", "PHV": "hybrid", "PHEV": "hybrid", "e-POWER": "hybrid",
        "電気": "electric", "EV": "electric", "BEV": "electric", "電気自動車": "electric",
        # No enum value of their own.
        "水素": "other", "燃料電池": "other", "FCV": "other", "LPG": "other", "CNG": "other",
        "その他": "other",
    },
    FUELS,
)  # fmt: skip


def fuel_from_ja(text: str) -> str:
    """One of FUELS for the detail page's エンジン種別 (ガソリン, 軽油); "other" if unknown."""
    key = _key(text)
    # ハイブリッド(ガソリン), ガソリン(ハイオク): the word before the bracket decides.
    return _FUEL_WORDS.get(key) or _FUEL_WORDS.get(key.partition("(")[0], "other")


# --- transmissions ----------------------------------------------------------------------------

_GEARBOX_WORDS = _index(
    {
        "AT": "automatic", "オートマ": "automatic", "オートマチック": "automatic",
        "トルコンAT": "automatic", "セミAT": "automatic", "セミオートマ": "automatic",
        # Automated manuals and dual clutches have no clutch pedal: automatic.
        "DCT": "automatic", "DSG": "automatic", "AMT": "automatic", "SMG": "automatic",
        "デュアルクラッチ": "automatic",
        "CVT": "cvt", "E-CVT": "cvt", "ECVT": "cvt", "無段変速": "cvt",
        "MT": "manual", "マニュアル": "manual",
        # 2ペダルMT (its digit is dropped before this lookup) has no clutch pedal: automatic.
        "ペダルMT": "automatic",
    },
    TRANSMISSIONS,
)  # fmt: skip
# Removed before the lookup: the lever's place, and the manual mode of an automatic
# (フロアMTモード付7AT is an automatic), longest first.
_GEARBOX_NOISE = (
    "フロア", "インパネ", "コラム", "MTモード付き", "MTモード付", "MTモード",
    "マニュアルモード付き", "マニュアルモード付", "マニュアルモード", "パドルシフト付き",
    "パドルシフト付", "パドルシフト",
)  # fmt: skip
# Gear counts (7AT, 6速MT) and brackets go too.
_GEARBOX_DROP = str.maketrans("", "", "0123456789速()")


def transmission_from_ja(text: str) -> str | None:
    """One of TRANSMISSIONS for carsensor's ミッション (フロアMTモード付7AT); None if unknown."""
    key = _key(text)
    if (hit := _GEARBOX_WORDS.get(key)) is not None:
        return hit
    for noise in _GEARBOX_NOISE:
        key = key.replace(noise, "")
    return _GEARBOX_WORDS.get(key.translate(_GEARBOX_DROP))
