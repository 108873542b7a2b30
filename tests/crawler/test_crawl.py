"""The real `scrapy crawl carsensor`, in a subprocess, against the local replay site."""

import os
import shutil
import signal
import subprocess
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from core.models import Car, CarPriceHistory, CrawlRun, utcnow
from replay import ROOT
from replay.crawl import crawl_command, crawl_env, run_crawl
from replay.site import FakeCar, Fault, ReplaySite, make_catalog

pytestmark = pytest.mark.slow


def bmw() -> FakeCar:
    """A car whose every stored value the test spells out."""
    return FakeCar(
        external_id="AU1000000001", make_ja="ＢＭＷ", make_code="BM", model_ja="3シリーズ",
        model_code="s901", grade="320i Mスポーツ", catch="ワンオーナー 禁煙車", year=2019,
        era="H31", mileage="2.7万km", price_man="201.6", total_man="215.3", body_ja="セダン",
        color_ja="黒Ｍ", mission_ja="フロアMTモード付7AT", displacement="2000CC",
        inspection="2026(R08)年07月", repair="なし", prefecture="東京都", city="世田谷区",
        shop_name="テスト自動車 世田谷店", shop_path="/shop/tokyo/000000001/", fuel_ja="ガソリン",
        drive_ja="2WD", seats="5名", doors="4D",
        photos=["//ccsrpcma.carsensor.net/CSphoto/bkkn/901/AU1_001L.JPG",
                "//ccsrpcma.carsensor.net/CSphoto/bkkn/901/AU1_002L.JPG"],
    )  # fmt: skip


def benz() -> FakeCar:
    """A car with the awkward values: 応談, no total, 不明 mileage, R01."""
    return FakeCar(
        external_id="AU1000000002", make_ja="メルセデス・ベンツ", make_code="ME",
        model_ja="Vクラス", model_code="s902", grade="V220d", catch="", year=2019, era="R01",
        mileage="不明",
        price_man=None, total_man=None, body_ja="ミニバン", color_ja="灰",
        mission_ja="インパネCVT", displacement="3000CC", inspection="車検整備付", repair="あり",
        prefecture="大阪府", city="大阪市", shop_name="テスト商会", shop_path="/shop/osaka/2/",
        fuel_ja="軽油", drive_ja="4WD", seats="7名", doors="5D",
        photos=["//ccsrpcma.carsensor.net/CSphoto/bkkn/902/AU2_001L.JPG"],
    )  # fmt: skip


@pytest.fixture
def cars() -> list[FakeCar]:
    """72 cars: three list pages of 30, 30 and 12."""
    catalog = make_catalog(70, seed=7)
    return catalog[:5] + [bmw()] + catalog[5:40] + [benz()] + catalog[40:]


def stored(engine: Engine) -> dict[str, Car]:
    with engine.connect() as conn:
        rows = conn.execute(select(Car)).all()
    return {row.external_id: row for row in rows}  # type: ignore[misc]


def count(engine: Engine, model: type[Car] | type[CarPriceHistory]) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def yen(man: str | None) -> int | None:
    return None if man is None else int(Decimal(man) * 10_000)


