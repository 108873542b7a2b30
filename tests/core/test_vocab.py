"""The Japanese -> English dictionaries: examples from carsensor, coverage, and no guessing."""

import json
import re
from pathlib import Path

import pytest

from core import vocab
from core.vocab import (
    BODY_TYPES,
    COLORS,
    FUELS,
    MAKES,
    TRANSMISSIONS,
    body_type_from_ja,
    color_from_ja,
    fuel_from_ja,
    make_by_code,
    make_from_ja,
    model_from_ja,
    models_of,
    transmission_from_ja,
)

# Strings no table knows, in every shape a scraped field may take.
UNKNOWN = ["", " ", "その他", "不明", "---", "謎の値", "ＸＹＺ", "12345", "マルチカラー"]


# --- makers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "en"),
    [
        ("ＢＭＷ", "BM", "BMW"),
        ("BMW", "BM", "BMW"),
        ("メルセデス・ベンツ", "ME", "Mercedes-Benz"),
        ("トヨタ", "TO", "Toyota"),
        ("日産", "NI", "Nissan"),
        ("ホンダ", "HO", "Honda"),
        ("マツダ", "MA", "Mazda"),
        ("スバル", "SB", "Subaru"),
        ("スズキ", "SZ", "Suzuki"),
        ("ダイハツ", "DA", "Daihatsu"),
        ("三菱", "MI", "Mitsubishi"),
        ("レクサス", "LE", "Lexus"),
        ("ポルシェ", "PO", "Porsche"),
        ("ボルボ", "VO", "Volvo"),
        ("メルセデスAMG", "AM", "Mercedes-AMG"),
    ],
)
def test_make_examples_and_confirmed_codes(text: str, code: str, en: str) -> None:
    make = make_from_ja(text)
    assert make is not None
    assert (make.code, make.en) == (code, en)


@pytest.mark.parametrize(
    ("text", "en"),
    [
        ("ﾄﾖﾀ", "Toyota"),  # half-width katakana
        ("　トヨタ　", "Toyota"),  # ideographic spaces around
        ("ＭＩＮＩ", "MINI"),
        ("メルセデスベンツ", "Mercedes-Benz"),  # no middle dot
        ("メルセデス ベンツ", "Mercedes-Benz"),
        ("ベンツ", "Mercedes-Benz"),
        ("アルファロメオ", "Alfa Romeo"),
        ("アルファ・ロメオ", "Alfa Romeo"),
        ("ヒュンダイ", "Hyundai"),
        ("volkswagen", "Volkswagen"),  # the English name, any case
        ("Citroen", "Citroën"),
        ("日産ディーゼル", "UD Trucks"),
    ],
)
def test_make_spellings(text: str, en: str) -> None:
    make = make_from_ja(text)
    assert make is not None and make.en == en


