"""Start URLs and their scopes, and the verdict a list walk's evidence gives: pure logic."""

import pytest

from crawler.items import CarItem
from crawler.lists import ListTarget, Walk, list_target
from crawler.parsing import ListPage

SITE = "https://www.carsensor.net"


@pytest.mark.parametrize(
    ("path", "maker", "scope"),
    [
        ("/usedcar/index.html", None, "all"),
        ("/usedcar/", None, "all"),
        ("/usedcar/index.html?SORT=19", None, "all"),  # a sort reorders, it does not narrow
        ("/usedcar/bTO/index.html", "TO", "TO"),
        ("/usedcar/bAD/", "AD", "AD"),
        ("/usedcar/bUT/index.html", "UT", "UT"),
        ("/usedcar/bTO/index2.html", "TO", None),  # from page 2 on: not the whole maker
        ("/usedcar/bTO/s122/index.html", "TO", None),  # a model
        ("/usedcar/bBM/s033/f002/", "BM", None),  # a grade
        ("/usedcar/bBM/s033/f002/index.html?SORT=1", "BM", None),
        ("/usedcar/tokyo/index2.html", None, None),  # a prefecture
        ("/usedcar/hokkaido/index.html", None, None),
        ("/usedcar/bHO/s083/spH/", "HO", None),
        ("/usedcar/spK/index1.html", None, None),
        ("/usedcar/bTO/index.html?YMIN=2014", "TO", None),  # a query that narrows
    ],
)
def test_every_allowed_list_path_is_a_start_url_with_its_scope(
    path: str, maker: str | None, scope: str | None
) -> None:
    assert list_target(SITE + path) == ListTarget(SITE + path, maker, scope)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "/usedcar/search.php?CARC=TO_S122",
            "robots.txt forbids it (Disallow: /usedcar/search.php)",
        ),
        ("/usedcar/inquiry_mm.php?BKKN=AU1", "robots.txt forbids it (Disallow: /usedcar/inquiry)"),
        ("/usedcar/mylist.php", "(Disallow: /usedcar/mylist)"),
        ("/usedcar/detail/AU6877255381/index.html", "a detail page"),
        ("/shop/tokyo/000000001/", "not a used-car list page"),
        ("/usedcar/bTO/list.php", "not a list page"),
        ("/usedcar/bXX/index.html", "bXX is no maker code carsensor uses"),
    ],
)
def test_a_refused_start_url_says_why(path: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + SITE) as refused:
        list_target(SITE + path)
    assert message in str(refused.value)


def page(ids: list[str], **pager: object) -> ListPage:
    return ListPage(cards=[CarItem(external_id=i) for i in ids], **pager)  # type: ignore[arg-type]


def walk(scope: str | None = "TO") -> Walk:
    return Walk(ListTarget(f"{SITE}/usedcar/bTO/index.html", "TO", scope))


def verdict(state: Walk, active_before: int | None = None) -> str | None:
    return state.verdict(active_before=active_before, total_share=0.98, active_share=0.9)


def test_a_walk_that_read_every_page_and_reached_the_total_is_complete() -> None:
    state = walk()
    state.read(1, page([f"AU{n}" for n in range(30)], last_page=2, total=50))
    state.read(2, page([f"AU{n}" for n in range(30, 50)], last_page=2, is_last=True))
    assert verdict(state) is None


def test_the_total_needs_98_percent_of_its_cards() -> None:
    state = walk()
    state.read(1, page([f"AU{n}" for n in range(97)], is_last=True, total=100))
    assert verdict(state) == "97 cards seen of the 100 the site states"
    state.read(1, page(["AU97"], is_last=True, total=100))
    assert verdict(state) is None


def test_without_a_total_the_listings_active_before_are_the_yardstick() -> None:
    state = walk()
    state.read(1, page([f"AU{n}" for n in range(89)], is_last=True))
    assert verdict(state, active_before=100) == (
        "89 cards seen of the 100 listings active before the crawl"
    )
    assert verdict(state, active_before=98) is None
    assert verdict(state, active_before=None) is None  # a first crawl has nothing to compare


def test_a_page_the_pager_promised_but_nobody_read_makes_it_incomplete() -> None:
    state = walk()
    state.read(1, page(["AU1"], last_page=9))
    state.read(2, page(["AU2"], last_page=9))
    state.read(9, page(["AU9"], last_page=9, is_last=True))
    assert verdict(state) == "pages 3, 4, 5, 6, 7 and 1 more of 9 were not read"


def test_a_list_that_never_ended_or_met_a_problem_is_incomplete() -> None:
    state = walk()
    state.read(1, page(["AU1"]))
    assert verdict(state) == "the list never reached a last page"
    state.fail("empty_page on page 2")
    state.fail("a later problem")
    state.ended = True
    assert verdict(state) == "empty_page on page 2"


def test_labels_name_the_scope_or_the_url() -> None:
    assert walk().label == "TO"
    assert walk(None).label == f"{SITE}/usedcar/bTO/index.html"