def test_crawl_stores_every_field_then_recrawls_incrementally(
    db_url: str, engine: Engine, site: ReplaySite, cars: list[FakeCar], tmp_path: Path
) -> None:
    first = run_crawl(db_url, site.base_url, tmp_path)
    assert first.returncode == 0, first.log[-4000:]
    rows = stored(engine)
    assert len(rows) == 72
    assert first.stat("list/pages") == 3 and first.stat("store/items_stored") == 72
    assert site.count("/usedcar/detail/") == 72
    assert site.count("/usedcar/search.php") == 0
    assert count(engine, CarPriceHistory) == 72

    car = rows["AU1000000001"]
    assert car.source == "carsensor"
    assert car.url == f"{site.base_url}/usedcar/detail/AU1000000001/index.html"
    assert (car.make, car.make_ja, car.make_code) == ("BMW", "BMW", "BM")
    assert (car.model, car.model_ja, car.grade) == ("3 Series", "3シリーズ", "320i Mスポーツ")
    assert (car.year, car.mileage_km, car.engine_cc) == (2019, 27_000, 2000)
    assert (car.price_jpy, car.total_price_jpy) == (2_016_000, 2_153_000)
    assert (car.transmission, car.transmission_ja) == ("automatic", "フロアMTモード付7AT")
    assert (car.body_type, car.body_type_ja) == ("sedan", "セダン")
    assert (car.color, car.color_ja) == ("black", "黒M")
    assert (car.fuel, car.fuel_ja, car.drive, car.seats, car.doors) == (
        "gasoline", "ガソリン", "2WD", 5, 4,
    )  # fmt: skip
    assert (car.repair_history, car.inspection) == (False, "2026(R08)年07月")
    assert (car.prefecture, car.city, car.shop_name) == (
        "東京都",
        "世田谷区",
        "テスト自動車 世田谷店",
    )
    assert car.shop_url == f"{site.base_url}/shop/tokyo/000000001/"
    assert car.image_url == "https://ccsrpcma.carsensor.net/CSphoto/bkkn/901/AU1_001L.JPG"
    assert car.photos == [
        "https://ccsrpcma.carsensor.net/CSphoto/bkkn/901/AU1_001L.JPG",
        "https://ccsrpcma.carsensor.net/CSphoto/bkkn/901/AU1_002L.JPG",
    ]
    assert car.is_active and car.detail_fetched_at is not None
    assert car.first_seen_at.tzinfo is not None

    odd = rows["AU1000000002"]
    assert (odd.make, odd.model, odd.year) == ("Mercedes-Benz", "V-Class", 2019)
    assert (odd.price_jpy, odd.total_price_jpy, odd.mileage_km) == (None, None, None)
    assert (odd.color, odd.transmission, odd.fuel, odd.body_type) == (
        "gray", "cvt", "diesel", "minivan",
    )  # fmt: skip
    assert (odd.engine_cc, odd.repair_history, odd.seats) == (3000, True, 7)

    for fake in cars:
        row = rows[fake.external_id]
        assert (row.price_jpy, row.total_price_jpy) == (yen(fake.price_man), yen(fake.total_man))
        assert row.year == fake.year
        assert row.prefecture == fake.prefecture and row.shop_name == fake.shop_name

    # Second crawl: one price changes; only that listing gets a detail request.
    updated_before = {k: v.updated_at for k, v in rows.items()}
    changed = cars[20]
    changed.price_man, changed.total_man = "99.9", "109.9"
    requests_before = len(site.requests)
    details_before = site.count("/usedcar/detail/")
    second = run_crawl(db_url, site.base_url, tmp_path)
    assert second.returncode == 0, second.log[-4000:]
    assert site.count("/usedcar/detail/") - details_before == 1
    rows = stored(engine)
    assert len(rows) == 72
    assert (rows[changed.external_id].price_jpy, rows[changed.external_id].total_price_jpy) == (
        999_000, 1_099_000,
    )  # fmt: skip
    assert count(engine, CarPriceHistory) == 73
    moved = {k for k, v in rows.items() if v.updated_at != updated_before[k]}
    assert moved == {changed.external_id}
    # robots.txt, 3 list pages and 1 detail page for 72 stored listings.
    assert len(site.requests) - requests_before <= 5


def test_faults_are_retried_and_everything_is_stored(
    db_url: str, engine: Engine, site: ReplaySite, cars: list[FakeCar], tmp_path: Path
) -> None:
    detail = "/usedcar/detail/{}/index.html".format
    site.add_fault("/usedcar/index.html", Fault(truncate_html=True))
    site.add_fault("/usedcar/index2.html", Fault(status=500))
    site.add_fault("/usedcar/index2.html", Fault(status=503))
    site.add_fault("/usedcar/index3.html", Fault(status=429, retry_after=1))
    site.add_fault(detail(cars[0].external_id), Fault(delay=5))  # beyond DOWNLOAD_TIMEOUT
    site.add_fault(detail(cars[1].external_id), Fault(truncate=True))
    site.add_fault(detail(cars[2].external_id), Fault(status=500))
    started = time.monotonic()
    result = run_crawl(db_url, site.base_url, tmp_path)
    assert result.returncode == 0, result.log[-4000:]
    assert len(stored(engine)) == 72
    assert all(row.detail_fetched_at for row in stored(engine).values())
    assert site.count("/usedcar/index.html") == 2
    assert site.count("/usedcar/index2.html") == 3
    assert site.count("/usedcar/index3.html") == 2
    assert result.stat("retry/count") >= 6
    assert result.stat("retry/reason_count/retry_after_429") == 1
    assert time.monotonic() - started >= 1  # the Retry-After second was honoured
    assert result.stat("list/truncated") == 0 and result.stat("details/failed") == 0