def test_make_codes_are_unique_and_url_shaped() -> None:
    codes = [make.code for make in MAKES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[A-Z]{2,3}", code) for code in codes), codes


def test_make_names_are_unique() -> None:
    assert len({make.en for make in MAKES}) == len(MAKES)
    assert len({make.ja for make in MAKES}) == len(MAKES)


@pytest.mark.parametrize("make", MAKES, ids=lambda make: make.code)
def test_every_make_round_trips(make: vocab.Make) -> None:
    assert make_from_ja(make.ja) is make
    assert make_from_ja(make.en) is make
    assert all(make_from_ja(alias) is make for alias in make.aliases)
    assert make_by_code(make.code) is make


def test_make_by_code_folds_its_input() -> None:
    assert make_by_code("ＴＯ") is make_from_ja("トヨタ")
    assert make_by_code(" bm ") is make_from_ja("BMW")
    assert make_by_code("ZZ") is None
    assert make_by_code("") is None


def test_covers_at_least_sixty_makes_including_the_common_ones() -> None:
    assert len(MAKES) >= 60
    wanted = {
        "Toyota", "Lexus", "Nissan", "Honda", "Mazda", "Subaru", "Suzuki", "Daihatsu",
        "Mitsubishi", "Isuzu", "Mitsuoka", "Hino", "UD Trucks", "Mitsubishi Fuso",
        "Mercedes-Benz", "Mercedes-AMG", "Mercedes-Maybach", "BMW", "BMW Alpina", "MINI",
        "Volkswagen", "Audi", "Porsche", "Volvo", "Peugeot", "Renault", "Citroën",
        "DS Automobiles", "Fiat", "Abarth", "Alfa Romeo", "Lancia", "Maserati", "Ferrari",
        "Lamborghini", "Jaguar", "Land Rover", "Rover", "Aston Martin", "Bentley",
        "Rolls-Royce", "McLaren", "Lotus", "Jeep", "Chevrolet", "Cadillac", "Chrysler", "Dodge",
        "Ford", "Lincoln", "GMC", "Hummer", "Tesla", "Hyundai", "BYD", "Smart", "Opel",
        "Saab", "Caterham", "Morgan", "Alpine",
    }  # fmt: skip
    assert wanted <= {make.en for make in MAKES}


@pytest.mark.parametrize("text", UNKNOWN)
def test_unknown_make_is_none(text: str) -> None:
    assert make_from_ja(text) is None


# --- models -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "text", "model"),
    [
        ("BMW", "3シリーズ", "3 Series"),
        ("BMW", "３シリーズ", "3 Series"),  # full-width digit
        ("BMW", "3シリーズツーリング", "3 Series"),  # a body style folds into the model
        ("BMW", "4シリーズグランクーペ", "4 Series Gran Coupe"),  # a line of its own does not
        ("Mercedes-Benz", "Vクラス", "V-Class"),
        ("Mercedes-Benz", "Ｃクラスステーションワゴン", "C-Class"),
        ("Mercedes-AMG", "Gクラス", "G-Class"),
        ("Toyota", "プリウス", "Prius"),
        ("Toyota", "プリウスα", "Prius Alpha"),
        ("Toyota", "GRヤリス", "GR Yaris"),
        ("Toyota", "ＧＲヤリス", "GR Yaris"),
        ("Toyota", "ランドクルーザープラド", "Land Cruiser Prado"),
        ("Toyota", "ランドクルーザー プラド", "Land Cruiser Prado"),
        ("Toyota", "ｃ－ｈｒ", "C-HR"),
        ("Toyota", "カローラフィールダー", "Corolla Fielder"),
        ("Nissan", "スカイライン", "Skyline"),
        ("Nissan", "デイズ", "Dayz"),
        ("Nissan", "GT-R", "GT-R"),
        ("Honda", "Ｎ－ＢＯＸ", "N-BOX"),
        ("Honda", "N−BOX", "N-BOX"),  # U+2212 minus sign
        ("Honda", "ステップワゴン", "Step WGN"),
        ("Mazda", "ＣＸ－５", "CX-5"),
        ("Mitsubishi", "デリカＤ：５", "Delica D:5"),
        ("Mitsubishi", "ｅＫワゴン", "eK Wagon"),
        ("Suzuki", "ワゴンR", "Wagon R"),
        ("Daihatsu", "ミライース", "Mira e:S"),
        ("Lexus", "RX", "RX"),
        ("Volkswagen", "ゴルフ", "Golf"),
        ("Volkswagen", "ザ・ビートル", "The Beetle"),
        ("Audi", "A4アバント", "A4"),
        ("Porsche", "911", "911"),
        ("MINI", "ミニクロスオーバー", "Crossover"),
        ("Rover", "ミニ", "Mini"),  # the classic Mini
        ("MINI", "ミニ", "Hatch"),
        ("Renault", "ルーテシア", "Clio"),
    ],
)
def test_model_examples(make: str, text: str, model: str) -> None:
    assert model_from_ja(make, text) == model


