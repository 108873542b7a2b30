"""Japanese -> canonical English dictionaries: makers, models, colours, bodies, fuels, gearboxes.

Every lookup folds its input first (NFKC, so full-width `ＢＭＷ` is `BMW`; upper-cased Latin;
whitespace and middle dots dropped) and then reads a dict built once at import. Nothing is
guessed: an unknown maker or model is None, an unknown colour, body or fuel is "other", an
unknown gearbox is None.

Maker codes are the ones carsensor uses in its list URLs, `/usedcar/b{CODE}/index.html`. Seen
in public sources (GitHub scrapers of carsensor and a saved copy of carsensor's top page, whose
maker logos carry `maker--TO`, `--NI`, `--HO`, `--MA`, `--SZ`, `--MI`, `--DA`): TO, NI, HO,
MA (Mazda: `/usedcar/bMA/s010/` is the RX-8, `CARC=MA_S009` the CX-5), SZ, MI, DA, SB
(`/usedcar/bSB/s057/`), LE (`/usedcar/bLE/s016/`), BM (`/usedcar/bBM/s033/`), ME
(`/usedcar/bME/s029/`), PO (`/usedcar/bPO/s039/`), VO (`/usedcar/bVO/s043/`). AM is the
Mercedes-AMG G-Class in one scraper (`CARC=AM_S022`), so AM is taken as Mercedes-AMG.
Every other code is unconfirmed: two letters in carsensor's style, to be checked against the
live site before relying on `-a makes=`.
"""

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
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


# --- makers -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Make:
    """A maker: carsensor's code, the canonical English name, carsensor's Japanese name."""

    code: str
    en: str
    ja: str
    aliases: tuple[str, ...] = ()  # other spellings seen on listings


MAKES: tuple[Make, ...] = (
    # Domestic.
    Make("TO", "Toyota", "トヨタ"),
    Make("LE", "Lexus", "レクサス"),
    Make("NI", "Nissan", "日産", ("ニッサン",)),
    Make("HO", "Honda", "ホンダ"),
    Make("MA", "Mazda", "マツダ"),
    Make("SB", "Subaru", "スバル"),
    Make("SZ", "Suzuki", "スズキ"),
    Make("DA", "Daihatsu", "ダイハツ"),
    Make("MI", "Mitsubishi", "三菱", ("ミツビシ", "三菱自動車")),
    Make("IS", "Isuzu", "いすゞ", ("いすず", "イスズ")),
    Make("MT", "Mitsuoka", "ミツオカ", ("光岡", "光岡自動車")),
    Make("HI", "Hino", "日野", ("日野自動車",)),
    Make("UD", "UD Trucks", "UDトラックス", ("日産ディーゼル",)),
    Make("FU", "Mitsubishi Fuso", "三菱ふそう", ("ふそう", "三菱フソウ")),
    Make("TK", "Tommykaira", "トミーカイラ"),
    # German.
    Make("ME", "Mercedes-Benz", "メルセデス・ベンツ", ("ベンツ",)),
    Make("AM", "Mercedes-AMG", "メルセデスAMG", ("メルセデス-AMG", "AMG")),
    Make("MY", "Mercedes-Maybach", "メルセデス・マイバッハ", ("マイバッハ",)),
    Make("SM", "Smart", "スマート"),
    Make("BM", "BMW", "BMW"),
    Make("AL", "BMW Alpina", "BMWアルピナ", ("アルピナ",)),
    Make("MN", "MINI", "ミニ"),
    Make("VW", "Volkswagen", "フォルクスワーゲン", ("VW",)),
    Make("AU", "Audi", "アウディ"),
    Make("PO", "Porsche", "ポルシェ"),
    Make("OP", "Opel", "オペル"),
    # Swedish, French, Italian.
    Make("VO", "Volvo", "ボルボ"),
    Make("SA", "Saab", "サーブ"),
    Make("PS", "Polestar", "ポールスター"),
    Make("PE", "Peugeot", "プジョー"),
    Make("RE", "Renault", "ルノー"),
    Make("CI", "Citroën", "シトロエン", ("Citroen",)),
    Make("DS", "DS Automobiles", "DSオートモビル", ("DS", "DSオートモビルズ")),
    Make("AN", "Alpine", "アルピーヌ"),
    Make("BU", "Bugatti", "ブガッティ"),
    Make("FI", "Fiat", "フィアット"),
    Make("AB", "Abarth", "アバルト"),
    Make("AR", "Alfa Romeo", "アルファ ロメオ", ("アルファロメオ",)),
    Make("LN", "Lancia", "ランチア"),
    Make("MS", "Maserati", "マセラティ", ("マセラッティ",)),
    Make("FE", "Ferrari", "フェラーリ"),
    Make("LA", "Lamborghini", "ランボルギーニ"),
    Make("PG", "Pagani", "パガーニ"),
    # British.
    Make("JA", "Jaguar", "ジャガー"),
    Make("LR", "Land Rover", "ランドローバー"),
    Make("RV", "Rover", "ローバー"),
    Make("AS", "Aston Martin", "アストンマーティン"),
    Make("BE", "Bentley", "ベントレー"),
    Make("RR", "Rolls-Royce", "ロールスロイス"),
    Make("MC", "McLaren", "マクラーレン"),
    Make("LO", "Lotus", "ロータス"),
    Make("CA", "Caterham", "ケータハム"),
    Make("MO", "Morgan", "モーガン"),
    Make("MG", "MG", "MG"),
    Make("TV", "TVR", "TVR"),
    # American.
    Make("JE", "Jeep", "ジープ", ("クライスラー・ジープ",)),
    Make("CH", "Chevrolet", "シボレー"),
    Make("CD", "Cadillac", "キャデラック"),
    Make("CR", "Chrysler", "クライスラー"),
    Make("DO", "Dodge", "ダッジ"),
    Make("FO", "Ford", "フォード"),
    Make("LI", "Lincoln", "リンカーン"),
    Make("GM", "GMC", "GMC"),
    Make("HU", "Hummer", "ハマー"),
    Make("BK", "Buick", "ビュイック"),
    Make("PN", "Pontiac", "ポンティアック"),
    Make("MR", "Mercury", "マーキュリー"),
    Make("PL", "Plymouth", "プリムス"),
    Make("TE", "Tesla", "テスラ"),
    Make("LU", "Lucid", "ルーシッド"),
    # Others.
    Make("HY", "Hyundai", "ヒョンデ", ("ヒュンダイ",)),
    Make("KI", "Kia", "キア"),
    Make("BY", "BYD", "BYD"),
    Make("SK", "Škoda", "シュコダ", ("Skoda", "スコダ")),
    Make("IN", "Infiniti", "インフィニティ"),
    Make("AC", "Acura", "アキュラ"),
    Make("LD", "Lada", "ラーダ"),
    Make("KG", "Koenigsegg", "ケーニグセグ"),
)