def test_bad_cards_are_dropped_and_gone_listings_marked_inactive(
    db_url: str, engine: Engine, cars: list[FakeCar], tmp_path: Path
) -> None:
    cars[3].malformed = "no_id"
    cars[4].malformed = "garbled_price"
    cars[7].redirect_detail = True
    with ReplaySite(cars) as site:
        site.add_fault(f"/usedcar/detail/{cars[8].external_id}/index.html", Fault(status=404))
        result = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=all")
    assert result.returncode == 0, result.log[-4000:]
    rows = stored(engine)
    assert len(rows) == 71
    assert result.stat("item_dropped_reasons_count/missing_external_id") == 1
    # A garbled price no longer costs the listing: NULL, with the page's text kept.
    garbled = rows[cars[4].external_id]
    assert (garbled.price_jpy, garbled.raw_values) == (None, {"price_jpy": "12a.3"})
    assert garbled.total_price_jpy == yen(cars[4].total_man)
    assert garbled.detail_fetched_at is not None
    assert result.stat("normalize/unreadable/price_jpy") == 1
    assert result.stat("item_dropped_reasons_count/garbled_price_jpy") == 0
    assert f"unreadable price_jpy of {cars[4].external_id}: '12a.3'" in result.log
    assert not rows[cars[7].external_id].is_active
    assert not rows[cars[8].external_id].is_active
    assert sum(row.is_active for row in rows.values()) == 69
    assert site.count("/usedcar/search.php") == 0
    assert site.count("/usedcar/lease/") == 0


def test_a_detail_page_that_does_not_parse_is_fetched_again_by_the_next_crawl(
    db_url: str, engine: Engine, site: ReplaySite, cars: list[FakeCar], tmp_path: Path
) -> None:
    pages = Path(__file__).parent / "pages"
    captcha = (pages / "detail_captcha.html").read_text()
    truncated = (pages / "detail_truncated.html").read_text()
    detail = "/usedcar/detail/{}/index.html".format
    blocked, cut, once = cars[5], cars[10], cars[11]
    assert blocked.external_id == bmw().external_id
    for _ in range(4):  # the first answer and all RETRY_TIMES=3 retries, each a 200
        site.add_fault(detail(blocked.external_id), Fault(body=captcha))
        site.add_fault(detail(cut.external_id), Fault(body=truncated))
    site.add_fault(detail(once.external_id), Fault(body=captcha))  # its retry gets the page

    first = run_crawl(db_url, site.base_url, tmp_path)
    assert first.returncode == 0, first.log[-4000:]
    rows = stored(engine)
    assert len(rows) == 72
    for fake in (blocked, cut):
        row = rows[fake.external_id]
        # The list data is stored; nothing of the non-page is, and it is not marked fetched.
        assert (row.price_jpy, row.year) == (yen(fake.price_man), fake.year)
        assert (row.fuel, row.drive, row.seats, row.photos) == (None, None, None, None)
        assert row.detail_fetched_at is None
        assert site.count(detail(fake.external_id)) == 4
        assert f"detail {site.base_url}{detail(fake.external_id)} did not parse" in first.log
    assert rows[once.external_id].detail_fetched_at is not None
    assert first.stat("details/unparsed") == 2 and first.stat("details/fetched") == 70
    assert first.stat("details/failed") == 2
    assert first.stat("retry/reason_count/detail_unparsed") == 3 + 3 + 1

    second = run_crawl(db_url, site.base_url, tmp_path)
    assert second.returncode == 0, second.log[-4000:]
    assert second.stat("details/fetched") == 2 and second.stat("details/unparsed") == 0
    assert site.count(detail(blocked.external_id)) == site.count(detail(cut.external_id)) == 5
    rows = stored(engine)
    car = rows[blocked.external_id]
    assert (car.fuel, car.drive, car.seats, car.doors) == ("gasoline", "2WD", 5, 4)
    assert car.detail_fetched_at is not None and car.photos is not None
    row = rows[cut.external_id]
    assert (row.fuel_ja, row.drive, row.seats) == (cut.fuel_ja, cut.drive_ja, int(cut.seats[0]))
    assert row.detail_fetched_at is not None