REQUIRED_MODELS = {
    "Toyota": [
        "Prius", "Aqua", "Alphard", "Vellfire", "Voxy", "Noah", "Harrier", "Crown", "C-HR",
        "RAV4", "Yaris", "GR Yaris", "Sienta", "Estima", "86", "GR86", "Land Cruiser",
        "Land Cruiser Prado", "Hiace", "Corolla", "Corolla Fielder", "Corolla Axio",
        "Corolla Touring", "Corolla Sport", "Corolla Cross",
    ],
    "Honda": [
        "N-BOX", "N-WGN", "Fit", "Freed", "Vezel", "Step WGN", "Civic", "Accord", "Odyssey",
        "S660",
    ],
    "Nissan": [
        "Serena", "Note", "X-Trail", "Skyline", "Dayz", "Moco", "Roox", "GT-R", "Fairlady Z",
        "Elgrand",
    ],
    "Daihatsu": ["Tanto", "Move", "Mira", "Hijet"],
    "Suzuki": ["Wagon R", "Spacia", "Jimny", "Hustler", "Swift", "Alto", "Every"],
    "Mazda": ["Demio", "Mazda2", "CX-5", "CX-8", "Roadster"],
    "Subaru": ["Impreza", "Forester", "Levorg", "Legacy", "Outback", "BRZ"],
    "Mitsubishi": ["Delica D:5", "eK Wagon", "Pajero"],
    "Lexus": ["LS", "RX", "NX", "IS", "CT", "UX", "ES", "GS", "LX"],
    "BMW": [
        "1 Series", "2 Series", "3 Series", "4 Series", "5 Series", "6 Series", "7 Series",
        "8 Series", "X1", "X2", "X3", "X4", "X5", "X6", "X7", "Z4", "i3",
    ],
    "Mercedes-Benz": [
        "A-Class", "B-Class", "C-Class", "E-Class", "S-Class", "G-Class", "V-Class", "GLA",
        "GLC", "GLE", "CLA", "CLS", "SL",
    ],
    "Volkswagen": ["Golf", "Polo", "T-Roc", "Passat", "The Beetle"],
    "Audi": ["A3", "A4", "A6", "Q3", "Q5", "TT"],
    "MINI": ["Hatch", "Clubman", "Crossover"],
    "Porsche": ["911", "Cayenne", "Macan", "Boxster"],
    "Volvo": ["XC40", "XC60", "XC90", "V40", "V60"],
    "Jeep": ["Wrangler", "Compass", "Renegade"],
}  # fmt: skip


@pytest.mark.parametrize("make", sorted(REQUIRED_MODELS))
def test_the_common_models_are_covered(make: str) -> None:
    assert set(REQUIRED_MODELS[make]) <= set(models_of(make))


def test_covers_at_least_150_models() -> None:
    models = {(make.en, model) for make in MAKES for model in models_of(make.en)}
    assert len(models) >= 150


@pytest.mark.parametrize("make", MAKES, ids=lambda make: make.code)
def test_every_model_name_maps_to_itself(make: vocab.Make) -> None:
    for model in models_of(make.en):
        assert model_from_ja(make.en, model) == model


@pytest.mark.parametrize("text", UNKNOWN)
def test_unknown_model_is_none(text: str) -> None:
    assert model_from_ja("Toyota", text) is None


def test_models_are_scoped_to_their_make() -> None:
    assert model_from_ja("Toyota", "3シリーズ") is None
    assert model_from_ja("No Such Make", "プリウス") is None
    assert models_of("No Such Make") == ()


# --- carsensor's catalogue -------------------------------------------------------------------

CATALOGUE = Path(__file__).resolve().parents[3] / "shared" / "carsensor-data" / "catalog.jsonl"
# Codes the first dictionary gave to the wrong maker: carsensor's maker for each.
CORRECTED = {
    "AU": "Austin", "AD": "Audi", "LA": "Lancia", "LG": "Lamborghini", "MC": "Smart",
    "ML": "McLaren", "CA": "Cadillac", "CT": "Caterham", "BU": "Buick", "BG": "Bugatti",
    "MR": "Morris", "MY": "Maybach", "MM": "Mercedes-Maybach", "UT": "Toyota USA",
}  # fmt: skip


def test_every_maker_is_named_once_under_a_unique_code() -> None:
    assert len({make.code for make in MAKES}) == len(MAKES) == 111
    assert all(re.fullmatch(r"[A-Z]{2}", make.code) for make in MAKES)
    assert len({make.en for make in MAKES}) == len(MAKES)
    assert all(make.en and make.ja for make in MAKES)
    assert sum(make.major for make in MAKES) == 15


@pytest.mark.parametrize(("code", "en"), sorted(CORRECTED.items()))
def test_the_codes_once_wrong_are_carsensors(code: str, en: str) -> None:
    make = make_by_code(code)
    assert make is not None and make.en == en