_MAKE_BY_KEY = _keyed(
    (_key(name), make) for make in MAKES for name in (make.ja, make.en, *make.aliases)
)
_MAKE_BY_CODE = _keyed((make.code, make) for make in MAKES)


def make_from_ja(text: str) -> Make | None:
    """The maker carsensor writes as `text` (トヨタ, ＢＭＷ, 日産); None if unknown."""
    return _MAKE_BY_KEY.get(_key(text))


def make_by_code(code: str) -> Make | None:
    """The maker with carsensor's list-URL code (TO, BM); None if unknown."""
    return _MAKE_BY_CODE.get(_key(code))


# --- models -----------------------------------------------------------------------------------

# Each row: the canonical English model, then the Japanese spellings carsensor uses (the
# English name is accepted too, which covers RAV4, CX-5, LS, X5 and the like). Body-style words
# that the body_type column already carries (セダン, ワゴン, ツーリング, アバント, ヴァリアント,
# クーペ, カブリオレ, スポーツバック on hatchbacks) fold into the base model; lines a maker
# sells under their own name (Corolla Fielder, Gran Coupe, Active Tourer, GLC Coupe, allroad)
# stay apart.
# fmt: off
_MERCEDES_CLASSES: tuple[tuple[str, ...], ...] = (
    ("A-Class", "Aクラス", "Aクラスセダン"), ("B-Class", "Bクラス"),
    ("C-Class", "Cクラス", "Cクラスワゴン", "Cクラスステーションワゴン", "Cクラスセダン",
     "Cクラスクーペ", "Cクラスカブリオレ"),
    ("E-Class", "Eクラス", "Eクラスワゴン", "Eクラスステーションワゴン", "Eクラスセダン",
     "Eクラスクーペ", "Eクラスカブリオレ"),
    ("S-Class", "Sクラス", "Sクラスクーペ", "Sクラスカブリオレ"),
    ("G-Class", "Gクラス", "ゲレンデヴァーゲン"), ("V-Class", "Vクラス"), ("GLA", "GLAクラス"),
    ("GLB", "GLBクラス"), ("GLC", "GLCクラス"), ("GLC Coupe", "GLCクーペ"), ("GLE", "GLEクラス"),
    ("GLE Coupe", "GLEクーペ"), ("GLS", "GLSクラス"), ("CLA", "CLAクラス"),
    ("CLA Shooting Brake", "CLAシューティングブレーク"), ("CLS", "CLSクラス"), ("SL", "SLクラス"),
)