def test_only_a_complete_crawl_marks_unseen_listings_inactive(
    db_url: str, engine: Engine, site: ReplaySite, cars: list[FakeCar], tmp_path: Path
) -> None:
    assert run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none").returncode == 0
    with engine.begin() as conn:
        conn.execute(update(Car).values(last_seen_at=utcnow() - timedelta(days=4)))
    gone = cars[-1]
    gone.listed = False

    cut_short = run_crawl(db_url, site.base_url, tmp_path, "-a", "max_pages=2")
    assert cut_short.returncode == 1 and cut_short.stat("list/max_pages_reached") == 1
    assert cut_short.stats["crawl/incomplete_reason"] == "all: stopped at max_pages=2"
    reason, summary = cut_short.log.rstrip().splitlines()[-2:]
    assert reason.endswith("crawl incomplete: all: stopped at max_pages=2")
    # details=new: the first crawl stored no details, so these 60 got theirs.
    assert summary.endswith(
        "crawl incomplete: 60 listings seen: 0 new, 60 changed, 0 unchanged, 0 gone, "
        "0 reappeared; details 60 fetched, 0 failed; 0 dropped"
    )
    assert all(row.is_active for row in stored(engine).values())

    complete = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
    assert complete.returncode == 0
    assert complete.stat("listings/gone") == 1
    inactive = {k for k, row in stored(engine).items() if not row.is_active}
    assert inactive == {gone.external_id}

    gone.listed = True
    assert run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none").returncode == 0
    assert stored(engine)[gone.external_id].is_active


def test_a_run_counts_what_its_listings_did_exactly(
    db_url: str, engine: Engine, site: ReplaySite, cars: list[FakeCar], tmp_path: Path
) -> None:
    """New, re-priced, unchanged, gone and reappeared listings, each counted once, and the last
    line of the crawl says so."""
    first = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
    assert first.returncode == 0
    assert (first.stat("listings/new"), first.stat("listings/unchanged")) == (72, 0)
    assert first.stat("pages/read") == first.stat("pages/expected") == 3

    removed, repriced = cars[10:14], cars[20:22]
    for car in removed:
        car.listed = False
    for car in repriced:
        car.price_man = f"{Decimal(car.price_man or '100') + Decimal('10.5')}"
    added = make_catalog(3, seed=8)
    site.cars += added
    site.by_id |= {car.external_id: car for car in added}
    for car in added:
        car.listed = True  # a new generation: the site's lists include them
    # The unseen may be swept only once they are older than CARSENSOR_STALE_AFTER_DAYS.
    with engine.begin() as conn:
        conn.execute(update(Car).values(last_seen_at=utcnow() - timedelta(days=4)))
    second = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
    assert second.returncode == 0, second.log[-3000:]
    counts = {k: second.stat(f"listings/{k}") for k in ("new", "changed", "unchanged", "gone")}
    assert counts == {"new": 3, "changed": 2, "unchanged": 72 - 4 - 2, "gone": 4}
    assert (
        second.log.rstrip()
        .splitlines()[-1]
        .endswith(
            "crawl finished: 71 listings seen: 3 new, 2 changed, 66 unchanged, 4 gone, "
            "0 reappeared; details 0 fetched, 0 failed; 0 dropped"
        )
    )

    removed[0].listed = True
    third = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
    assert (third.stat("listings/reappeared"), third.stat("listings/new")) == (1, 0)
    assert third.stat("listings/unchanged") == 71 and third.stat("listings/changed") == 0
    # Started by hand, each crawl recorded itself as a finished run when it ended.
    with engine.connect() as conn:
        runs = conn.execute(
            select(CrawlRun.shard, CrawlRun.status, CrawlRun.listings_new, CrawlRun.items_stored)
            .where(CrawlRun.finished_at.is_not(None), CrawlRun.progress_at.is_not(None))
            .order_by(CrawlRun.id)
        ).all()
    assert [run[:3] for run in runs] == [
        ("manual", "finished", 72),
        ("manual", "finished", 3),
        ("manual", "finished", 0),
    ]
    assert all(run.items_stored for run in runs)