def test_every_model_code_is_unique_and_under_its_maker() -> None:
    codes = [model.code for model in vocab.MODELS if model.code]
    assert len(codes) == len(set(codes))
    makers = {make.en: make.code for make in MAKES}
    for model in vocab.MODELS:
        assert model.en and (model.ja or model.aliases or not model.code)
        if model.code:
            assert re.fullmatch(rf"{makers[model.make]}_S\d{{3}}", model.code), model


def test_catalogue_body_types_map_onto_ours() -> None:
    assert vocab.catalogue_body_type("Toyota", "Prius") == "hatchback"
    assert vocab.catalogue_body_type("Toyota", "Alphard") == "minivan"
    assert vocab.catalogue_body_type("Toyota", "No Such Model") is None
    stated = [model for model in vocab.MODELS if model.body_type_ja]
    assert stated and all(body_type_from_ja(m.body_type_ja) != "other" or m.body_type_ja == "その他"
                          for m in stated)  # fmt: skip


@pytest.mark.skipif(not CATALOGUE.exists(), reason="../shared/carsensor-data is not there")
def test_the_dictionary_holds_carsensors_catalogue() -> None:
    rows = [json.loads(line) for line in CATALOGUE.read_text(encoding="utf-8").splitlines()]
    named = {
        row["carsensor_code"].split("_")[0]: row["maker"].split(")(")[-1]
        for row in rows
        if row["maker"]
    }
    assert {code: make_from_ja(ja) for code, ja in named.items()} == {
        code: make_by_code(code) for code in named
    }
    ours = {model.code: model for model in vocab.MODELS if model.code}
    major = {make.code for make in MAKES if make.major}
    for row in rows:
        code = row["carsensor_code"]
        if code.split("_")[0] in major and not code.endswith("_S999"):
            model = ours[code]
            assert model_from_ja(model.make, row["model_name"]) == model.en


def test_a_maker_or_model_met_for_the_first_time_is_not_guessed() -> None:
    assert make_from_ja("米国トヨタ") is make_by_code("UT")
    assert model_from_ja("Toyota USA", "タンドラ") == "Tundra"
    assert model_from_ja("Toyota", "タンドラ") is None  # carsensor lists it under UT
    assert make_from_ja("キア") is None


# --- colours ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "color"),
    [
        ("黒Ｍ", "black"), ("黒", "black"), ("ブラック", "black"), ("ブラックマイカ", "black"),
        ("灰", "gray"), ("灰Ｍ", "gray"), ("ガンメタ", "gray"), ("ダークグレーM", "gray"),
        ("アッシュ", "gray"),
        ("白", "white"), ("白Ｐ", "white"), ("パールホワイト", "white"),
        ("ホワイトパール", "white"), ("パールホワイトⅢ", "white"), ("パール", "white"),
        ("ホワイトパールクリスタルシャイン", "white"),
        ("シルバー", "silver"), ("銀", "silver"), ("銀II", "silver"),
        ("シルバーメタリック", "silver"),
        ("赤", "red"), ("レッド", "red"), ("ワインレッドM", "red"),
        ("青", "blue"), ("ブルー", "blue"), ("紺", "blue"), ("ダークブルー", "blue"),
        ("ダークブルーマイカM", "blue"),
        ("緑", "green"), ("黄", "yellow"), ("橙", "orange"), ("オレンジ", "orange"),
        ("茶", "brown"), ("ブラウン", "brown"), ("ベージュ", "beige"),
        ("金", "gold"), ("ゴールド", "gold"), ("紫", "purple"), ("パープル", "purple"),
        ("ピンク", "pink"),
        ("ホワイト/ブラック 2トーン", "white"), ("白／黒", "white"), ("ブラック・レッド", "black"),
        ("（アッシュ）", "gray"),
        ("その他", "other"), ("マルチカラー", "other"), ("ツートン", "other"), ("M", "other"),
    ],
)  # fmt: skip
def test_color_examples(text: str, color: str) -> None:
    assert color_from_ja(text) == color


