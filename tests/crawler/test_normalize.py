"""The normalisers on the issue's real examples and on edge cases."""

import pytest

from crawler import normalize


@pytest.mark.parametrize(
    ("text", "yen"),
    [
        ("201.6", 2_016_000),
        ("63", 630_000),
        ("63万円", 630_000),
        ("３２３.９", 3_239_000),
        ("1,234.5", 12_345_000),
        ("0.1", 1_000),
        ("198万円", 1_980_000),
        ("198.0万円", 1_980_000),
        ("1,980,000円", 1_980_000),
        ("１，９８０，０００円", 1_980_000),
        ("¥1,980,000", 1_980_000),
        ("応談", None),
        ("---", None),
        ("―", None),
        ("", None),
        (None, None),
    ],
)
def test_man_yen_to_yen(text: str | None, yen: int | None) -> None:
    assert normalize.man_yen_to_yen(text) == yen


@pytest.mark.parametrize("text", ["ab.c", "12.3.4", "価格", "12a.3", "198円万", "円"])
def test_garbled_price_raises(text: str) -> None:
    with pytest.raises(ValueError, match="price"):
        normalize.man_yen_to_yen(text)


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2019(H31)", 2019),
        ("2019(R01)", 2019),
        ("２０１９(Ｒ０１)", 2019),
        ("H31", 2019),
        ("R01", 2019),
        ("R1", 2019),
        ("R05", 2023),
        ("H1", 1989),
        ("S63", 1988),
        ("令和元年", 2019),
        ("平成30年", 2018),
        ("2023年", 2023),
        ("不明", None),
        ("", None),
    ],
)
def test_era_year(text: str, year: int | None) -> None:
    assert normalize.era_year(text) == year


@pytest.mark.parametrize("text", ["X99", "12", "3019"])
def test_garbled_year_raises(text: str) -> None:
    with pytest.raises(ValueError, match="year"):
        normalize.era_year(text)


@pytest.mark.parametrize(
    ("text", "km"),
    [
        ("2.7万km", 27_000),
        ("510km", 510),
        ("9km", 9),
        ("2万km", 20_000),
        ("1.4万ｋｍ", 14_000),
        ("1,000km", 1_000),
        ("12.55万km", 125_500),
        ("3.5万km(メーター交換車)", 35_000),
        ("3.5万km（メーター交換車）", 35_000),
        ("8.2万km（走行不明）", 82_000),
        ("1.2万km ※メーター交換", 12_000),
        ("４５０００ｋｍ【メーター交換歴あり】", 45_000),
        ("不明", None),
        ("（走行不明）", None),
        ("―", None),
        (None, None),
    ],
)
def test_mileage_km(text: str | None, km: int | None) -> None:
    assert normalize.mileage_km(text) == km


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("3.5万km(メーター交換車)", "(メーター交換車)"),
        ("8.2万km（走行不明）", "(走行不明)"),
        ("1.2万km ※メーター交換", "※メーター交換"),
        ("2.7万km", None),
        ("不明", None),
        ("many km (x)", None),
        (None, None),
    ],
)
def test_mileage_note_is_the_annotation_of_a_readable_mileage(
    text: str | None, note: str | None
) -> None:
    assert normalize.mileage_note(text) == note


@pytest.mark.parametrize("text", ["2.7万", "many km", "km", "2.7万km超", "(メーター交換車)3.5万km"])
def test_garbled_mileage_raises(text: str) -> None:
    with pytest.raises(ValueError, match="mileage"):
        normalize.mileage_km(text)


@pytest.mark.parametrize(
    ("text", "cc"),
    [
        ("3000CC", 3000),
        ("660cc", 660),
        ("２０００ＣＣ", 2000),
        ("-", None),
        ("―", None),  # U+2015 horizontal bar, as carsensor prints "not given"
        ("—", None),  # U+2014 em dash
        ("–", None),  # U+2013 en dash
        ("‐", None),  # U+2010 hyphen
        ("−", None),  # U+2212 minus sign
        ("－", None),  # full-width hyphen-minus
        ("ｰ", None),  # half-width katakana long vowel mark
        ("──", None),  # box-drawing bars
        ("―CC", None),
        ("0CC", None),
        ("０ｃｃ", None),
        ("0", None),
    ],
)
def test_engine_cc(text: str, cc: int | None) -> None:
    assert normalize.engine_cc(text) == cc


@pytest.mark.parametrize("text", ["2.0L", "1500―", "EV?"])
def test_garbled_engine_raises(text: str) -> None:
    with pytest.raises(ValueError, match="displacement"):
        normalize.engine_cc(text)


@pytest.mark.parametrize(
    ("text", "value"), [("なし", False), ("あり", True), ("不明", None), (None, None)]
)
def test_repair_history(text: str | None, value: bool | None) -> None:
    assert normalize.repair_history(text) is value


@pytest.mark.parametrize(("text", "value"), [("5名", 5), ("５Ｄ", 5), ("4ドア", 4), ("-", None)])
def test_leading_int(text: str, value: int | None) -> None:
    assert normalize.leading_int(text) == value


def test_fold_full_width_and_spaces() -> None:
    assert normalize.fold("ＢＭＷ\u3000３シリーズ\xa0 320i") == "BMW 3シリーズ 320i"