def test_maker_crawl_without_pager_and_with_page_limit(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    cars = make_catalog(200, seed=11)
    toyotas = [c for c in cars if c.make_code == "TO"]
    with ReplaySite(cars, per_page=10, pager=False) as site:
        result = run_crawl(db_url, site.base_url, tmp_path, "-a", "makes=TO", "-a", "details=none")
        assert result.returncode == 0, result.log[-4000:]
        pages = -(-len(toyotas) // 10)
        # Without a pager the spider tries index{N+1}.html until the 404.
        assert site.count("/usedcar/bTO/") == pages + 1
        limited = run_crawl(
            db_url, site.base_url, tmp_path, "-a", "makes=TO,NI", "-a", "max_pages=1"
        )
        assert limited.stat("list/pages") == 2
    assert {row.make for row in stored(engine).values()} <= {"Toyota", "Nissan"}
    assert sum(row.make == "Toyota" for row in stored(engine).values()) == len(toyotas)


def test_database_down_fails_loudly_then_next_run_stores_everything(
    db_url: str, engine: Engine, site: ReplaySite, tmp_path: Path
) -> None:
    down = "postgresql+psycopg://postgres@127.0.0.1:1/nothing_listens_here"
    failed = run_crawl(down, site.base_url, tmp_path, settings={"STORE_RETRY_TIMES": "2"})
    assert failed.returncode == 1
    assert "database unreachable after 3 attempts" in failed.log
    assert failed.stat("store/failed_batches") == 1
    assert failed.stats["finish_reason"] == "store_failed"

    retried = run_crawl(db_url, site.base_url, tmp_path)
    assert retried.returncode == 0, retried.log[-4000:]
    assert len(stored(engine)) == 72


def test_sigkill_loses_at_most_the_unflushed_buffer(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    cars = make_catalog(300, seed=5)
    with ReplaySite(cars) as site:
        for page in range(3, 11):
            site.add_fault(f"/usedcar/index{page}.html", Fault(delay=1.0))
        command, _ = crawl_command(tmp_path, "-a", "details=none")
        process = subprocess.Popen(
            command, cwd=ROOT, env=crawl_env(db_url, site.base_url),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while count(engine, Car) < 40 and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        kept = count(engine, Car)
        assert 40 <= kept < 300
        again = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
        assert again.returncode == 0
    assert count(engine, Car) == 300


@pytest.mark.skipif(not shutil.which("chromium"), reason="Debian's chromium is not installed")
def test_playwright_renders_pages_in_chromium(db_url: str, engine: Engine, tmp_path: Path) -> None:
    with ReplaySite(make_catalog(12, seed=2)) as site:
        result = run_crawl(
            db_url, site.base_url, tmp_path, "-a", "details=none", "-a", "max_pages=1",
            settings={"CARSENSOR_PLAYWRIGHT": "True", "DOWNLOAD_TIMEOUT": "30"},
        )  # fmt: skip
    assert result.returncode == 0, result.log[-4000:]
    assert result.stat("playwright/page_count") >= 1
    assert len(stored(engine)) == 12


# --- pages that lie: a crawl that cannot show it saw everything marks nothing inactive --------

PAGES = Path(__file__).parent / "pages"
# The first answer and LIST_ANOMALY_RETRY_TIMES (3) retries see the fault; more are queued, since
# a slow machine's download timeouts (retried too) can take some of them.
PERSISTS = 4
QUEUED = 12


def age_every_listing(engine: Engine) -> None:
    """As if the last crawl was 4 days ago: every unseen listing is due for the stale sweep."""
    with engine.begin() as conn:
        conn.execute(update(Car).values(last_seen_at=utcnow() - timedelta(days=4)))


def active(engine: Engine) -> set[str]:
    return {k for k, row in stored(engine).items() if row.is_active}


@pytest.mark.parametrize(
    ("path", "page", "stat"),
    [
        ("/usedcar/index.html", "block_captcha.html", "list/anomaly/empty_page"),
        ("/usedcar/index3.html", "block_captcha.html", "list/anomaly/empty_page"),
        ("/usedcar/index2.html", "block_busy.html", "list/anomaly/empty_page"),
        ("/usedcar/index.html", "block_maintenance.html", "list/anomaly/empty_page"),
        ("/usedcar/index2.html", "list_empty.html", "list/anomaly/empty_page"),
        ("/usedcar/index.html", "layout", "list/anomaly/no_cards_under_pager"),
    ],
)
def test_a_page_that_lies_deactivates_nothing_and_the_next_clean_crawl_is_whole(
    db_url: str,
    engine: Engine,
    site: ReplaySite,
    cars: list[FakeCar],
    tmp_path: Path,
    path: str,
    page: str,
    stat: str,
) -> None:
    assert run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none").returncode == 0
    age_every_listing(engine)
    gone = cars[-1]
    gone.listed = False
    if page == "layout":
        site.layout = "carCard"  # a redesign: the cards' classes renamed, the pager intact
    else:
        for _ in range(QUEUED):
            site.add_fault(path, Fault(body=(PAGES / page).read_text()))

    fooled = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
    assert fooled.returncode == 1, fooled.log[-3000:]
    assert fooled.stat(stat) == 1
    assert fooled.stat("listings/gone") == 0
    reason = fooled.stats["crawl/incomplete_reason"]
    assert reason.startswith("all: ") and path.rsplit("/", 1)[1] in reason
    reason_line, summary = fooled.log.rstrip().splitlines()[-2:]
    assert "crawl incomplete: all: " in reason_line
    assert "crawl incomplete: " in summary and " listings seen: " in summary
    assert active(engine) == {car.external_id for car in cars}
    assert site.count(path) >= PERSISTS

    site.layout = "cassette"
    site.clear_faults()
    clean = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
    assert clean.returncode == 0, clean.log[-3000:]
    assert "crawl/incomplete_reason" not in clean.stats
    assert active(engine) == {car.external_id for car in cars} - {gone.external_id}
    assert clean.stat("listings/gone") == 1


def test_a_block_page_that_clears_within_the_retries_costs_nothing(
    db_url: str, engine: Engine, site: ReplaySite, cars: list[FakeCar], tmp_path: Path
) -> None:
    for _ in range(2):
        site.add_fault("/usedcar/index2.html", Fault(body=(PAGES / "block_busy.html").read_text()))
    result = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
    assert result.returncode == 0, result.log[-3000:]
    assert result.stat("retry/reason_count/empty_page") == 2
    assert len(active(engine)) == len(cars)


def test_a_script_driven_pager_is_walked_to_its_last_page(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    cars = make_catalog(95, seed=3)
    with ReplaySite(cars, per_page=10, pager="script") as site:
        result = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
        assert result.returncode == 0, result.log[-3000:]
        assert result.stat("list/pages") == 10
        assert site.count("/usedcar/index") == 10  # no page beyond the pager's last
    assert len(active(engine)) == 95


def test_the_sweep_guard_refuses_to_deactivate_a_large_share(
    db_url: str, engine: Engine, site: ReplaySite, cars: list[FakeCar], tmp_path: Path
) -> None:
    assert run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none").returncode == 0
    age_every_listing(engine)
    for car in cars[:10]:  # 10 of 72: 14% > SWEEP_MAX_SHARE
        car.listed = False
    guarded = run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none")
    assert guarded.returncode == 0, guarded.log[-3000:]
    assert guarded.stat("sweep/guard_tripped") == 1
    assert guarded.stat("listings/gone") == 0
    assert "sweep guard: all: 10 of 72 active listings unseen" in guarded.log
    assert len(active(engine)) == 72

    allowed = run_crawl(
        db_url, site.base_url, tmp_path, "-a", "details=none", settings={"SWEEP_MAX_SHARE": "0.2"}
    )
    assert allowed.stat("listings/gone") == 10
    assert active(engine) == {car.external_id for car in cars[10:]}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_faults_never_deactivate_what_is_still_listed(
    db_url: str, engine: Engine, tmp_path: Path, seed: int
) -> None:
    cars = make_catalog(120, seed=seed)
    with ReplaySite(cars, per_page=10) as site:
        assert run_crawl(db_url, site.base_url, tmp_path, "-a", "details=none").returncode == 0
        age_every_listing(engine)
        gone = cars[seed * 7]
        gone.listed = False
        site.chaos(0.3, seed=seed, body=(PAGES / "block_captcha.html").read_text())
        result = run_crawl(
            db_url, site.base_url, tmp_path, "-a", "details=none", settings={"RETRY_TIMES": "1"}
        )
    listed = {car.external_id for car in cars if car.listed}
    assert listed <= active(engine)
    if result.returncode == 0:  # the retries carried it: then the sweep was right
        assert active(engine) == listed
    else:
        assert result.stats["crawl/incomplete_reason"]
        assert active(engine) == listed | {gone.external_id}