# --- body types -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("セダン", "sedan"), ("ハッチバック", "hatchback"), ("コンパクトカー", "hatchback"),
        ("SUV・クロカン", "suv"), ("クロカン・ＳＵＶ", "suv"), ("ミニバン", "minivan"),
        ("ワンボックス", "minivan"), ("ステーションワゴン", "wagon"), ("クーペ", "coupe"),
        ("オープン", "convertible"), ("オープンカー", "convertible"), ("軽自動車", "kei"),
        ("軽-ハイトワゴン", "kei"), ("軽トラック", "kei"), ("トラック", "truck"),
        ("ピックアップトラック", "truck"), ("商用車・バン", "van"), ("バン", "van"),
        ("キャンピングカー", "other"), ("ハイブリッド", "other"), ("その他", "other"),
    ],
)  # fmt: skip
def test_body_type_examples(text: str, body: str) -> None:
    assert body_type_from_ja(text) == body


# --- fuels ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fuel"),
    [
        ("ガソリン", "gasoline"), ("軽油", "diesel"), ("ディーゼル", "diesel"),
        ("クリーンディーゼル", "diesel"), ("ハイブリッド", "hybrid"),
        ("ハイブリッド(ガソリン)", "hybrid"), ("ハイブリッド（軽油）", "hybrid"),
        ("マイルドハイブリッド", "hybrid"), ("プラグインハイブリッド", "hybrid"),
        ("電気", "electric"), ("EV", "electric"), ("ＥＶ", "electric"),
        ("電気自動車", "electric"), ("水素", "other"), ("LPG", "other"), ("CNG", "other"),
        ("その他", "other"),
    ],
)  # fmt: skip
def test_fuel_examples(text: str, fuel: str) -> None:
    assert fuel_from_ja(text) == fuel


# --- transmissions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "gearbox"),
    [
        ("フロアMTモード付7AT", "automatic"),  # an automatic with a manual mode
        ("インパネCVT", "cvt"), ("フロアCVT", "cvt"), ("CVT(MTモード付)", "cvt"),
        ("フロア6MT", "manual"), ("フロアMT", "manual"), ("5MT", "manual"),
        ("コラムAT", "automatic"), ("フロア8AT", "automatic"), ("インパネAT", "automatic"),
        ("フロア６ＡＴ", "automatic"), ("7DCT", "automatic"), ("フロア7速AT", "automatic"),
        ("AT", "automatic"), ("ＭＴ", "manual"), ("無段変速", "cvt"),
        ("その他", None), ("シーケンシャル", None),
    ],
)  # fmt: skip
def test_transmission_examples(text: str, gearbox: str | None) -> None:
    assert transmission_from_ja(text) == gearbox


# --- every answer is in its enum -----------------------------------------------------------

SAMPLES = UNKNOWN + [
    "黒Ｍ", "パールホワイト", "セダン", "軽-ハイトワゴン", "ハイブリッド(ガソリン)",
    "フロアMTモード付7AT", "インパネCVT", "5MT", "ガンメタ", "(", "/", "・", "MTモード付",
]  # fmt: skip


@pytest.mark.parametrize("text", SAMPLES)
def test_every_answer_is_in_its_enum(text: str) -> None:
    assert color_from_ja(text) in COLORS
    assert body_type_from_ja(text) in BODY_TYPES
    assert fuel_from_ja(text) in FUELS
    assert transmission_from_ja(text) in (*TRANSMISSIONS, None)


@pytest.mark.parametrize("text", UNKNOWN)
def test_unknown_values_are_other_or_none(text: str) -> None:
    assert color_from_ja(text) == "other"
    assert body_type_from_ja(text) == "other"
    assert fuel_from_ja(text) == "other"
    assert transmission_from_ja(text) is None


# --- the tables guard themselves ---------------------------------------------------------------


def test_a_key_claimed_by_two_values_is_rejected() -> None:
    with pytest.raises(ValueError, match="maps to both"):
        vocab._keyed([("プリウス", "Prius"), ("プリウス", "Aqua")])
    assert vocab._keyed([("プリウス", "Prius"), ("プリウス", "Prius")]) == {"プリウス": "Prius"}


def test_a_value_outside_the_enum_is_rejected() -> None:
    with pytest.raises(ValueError, match="values outside"):
        vocab._index({"白": "whiteish"}, COLORS)
