"""core.lexicon and core.prefectures: aliases read as canonical names, places in three languages."""

import pytest

from core.filters import search_terms
from core.lexicon import canonical_query
from core.prefectures import CITIES, PREFECTURES, prefecture_by_ja


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("приус", "Prius"),
        ("Приуса 2015", "Prius 2015"),
        ("ланд крузер прадо", "Land Cruiser Prado"),
        ("ленд крузер", "Land Cruiser"),
        ("крузак прадо", "Land Cruiser Prado"),
        ("ランクル", "Land Cruiser"),
        ("ランクルプラド", "Land Cruiser Prado"),
        ("ゲレンデヴァーゲン", "G-Class"),
        ("ベンツ", "Mercedes-Benz"),
        ("мерс е класс", "Mercedes-Benz E-Class"),
        ("бмв х5", "BMW x5"),  # a Cyrillic х before a digit is the Latin x
        ("тойота рафик", "Toyota RAV4"),  # slang beside its make
        ("Toyota рафик", "toyota RAV4"),
        ("рафик", "рафик"),  # …and not alone
        ("prius", "prius"),  # canonical names and unknown words stay as typed (folded)
        ("中古 プリウス", "中古 プリウス"),
        ("приусник", "приусник"),  # not inside a longer word
        ("ミニバン", "ミニバン"),  # ミニ (MINI) is no word of ミニバン
    ],
)
def test_aliases_become_canonical_names(typed: str, read: str) -> None:
    assert canonical_query(typed) == read


def test_search_terms_are_each_once_and_at_most_eight() -> None:
    assert search_terms("крузак Land Cruiser") == ["Land", "Cruiser"]
    assert search_terms(" ".join(f"w{n}" for n in range(12))) == [f"w{n}" for n in range(8)]
    assert search_terms(None) == search_terms("   ") == []


def test_47_prefectures_each_named_once_in_every_language() -> None:
    assert len(PREFECTURES) == 47
    for names in zip(*((p.ja, p.en, p.ru) for p in PREFECTURES), strict=True):
        assert len(set(names)) == 47
    assert all(p.ja[-1] in "都道府県" for p in PREFECTURES)
    assert set(CITIES) <= {p.ja for p in PREFECTURES}


def test_a_prefecture_is_found_by_its_listed_name() -> None:
    osaka = prefecture_by_ja("大阪府")
    assert osaka is not None and (osaka.en, osaka.ru, osaka.short) == ("Osaka", "Осака", "大阪")
    hokkaido = prefecture_by_ja("北海道")
    assert hokkaido is not None and hokkaido.short == "北海道"
    assert prefecture_by_ja("大阪") is None and prefecture_by_ja(None) is None