_MODELS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Toyota": (
        ("Prius", "プリウス"), ("Prius Alpha", "プリウスα", "プリウスアルファ"),
        ("Prius PHV", "プリウスPHV"), ("Prius PHEV", "プリウスPHEV"), ("Aqua", "アクア"),
        ("Alphard", "アルファード", "アルファードハイブリッド"),
        ("Vellfire", "ヴェルファイア", "ベルファイア", "ヴェルファイアハイブリッド"),
        ("Voxy", "ヴォクシー", "ボクシー"), ("Noah", "ノア"), ("Esquire", "エスクァイア"),
        ("Harrier", "ハリアー", "ハリアーハイブリッド"), ("Harrier PHEV", "ハリアーPHEV"),
        ("Crown", "クラウン", "クラウンハイブリッド"), ("Crown Athlete", "クラウンアスリート"),
        ("Crown Royal", "クラウンロイヤル"), ("Crown Majesta", "クラウンマジェスタ"),
        ("Crown Crossover", "クラウンクロスオーバー"), ("Crown Sport", "クラウンスポーツ"),
        ("Crown Sedan", "クラウンセダン"), ("Crown Estate", "クラウンエステート"),
        ("Crown Comfort", "クラウンコンフォート"), ("C-HR",), ("RAV4",), ("RAV4 PHV", "RAV4PHV"),
        ("Yaris", "ヤリス"), ("Yaris Cross", "ヤリスクロス"), ("GR Yaris", "GRヤリス"),
        ("Vitz", "ヴィッツ", "ビッツ"), ("Sienta", "シエンタ"),
        ("Estima", "エスティマ", "エスティマハイブリッド"), ("86", "ハチロク"), ("GR86",),
        ("Land Cruiser", "ランドクルーザー", "ランクル", "ランドクルーザー100",
         "ランドクルーザー200", "ランドクルーザー300"),
        ("Land Cruiser 70", "ランドクルーザー70"), ("Land Cruiser 250", "ランドクルーザー250"),
        ("Land Cruiser Prado", "ランドクルーザープラド", "プラド", "ランクルプラド"),
        ("Hiace", "ハイエース", "ハイエースバン", "ハイエースワゴン", "ハイエースコミューター"),
        ("Regius Ace", "レジアスエース", "レジアスエースバン"), ("Granace", "グランエース"),
        ("Corolla", "カローラ"), ("Corolla Fielder", "カローラフィールダー"),
        ("Corolla Axio", "カローラアクシオ"), ("Corolla Touring", "カローラツーリング"),
        ("Corolla Sport", "カローラスポーツ"), ("Corolla Cross", "カローラクロス"),
        ("Corolla Rumion", "カローラルミオン"), ("Corolla Spacio", "カローラスパシオ"),
        ("Corolla Levin", "カローラレビン"), ("GR Corolla", "GRカローラ"), ("Raize", "ライズ"),
        ("Roomy", "ルーミー"), ("Tank", "タンク"), ("Passo", "パッソ"), ("Mark X", "マークX"),
        ("Mark II", "マークII", "マーク2"), ("Hilux", "ハイラックス"),
        ("Hilux Surf", "ハイラックスサーフ"), ("FJ Cruiser", "FJクルーザー"), ("bB",),
        ("Wish", "ウィッシュ"), ("Isis", "アイシス"), ("Porte", "ポルテ"), ("Spade", "スペイド"),
        ("Camry", "カムリ"), ("SAI",), ("Century", "センチュリー"),
        ("Supra", "スープラ", "GRスープラ"), ("MR2",), ("MR-S",), ("Celsior", "セルシオ"),
        ("Chaser", "チェイサー"), ("Ractis", "ラクティス"), ("Auris", "オーリス"),
        ("Blade", "ブレイド"), ("ist", "イスト"), ("Vanguard", "ヴァンガード"),
        ("Kluger", "クルーガー"), ("Probox", "プロボックス", "プロボックスバン"),
        ("Succeed", "サクシード"), ("Premio", "プレミオ"), ("Allion", "アリオン"),
        ("Avensis", "アベンシス"), ("Caldina", "カルディナ"), ("Ipsum", "イプサム"),
        ("Dyna", "ダイナ"), ("ToyoAce", "トヨエース"), ("Coaster", "コースター"),
        ("TownAce", "タウンエース", "タウンエースバン", "タウンエーストラック"),
        ("LiteAce", "ライトエース"), ("bZ4X",), ("Mirai", "ミライ"), ("Altezza", "アルテッツァ"),
        ("Aristo", "アリスト"), ("Soarer", "ソアラ"), ("Celica", "セリカ"),
        ("Sprinter Trueno", "スプリンタートレノ"), ("Pixis Epoch", "ピクシスエポック"),
        ("Pixis Joy", "ピクシスジョイ"), ("Pixis Mega", "ピクシスメガ"),
        ("Pixis Truck", "ピクシストラック"), ("Pixis Van", "ピクシスバン"),
        ("JPN Taxi", "JPNタクシー"), ("Tundra", "タンドラ"), ("Sequoia", "セコイア"),
        ("Tacoma", "タコマ"),
    ),
    "Lexus": (
        ("LS",), ("RX",), ("NX",), ("IS",), ("CT",), ("UX",), ("ES",), ("GS",), ("LX",), ("RC",),
        ("RC F",), ("LC",), ("HS",), ("SC",), ("LBX",), ("LM",), ("GX",), ("IS F",), ("GS F",),
        ("RZ",),
    ),
    "Nissan": (
        ("Note", "ノート", "ノートe-POWER"), ("Note Aura", "ノートオーラ", "オーラ"),
        ("Serena", "セレナ", "セレナe-POWER"), ("X-Trail", "エクストレイル"),
        ("Skyline", "スカイライン", "スカイラインクーペ"), ("Skyline GT-R", "スカイラインGT-R"),
        ("GT-R",), ("Dayz", "デイズ"), ("Dayz Roox", "デイズルークス"), ("Roox", "ルークス"),
        ("Moco", "モコ"), ("March", "マーチ"), ("Cube", "キューブ"), ("Juke", "ジューク"),
        ("Kicks", "キックス"), ("Leaf", "リーフ"), ("Sakura", "サクラ"), ("Ariya", "アリア"),
        ("Elgrand", "エルグランド"), ("Fuga", "フーガ"), ("Teana", "ティアナ"),
        ("Sylphy", "シルフィ"), ("Bluebird Sylphy", "ブルーバードシルフィ"),
        ("Bluebird", "ブルーバード"), ("Fairlady Z", "フェアレディZ", "フェアレディ"),
        ("Caravan", "キャラバン"), ("NV350 Caravan", "NV350キャラバン"),
        ("NV200 Vanette", "NV200バネット", "NV200"), ("e-NV200",), ("AD", "ADバン"),
        ("AD Expert", "ADエキスパート"), ("Wingroad", "ウイングロード", "ウィングロード"),
        ("Lafesta", "ラフェスタ"), ("Dualis", "デュアリス"), ("Murano", "ムラーノ"),
        ("Otti", "オッティ"), ("Tiida", "ティーダ"), ("Tiida Latio", "ティーダラティオ"),
        ("Cima", "シーマ"), ("President", "プレジデント"), ("Presage", "プレサージュ"),
        ("Stagea", "ステージア"), ("Silvia", "シルビア"), ("180SX",), ("Cefiro", "セフィーロ"),
        ("Cedric", "セドリック"), ("Gloria", "グロリア"), ("Laurel", "ローレル"),
        ("Clipper", "クリッパー", "クリッパーバン", "クリッパートラック"),
        ("NV100 Clipper", "NV100クリッパー"), ("Clipper Rio", "クリッパーリオ"),
        ("Atlas", "アトラス"), ("Safari", "サファリ"), ("Terrano", "テラノ"), ("Pao", "パオ"),
        ("Figaro", "フィガロ"),
    ),
    "Honda": (
        ("N-BOX",), ("N-BOX Custom", "N-BOXカスタム"), ("N-BOX Slash", "N-BOXスラッシュ"),
        ("N-BOX+", "N-BOXプラス"), ("N-WGN",), ("N-WGN Custom", "N-WGNカスタム"), ("N-ONE",),
        ("N-VAN",), ("Fit", "フィット", "フィットハイブリッド"),
        ("Fit Shuttle", "フィットシャトル"), ("Shuttle", "シャトル"),
        ("Freed", "フリード", "フリードハイブリッド"),
        ("Freed+", "フリードプラス", "フリードスパイク"), ("Vezel", "ヴェゼル", "ベゼル"),
        ("Step WGN", "ステップワゴン"), ("Step WGN Spada", "ステップワゴンスパーダ"),
        ("Odyssey", "オデッセイ"), ("Elysion", "エリシオン"), ("Civic", "シビック"),
        ("Civic Type R", "シビックタイプR"), ("Accord", "アコード", "アコードハイブリッド"),
        ("Insight", "インサイト"), ("CR-V",), ("CR-Z",), ("HR-V",), ("ZR-V",), ("WR-V",), ("S660",),
        ("S2000",), ("NSX",), ("Beat", "ビート"), ("Life", "ライフ"), ("Zest", "ゼスト"),
        ("Vamos", "バモス"), ("Vamos Hobio", "バモスホビオ"),
        ("Acty", "アクティ", "アクティトラック", "アクティバン"), ("That's", "ザッツ"),
        ("Stream", "ストリーム"), ("Crossroad", "クロスロード"), ("Legend", "レジェンド"),
        ("Integra", "インテグラ"), ("Grace", "グレイス"), ("Jade", "ジェイド"),
        ("Prelude", "プレリュード"), ("Mobilio", "モビリオ"), ("Mobilio Spike", "モビリオスパイク"),
        ("Airwave", "エアウェイブ"), ("Edix", "エディックス"), ("Element", "エレメント"),
        ("Honda e", "ホンダe"),
    ),
    "Mazda": (
        ("Demio", "デミオ"), ("Mazda2", "MAZDA2", "マツダ2"),
        ("Axela", "アクセラ", "アクセラスポーツ", "アクセラセダン"),
        ("Mazda3", "MAZDA3", "MAZDA3ファストバック", "MAZDA3セダン", "マツダ3"),
        ("Atenza", "アテンザ", "アテンザワゴン", "アテンザセダン", "アテンザスポーツ"),
        ("Mazda6", "MAZDA6", "MAZDA6ワゴン", "MAZDA6セダン", "マツダ6"), ("CX-3",), ("CX-30",),
        ("CX-5",), ("CX-60",), ("CX-7",), ("CX-8",), ("MX-30",), ("Roadster", "ロードスター"),
        ("Roadster RF", "ロードスターRF"), ("RX-7",), ("RX-8",), ("Premacy", "プレマシー"),
        ("MPV",), ("Biante", "ビアンテ"), ("Verisa", "ベリーサ"), ("Tribute", "トリビュート"),
        ("Flair", "フレア"), ("Flair Wagon", "フレアワゴン"),
        ("Flair Crossover", "フレアクロスオーバー"), ("Carol", "キャロル"),
        ("Scrum", "スクラム", "スクラムバン", "スクラムトラック"),
        ("Scrum Wagon", "スクラムワゴン"), ("Bongo", "ボンゴ", "ボンゴバン", "ボンゴトラック"),
        ("Bongo Friendee", "ボンゴフレンディ"), ("Titan", "タイタン"),
        ("AZ-Wagon", "AZ-ワゴン", "AZワゴン"), ("AZ-1",), ("Familia", "ファミリア"),
    ),
    "Subaru": (
        ("Impreza", "インプレッサ"), ("Impreza Sports", "インプレッサスポーツ"),
        ("Impreza G4", "インプレッサG4"), ("Impreza XV", "インプレッサXV"),
        ("Impreza WRX", "インプレッサWRX"), ("Impreza WRX STI", "インプレッサWRX STI"), ("XV",),
        ("Crosstrek", "クロストレック"), ("WRX STI",), ("WRX S4",), ("Forester", "フォレスター"),
        ("Levorg", "レヴォーグ", "レボーグ"), ("Legacy", "レガシィ", "レガシー"),
        ("Legacy Touring Wagon", "レガシィツーリングワゴン"), ("Legacy B4", "レガシィB4"),
        ("Legacy Outback", "レガシィアウトバック"), ("Outback", "アウトバック"), ("BRZ",),
        ("Exiga", "エクシーガ"), ("Exiga Crossover 7", "エクシーガクロスオーバー7"),
        ("Stella", "ステラ"), ("Pleo", "プレオ"), ("Pleo Plus", "プレオプラス"),
        ("Sambar", "サンバー", "サンバーバン", "サンバートラック"),
        ("Sambar Dias", "サンバーディアス", "ディアスワゴン"), ("R1",), ("R2",),
        ("Chiffon", "シフォン"), ("Justy", "ジャスティ"), ("Trezia", "トレジア"),
        ("Lucra", "ルクラ"), ("Dex", "デックス"), ("Rex", "レックス"), ("Vivio", "ヴィヴィオ"),
        ("Solterra", "ソルテラ"),
    ),
    "Suzuki": (
        ("Wagon R", "ワゴンR"), ("Wagon R Stingray", "ワゴンRスティングレー", "スティングレー"),
        ("Wagon R Smile", "ワゴンRスマイル"), ("Spacia", "スペーシア"),
        ("Spacia Custom", "スペーシアカスタム"), ("Spacia Gear", "スペーシアギア"),
        ("Jimny", "ジムニー"), ("Jimny Sierra", "ジムニーシエラ"), ("Jimny Wide", "ジムニーワイド"),
        ("Hustler", "ハスラー"), ("Swift", "スイフト", "スウィフト"),
        ("Swift Sport", "スイフトスポーツ"), ("Alto", "アルト"),
        ("Alto Lapin", "アルトラパン", "ラパン"), ("Alto Works", "アルトワークス"),
        ("Every", "エブリイ", "エブリー", "エブリイバン"),
        ("Every Wagon", "エブリイワゴン", "エブリーワゴン"), ("Solio", "ソリオ"),
        ("Solio Bandit", "ソリオバンディット"), ("Xbee", "クロスビー"), ("MR Wagon", "MRワゴン"),
        ("Palette", "パレット"), ("Cervo", "セルボ"),
        ("Carry", "キャリイ", "キャリー", "キャリイトラック"), ("Escudo", "エスクード"), ("SX4",),
        ("SX4 S-Cross", "SX4 Sクロス", "SX4Sクロス"), ("Ignis", "イグニス"), ("Kei", "ケイ"),
        ("Twin", "ツイン"), ("Cappuccino", "カプチーノ"), ("Landy", "ランディ"),
        ("Baleno", "バレーノ"), ("Kizashi", "キザシ"), ("Splash", "スプラッシュ"),
        ("Fronx", "フロンクス"),
    ),
    "Daihatsu": (
        ("Tanto", "タント"), ("Tanto Custom", "タントカスタム"),
        ("Tanto Funcross", "タントファンクロス"), ("Tanto Exe", "タントエグゼ"),
        ("Move", "ムーヴ", "ムーブ"), ("Move Custom", "ムーヴカスタム", "ムーブカスタム"),
        ("Move Canbus", "ムーヴキャンバス", "ムーブキャンバス"),
        ("Move Conte", "ムーヴコンテ", "ムーブコンテ"), ("Move Latte", "ムーヴラテ", "ムーブラテ"),
        ("Mira", "ミラ"), ("Mira e:S", "ミライース", "ミラe:S"), ("Mira Cocoa", "ミラココア"),
        ("Mira Gino", "ミラジーノ"), ("Mira Tocot", "ミラトコット"), ("Hijet", "ハイゼット"),
        ("Hijet Cargo", "ハイゼットカーゴ"), ("Hijet Truck", "ハイゼットトラック"),
        ("Atrai", "アトレー"), ("Atrai Wagon", "アトレーワゴン"), ("Wake", "ウェイク"),
        ("Cast", "キャスト"), ("Copen", "コペン"), ("Thor", "トール"), ("Rocky", "ロッキー"),
        ("Boon", "ブーン"), ("Terios", "テリオス"), ("Terios Kid", "テリオスキッド"),
        ("Sonica", "ソニカ"), ("Esse", "エッセ"), ("Naked", "ネイキッド"), ("Max", "マックス"),
        ("Be-go", "ビーゴ"), ("Taft", "タフト"), ("YRV",), ("Coo", "クー"),
        ("Gran Max", "グランマックス"),
    ),
    "Mitsubishi": (
        ("Delica D:5", "デリカD:5", "デリカD5"), ("Delica D:2", "デリカD:2", "デリカD2"),
        ("Delica D:3", "デリカD:3", "デリカD3"), ("Delica Mini", "デリカミニ"),
        ("Delica Space Gear", "デリカスペースギア"), ("Delica Star Wagon", "デリカスターワゴン"),
        ("eK Wagon", "eKワゴン"), ("eK Custom", "eKカスタム"), ("eK Space", "eKスペース"),
        ("eK Space Custom", "eKスペースカスタム"), ("eK X", "eKクロス"),
        ("eK X Space", "eKクロススペース"), ("eK X EV", "eKクロスEV"), ("eK Sport", "eKスポーツ"),
        ("Pajero", "パジェロ"), ("Pajero Mini", "パジェロミニ"), ("Pajero iO", "パジェロイオ"),
        ("Outlander", "アウトランダー"), ("Outlander PHEV", "アウトランダーPHEV"), ("RVR",),
        ("Eclipse Cross", "エクリプスクロス"), ("Galant Fortis", "ギャランフォルティス"),
        ("Lancer", "ランサー"), ("Lancer Evolution", "ランサーエボリューション", "ランエボ"),
        ("Mirage", "ミラージュ"), ("Colt", "コルト"), ("i-MiEV", "アイミーブ"), ("i", "アイ"),
        ("Town Box", "タウンボックス"),
        ("Minicab", "ミニキャブ", "ミニキャブバン", "ミニキャブトラック"),
        ("Minicab MiEV", "ミニキャブミーブ"), ("Toppo", "トッポ"), ("GTO",),
        ("Diamante", "ディアマンテ"), ("Grandis", "グランディス"),
        ("Chariot Grandis", "シャリオグランディス"), ("Airtrek", "エアトレック"),
        ("Dion", "ディオン"), ("Triton", "トライトン"),
    ),
    "Isuzu": (
        ("Elf", "エルフ"), ("Forward", "フォワード"), ("Giga", "ギガ"), ("Bighorn", "ビッグホーン"),
        ("Wizard", "ウィザード"), ("MU", "ミュー"), ("VehiCROSS", "ビークロス"),
        ("Gemini", "ジェミニ"), ("117 Coupe", "117クーペ"), ("Piazza", "ピアッツァ"),
        ("Fargo", "ファーゴ"), ("Como", "コモ"),
    ),
    "Mitsuoka": (
        ("Viewt", "ビュート"), ("Galue", "ガリュー"), ("Ryugi", "リューギ"), ("Himiko", "ヒミコ"),
        ("Orochi", "オロチ"), ("Rock Star", "ロックスター"), ("Buddy", "バディ"),
        ("Nouera", "ヌエラ"),
    ),
    "Hino": (
        ("Dutro", "デュトロ"), ("Ranger", "レンジャー"), ("Profia", "プロフィア"),
        ("Liesse", "リエッセ"), ("Poncho", "ポンチョ"), ("Selega", "セレガ"),
        ("Melpha", "メルファ"),
    ),
    "UD Trucks": (
        ("Quon", "クオン"), ("Condor", "コンドル"), ("Big Thumb", "ビッグサム"),
    ),
    "Mitsubishi Fuso": (
        ("Canter", "キャンター"), ("Canter Guts", "キャンターガッツ"), ("Fighter", "ファイター"),
        ("Super Great", "スーパーグレート"), ("Rosa", "ローザ"),
    ),
    "Tommykaira": (("ZZ",), ("ZZII",)),
    "Mercedes-Benz": _MERCEDES_CLASSES + (
        ("GLK", "GLKクラス"), ("GL-Class", "GLクラス"), ("M-Class", "Mクラス"),
        ("CLS Shooting Brake", "CLSシューティングブレーク"), ("CLK", "CLKクラス"),
        ("CL-Class", "CLクラス"), ("SLK", "SLKクラス"), ("SLC", "SLCクラス"),
        ("R-Class", "Rクラス"), ("X-Class", "Xクラス"), ("SLS AMG",), ("EQA",), ("EQB",), ("EQC",),
        ("EQE",), ("EQS",), ("Citan", "シタン"), ("Sprinter", "スプリンター"), ("Vito", "ヴィト"),
        ("Viano", "ビアノ"),
    ),
    "Mercedes-AMG": _MERCEDES_CLASSES + (
        ("GT", "AMG GT", "GTクーペ", "GTロードスター"), ("GT 4-Door Coupe", "GT4ドアクーペ"),
        ("SLC", "SLCクラス"),
    ),
    "Mercedes-Maybach": _MERCEDES_CLASSES + (("57",), ("62",)),
    "BMW": (
        ("1 Series", "1シリーズ"),
        ("2 Series", "2シリーズ", "2シリーズクーペ", "2シリーズカブリオレ"),
        ("2 Series Active Tourer", "2シリーズアクティブツアラー"),
        ("2 Series Gran Tourer", "2シリーズグランツアラー"),
        ("2 Series Gran Coupe", "2シリーズグランクーペ"),
        ("3 Series", "3シリーズ", "3シリーズセダン", "3シリーズツーリング", "3シリーズクーペ",
         "3シリーズカブリオレ"),
        ("3 Series Gran Turismo", "3シリーズグランツーリスモ"),
        ("4 Series", "4シリーズ", "4シリーズクーペ", "4シリーズカブリオレ"),
        ("4 Series Gran Coupe", "4シリーズグランクーペ"),
        ("5 Series", "5シリーズ", "5シリーズセダン", "5シリーズツーリング"),
        ("5 Series Gran Turismo", "5シリーズグランツーリスモ"),
        ("6 Series", "6シリーズ", "6シリーズクーペ", "6シリーズカブリオレ"),
        ("6 Series Gran Coupe", "6シリーズグランクーペ"),
        ("6 Series Gran Turismo", "6シリーズグランツーリスモ"), ("7 Series", "7シリーズ"),
        ("8 Series", "8シリーズ", "8シリーズクーペ", "8シリーズカブリオレ"),
        ("8 Series Gran Coupe", "8シリーズグランクーペ"), ("X1",), ("X2",), ("X3",), ("X4",),
        ("X5",), ("X6",), ("X7",), ("X3 M",), ("X4 M",), ("X5 M",), ("X6 M",), ("Z3",), ("Z4",),
        ("i3",), ("i4",), ("i7",), ("i8",), ("iX",), ("iX1",), ("iX3",), ("M2",), ("M3",), ("M4",),
        ("M5",), ("M6",), ("M8",),
    ),
    "BMW Alpina": (
        ("B3",), ("B4",), ("B5",), ("B6",), ("B7",), ("B8",), ("D3",), ("D4",), ("D5",), ("XD3",),
        ("XD4",), ("XB7",),
    ),
    "MINI": (
        # The hatch is "ミニ" on carsensor; MINI calls it the Hatch (Cooper and One are trims).
        ("Hatch", "ミニ", "MINI", "ミニクーパー", "クーパー", "ミニ3ドア", "ミニ5ドア"),
        ("Clubman", "クラブマン", "ミニクラブマン", "MINIクラブマン"),
        ("Crossover", "クロスオーバー", "ミニクロスオーバー", "MINIクロスオーバー"),
        ("Countryman", "カントリーマン", "ミニカントリーマン", "MINIカントリーマン"),
        ("Paceman", "ペースマン", "ミニペースマン", "MINIペースマン"),
        ("Convertible", "コンバーチブル", "ミニコンバーチブル", "MINIコンバーチブル"),
        ("Coupe", "クーペ", "ミニクーペ", "MINIクーペ"),
        ("Roadster", "ロードスター", "ミニロードスター", "MINIロードスター"),
    ),
    "Volkswagen": (
        ("Golf", "ゴルフ", "ゴルフヴァリアント", "ゴルフワゴン", "ゴルフカブリオレ"),
        ("Golf GTI", "ゴルフGTI"), ("Golf R", "ゴルフR", "ゴルフRヴァリアント"),
        ("Golf Alltrack", "ゴルフオールトラック"), ("Golf Touran", "ゴルフトゥーラン"),
        ("Golf Sportsvan", "ゴルフスポーツバン"), ("Polo", "ポロ"), ("Polo GTI", "ポロGTI"),
        ("T-Roc", "T-ロック", "Tロック"), ("T-Cross", "T-クロス", "Tクロス"),
        ("Tiguan", "ティグアン"), ("Touareg", "トゥアレグ"), ("Touran", "トゥーラン"),
        ("Passat", "パサート", "パサートヴァリアント", "パサートセダン"),
        ("Passat CC", "パサートCC"), ("Arteon", "アルテオン"),
        ("Arteon Shooting Brake", "アルテオンシューティングブレーク"),
        ("The Beetle", "ザ・ビートル", "ザビートル"),
        ("New Beetle", "ニュービートル", "ニュービートルカブリオレ"), ("Beetle", "ビートル"),
        ("up!", "アップ!", "アップ"), ("Sharan", "シャラン"), ("Scirocco", "シロッコ"),
        ("Eos", "イオス"), ("Jetta", "ジェッタ"), ("Bora", "ボーラ"), ("Lupo", "ルポ"),
        ("Vanagon", "ヴァナゴン"), ("Type 2", "タイプII", "タイプ2"),
        ("Karmann Ghia", "カルマンギア"), ("ID.4",),
    ),
    "Audi": (
        ("A1", "A1スポーツバック"), ("A3", "A3スポーツバック", "A3セダン", "A3カブリオレ"),
        ("A4", "A4アバント"), ("A4 allroad quattro", "A4オールロードクワトロ"),
        ("A5", "A5スポーツバック", "A5クーペ", "A5カブリオレ"), ("A6", "A6アバント"),
        ("A6 allroad quattro", "A6オールロードクワトロ"), ("A7", "A7スポーツバック"), ("A8",),
        ("Q2",), ("Q3",), ("Q5",), ("Q7",), ("Q8",), ("Q3 Sportback", "Q3スポーツバック"),
        ("Q5 Sportback", "Q5スポーツバック"), ("TT", "TTクーペ", "TTロードスター"),
        ("TTS", "TTSクーペ", "TTSロードスター"), ("TT RS", "TT RSクーペ", "TT RSロードスター"),
        ("R8", "R8スパイダー"), ("S3", "S3スポーツバック"), ("S4", "S4アバント"),
        ("S5", "S5スポーツバック"), ("RS3", "RS3スポーツバック"), ("RS4", "RS4アバント"),
        ("RS6", "RS6アバント"), ("e-tron",), ("e-tron GT",), ("Q4 e-tron",),
    ),
    "Porsche": (
        ("911",), ("Cayenne", "カイエン"), ("Cayenne Coupe", "カイエンクーペ"), ("Macan", "マカン"),
        ("Boxster", "ボクスター"), ("718 Boxster", "718ボクスター"), ("Cayman", "ケイマン"),
        ("718 Cayman", "718ケイマン"), ("Panamera", "パナメーラ"), ("Taycan", "タイカン"), ("928",),
        ("944",), ("968",), ("356",),
    ),
    "Opel": (
        ("Vita", "ヴィータ"), ("Astra", "アストラ"), ("Vectra", "ベクトラ"),
        ("Zafira", "ザフィーラ"), ("Omega", "オメガ"), ("Speedster", "スピードスター"),
        ("Tigra", "ティグラ"), ("Calibra", "カリブラ"),
    ),
    "Volvo": (
        ("XC40",), ("XC60",), ("XC70",), ("XC90",), ("C40",), ("EX30",), ("V40",),
        ("V40 Cross Country", "V40クロスカントリー"), ("V60",),
        ("V60 Cross Country", "V60クロスカントリー"), ("V70",), ("V90",),
        ("V90 Cross Country", "V90クロスカントリー"), ("S40",), ("S60",), ("S80",), ("S90",),
        ("C30",), ("C70",), ("240", "240ワゴン", "240セダン"), ("850",), ("940",),
    ),
    "Saab": (
        ("9-3", "9-3セダン", "9-3スポーツセダン", "9-3カブリオレ", "9-3スポーツエステート"),
        ("9-5", "9-5セダン", "9-5エステート"), ("900",), ("9000",),
    ),
    "Polestar": (("Polestar 2", "ポールスター2", "2"),),
    "Peugeot": (
        ("208",), ("2008",), ("308", "308SW", "308CC"), ("3008",), ("5008",), ("508", "508SW"),
        ("206", "206CC", "206SW"), ("207", "207CC", "207SW"), ("307", "307CC", "307SW"),
        ("407", "407SW"), ("106",), ("306",), ("406",), ("RCZ",), ("Rifter", "リフター"),
        ("e-208",),
    ),
    "Renault": (
        ("Kangoo", "カングー"),
        # Renault Japan sells the Clio as ルーテシア.
        ("Clio", "ルーテシア"), ("Captur", "キャプチャー"), ("Megane", "メガーヌ"),
        ("Twingo", "トゥインゴ"), ("Arkana", "アルカナ"), ("Koleos", "コレオス"),
        ("Avantime", "アヴァンタイム"),
    ),
    "Citroën": (
        ("C3",), ("C4",), ("C5",), ("C6",), ("C3 Aircross", "C3エアクロス"),
        ("C5 Aircross", "C5エアクロス"), ("C5 X", "C5X"), ("C4 Picasso", "C4ピカソ"),
        ("Grand C4 Picasso", "グランドC4ピカソ"), ("C4 SpaceTourer", "C4スペースツアラー"),
        ("Grand C4 SpaceTourer", "グランドC4スペースツアラー"), ("Berlingo", "ベルランゴ"),
        ("2CV",), ("Xantia", "エグザンティア"), ("DS3",), ("DS4",), ("DS5",),
    ),
    "DS Automobiles": (
        ("DS3",), ("DS3 Crossback", "DS3クロスバック"), ("DS4",), ("DS5",),
        ("DS7", "DS7クロスバック"), ("DS9",),
    ),
    "Alpine": (("A110",),),
    "Bugatti": (("Chiron", "シロン"), ("Veyron", "ヴェイロン")),
    "Fiat": (
        ("500", "チンクエチェント"), ("500C",), ("500X",), ("500e",), ("Panda", "パンダ"),
        ("Punto", "プント"), ("Grande Punto", "グランデプント"), ("Doblo", "ドブロ"),
        ("Multipla", "ムルティプラ"), ("124 Spider", "124スパイダー"), ("Barchetta", "バルケッタ"),
        ("Bravo", "ブラーボ"),
    ),
    "Abarth": (
        ("595",), ("695",), ("500", "アバルト500"), ("500C",), ("124 Spider", "124スパイダー"),
        ("Punto Evo", "プントエヴォ"),
    ),
    "Alfa Romeo": (
        ("Giulia", "ジュリア"), ("Giulietta", "ジュリエッタ"), ("Stelvio", "ステルヴィオ"),
        ("MiTo", "ミト"), ("Tonale", "トナーレ"), ("Brera", "ブレラ"), ("Spider", "スパイダー"),
        ("147",), ("156",), ("159",), ("166",), ("GT",), ("GTV",), ("4C",),
    ),
    "Lancia": (("Delta", "デルタ"), ("Ypsilon", "イプシロン"), ("Stratos", "ストラトス")),
    "Maserati": (
        ("Ghibli", "ギブリ"), ("Levante", "レヴァンテ"), ("Quattroporte", "クアトロポルテ"),
        ("GranTurismo", "グランツーリスモ"), ("GranCabrio", "グランカブリオ"),
        ("Grecale", "グレカーレ"), ("MC20",), ("3200GT",),
    ),
    "Ferrari": (
        ("488", "488GTB", "488スパイダー", "488ピスタ"), ("F8 Tributo", "F8トリブート"),
        ("Roma", "ローマ"), ("Portofino", "ポルトフィーノ"),
        ("812 Superfast", "812スーパーファスト"),
        ("California", "カリフォルニア", "カリフォルニアT"),
        ("458", "458イタリア", "458スパイダー", "458スペチアーレ"), ("F430", "F430スパイダー"),
        ("360", "360モデナ", "360スパイダー"), ("F355",), ("599",), ("612",), ("FF",),
        ("GTC4Lusso", "GTC4ルッソ"), ("SF90 Stradale", "SF90ストラダーレ", "SF90"),
        ("296", "296GTB", "296GTS"), ("Purosangue", "プロサングエ"), ("Testarossa", "テスタロッサ"),
    ),
    "Lamborghini": (
        ("Urus", "ウルス"), ("Huracan", "ウラカン"), ("Aventador", "アヴェンタドール"),
        ("Gallardo", "ガヤルド"), ("Murcielago", "ムルシエラゴ"), ("Countach", "カウンタック"),
        ("Diablo", "ディアブロ"),
    ),
    "Pagani": (("Huayra", "ウアイラ"), ("Zonda", "ゾンダ")),
    "Jaguar": (
        ("XE",), ("XF",), ("XJ",), ("XK", "XKR"), ("F-PACE", "Fペイス"), ("E-PACE", "Eペイス"),
        ("I-PACE", "Iペイス"), ("F-TYPE", "Fタイプ"), ("S-TYPE", "Sタイプ"), ("X-TYPE", "Xタイプ"),
    ),
    "Land Rover": (
        ("Range Rover", "レンジローバー"), ("Range Rover Sport", "レンジローバースポーツ"),
        ("Range Rover Evoque", "レンジローバーイヴォーク", "レンジローバーイボーク"),
        ("Range Rover Velar", "レンジローバーヴェラール"), ("Discovery", "ディスカバリー"),
        ("Discovery Sport", "ディスカバリースポーツ"), ("Defender", "ディフェンダー"),
        ("Freelander", "フリーランダー", "フリーランダー2"),
    ),
    # Rover's "ミニ" is the classic Mini, not BMW's MINI.
    "Rover": (("Mini", "ミニ"), ("75",)),
    "Aston Martin": (
        ("DB7",), ("DB9",), ("DB11",), ("DB12",), ("DBX",), ("DBS", "DBSスーパーレッジェーラ"),
        ("Vantage", "ヴァンテージ"), ("V8 Vantage", "V8ヴァンテージ"), ("Rapide", "ラピード"),
        ("Vanquish", "ヴァンキッシュ"),
    ),
    "Bentley": (
        ("Continental GT", "コンチネンタルGT"), ("Continental GTC", "コンチネンタルGTC"),
        ("Continental Flying Spur", "コンチネンタルフライングスパー"),
        ("Flying Spur", "フライングスパー"), ("Bentayga", "ベンテイガ"),
        ("Mulsanne", "ミュルザンヌ"), ("Arnage", "アルナージ"),
    ),
    "Rolls-Royce": (
        ("Ghost", "ゴースト"), ("Phantom", "ファントム"), ("Wraith", "レイス"), ("Dawn", "ドーン"),
        ("Cullinan", "カリナン"), ("Spectre", "スペクター"), ("Silver Spur", "シルバースパー"),
    ),
    "McLaren": (
        ("540C",), ("570S",), ("600LT",), ("650S",), ("720S",), ("750S",), ("765LT",),
        ("12C", "MP4-12C"), ("GT",), ("Artura", "アルトゥーラ"),
    ),
    "Lotus": (
        ("Elise", "エリーゼ"), ("Exige", "エキシージ"), ("Evora", "エヴォーラ"),
        ("Emira", "エミーラ"), ("Europa", "ヨーロッパ"), ("Seven", "セブン"),
    ),
    "Caterham": (("Seven", "セブン", "スーパーセブン"),),
    "Morgan": (("Plus 4", "プラス4"), ("Plus 8", "プラス8"), ("4/4",), ("Aero 8", "エアロ8")),
    "MG": (("MGF",), ("TF", "MG TF"), ("MGB",), ("Midget", "ミジェット")),
    "TVR": (
        ("Griffith", "グリフィス"), ("Chimaera", "キミーラ"), ("Cerbera", "サーブラウ"),
        ("Tuscan", "タスカン"),
    ),
    "Jeep": (
        ("Wrangler", "ラングラー"), ("Wrangler Unlimited", "ラングラーアンリミテッド"),
        ("Compass", "コンパス"), ("Renegade", "レネゲード"),
        ("Grand Cherokee", "グランドチェロキー"), ("Cherokee", "チェロキー"),
        ("Commander", "コマンダー"), ("Patriot", "パトリオット"), ("Gladiator", "グラディエーター"),
    ),
    "Chevrolet": (
        ("Camaro", "カマロ"), ("Corvette", "コルベット"), ("Astro", "アストロ"),
        ("Suburban", "サバーバン"), ("Tahoe", "タホ"), ("Silverado", "シルバラード"),
        ("Express", "エクスプレス"), ("Chevy Van", "シェビーバン"), ("Captiva", "キャプティバ"),
        ("Sonic", "ソニック"), ("Cruze", "クルーズ"), ("Trailblazer", "トレイルブレイザー"),
        ("Blazer", "ブレイザー"), ("Impala", "インパラ"), ("Colorado", "コロラド"),
        ("Avalanche", "アバランチ"), ("MW",),
    ),
    "Cadillac": (
        ("Escalade", "エスカレード"), ("CTS",), ("ATS",), ("CT6",), ("XT4",), ("XT5",), ("XT6",),
        ("DTS",), ("STS",), ("SRX", "SRXクロスオーバー"), ("Seville", "セビル"),
        ("Eldorado", "エルドラド"), ("DeVille", "ドゥビル"), ("Lyriq", "リリック"),
    ),
    "Chrysler": (
        ("300",), ("300C",), ("PT Cruiser", "PTクルーザー"), ("Voyager", "ボイジャー"),
        ("Grand Voyager", "グランドボイジャー"), ("Crossfire", "クロスファイア"),
        ("Neon", "ネオン"),
    ),
    "Dodge": (
        ("Challenger", "チャレンジャー"), ("Charger", "チャージャー"), ("Durango", "デュランゴ"),
        ("Ram", "ラム"), ("Ram Van", "ラムバン"), ("Nitro", "ナイトロ"), ("Magnum", "マグナム"),
        ("Viper", "バイパー"), ("Caliber", "キャリバー"), ("Journey", "ジャーニー"),
        ("Dakota", "ダコタ"), ("Grand Caravan", "グランドキャラバン"),
    ),
    "Ford": (
        ("Mustang", "マスタング"), ("Explorer", "エクスプローラー"),
        ("Expedition", "エクスペディション"), ("Excursion", "エクスカージョン"),
        ("Escape", "エスケープ"), ("F-150", "F150"), ("Focus", "フォーカス"),
        ("Fiesta", "フィエスタ"), ("Kuga", "クーガ"), ("EcoSport", "エコスポーツ"),
        ("Econoline", "エコノライン"), ("Ranger", "レンジャー"), ("Bronco", "ブロンコ"),
        ("Thunderbird", "サンダーバード"), ("Taurus", "トーラス"), ("Mondeo", "モンデオ"),
    ),
    "Lincoln": (
        ("Navigator", "ナビゲーター"), ("Town Car", "タウンカー"),
        ("Continental", "コンチネンタル"), ("Mark LT", "マークLT"), ("Aviator", "アビエーター"),
        ("MKX",), ("MKZ",),
    ),
    "GMC": (
        ("Savana", "サバナ"), ("Yukon", "ユーコン"), ("Sierra", "シエラ"), ("Safari", "サファリ"),
        ("Vandura", "バンデューラ"), ("Jimmy", "ジミー"),
    ),
    "Hummer": (("H1",), ("H2",), ("H3",)),
    "Buick": (
        ("Regal", "リーガル"), ("Park Avenue", "パークアベニュー"), ("LeSabre", "ルセイバー"),
        ("Enclave", "エンクレイブ"),
    ),
    "Pontiac": (
        ("Firebird", "ファイヤーバード"), ("Trans Am", "トランザム"), ("Grand Am", "グランダム"),
    ),
    "Mercury": (
        ("Cougar", "クーガー"), ("Grand Marquis", "グランドマーキー"),
        ("Mountaineer", "マウンテニア"),
    ),
    "Plymouth": (("Prowler", "プラウラー"),),
    "Tesla": (
        ("Model S", "モデルS"), ("Model 3", "モデル3"), ("Model X", "モデルX"),
        ("Model Y", "モデルY"),
    ),
    "Lucid": (("Air", "エア"),),
    "Hyundai": (
        ("Ioniq 5", "IONIQ5", "アイオニック5"), ("Kona", "コナ"), ("Sonata", "ソナタ"),
        ("Grandeur", "グレンジャー"), ("Tucson", "ツーソン"), ("Elantra", "エラントラ"), ("XG",),
    ),
    "Kia": (("Sorento", "ソレント"), ("Opirus", "オピラス"), ("Picanto", "ピカント")),
    "BYD": (
        ("Atto 3", "ATTO3", "アット3"), ("Dolphin", "ドルフィン"), ("Seal", "シール"),
        ("Sealion 7", "シーライオン7"),
    ),
    "Smart": (
        ("ForTwo", "フォーツー", "フォーツークーペ", "フォーツーカブリオ"),
        ("ForFour", "フォーフォー"), ("Roadster", "ロードスター"), ("K", "スマートK"),
    ),
    "Škoda": (
        ("Octavia", "オクタビア", "オクタヴィア"), ("Superb", "スーパーブ"), ("Fabia", "ファビア"),
        ("Yeti", "イエティ"),
    ),
    "Infiniti": (("QX56",), ("QX80",), ("FX35",), ("FX45",), ("G35",), ("M45",), ("Q45",)),
    "Acura": (("NSX",), ("MDX",), ("RDX",), ("TL",), ("TSX",)),
    "Lada": (("Niva", "ニーヴァ", "ニーバ"),),
    "Koenigsegg": (("Agera", "アゲーラ"),),
}
# fmt: on


def _model_index() -> dict[tuple[str, str], str]:
    """Key every spelling of every model by (canonical make, `_key(spelling)`)."""
    if unknown := sorted(set(_MODELS) - {make.en for make in MAKES}):
        raise ValueError(f"vocab: models for unknown makes: {unknown}")
    rows = ((make, row) for make, make_rows in _MODELS.items() for row in make_rows)
    return _keyed(((make, _key(name)), row[0]) for make, row in rows for name in row)


_MODEL_BY_KEY = _model_index()


def model_from_ja(make_en: str, model_ja: str) -> str | None:
    """The canonical English model for a canonical make and carsensor's name; None if unknown."""
    return _MODEL_BY_KEY.get((make_en, _key(model_ja)))


def models_of(make_en: str) -> tuple[str, ...]:
    """The canonical English models the dictionary knows for a canonical make."""
    return tuple(dict.fromkeys(row[0] for row in _MODELS.get(make_en, ())))


def model_spellings() -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(canonical make, canonical model, every spelling of it) for every model known."""
    for make, rows in _MODELS.items():
        for row in rows:
            yield make, row[0], row


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
