"""List pages as the spider walks them: which URLs are lists, what a walk covers, and whether it
saw all of it. Pure logic, no I/O: the spider records, the store pipeline asks for the verdict.
"""

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from core.vocab import make_by_code
from crawler.parsing import ListPage, page_number

# What a complete walk may mark stale: the whole site, one maker's code, or nothing.
Scope = Literal["all"] | str | None

# carsensor.net's robots.txt rules for /usedcar/, as public scrapers of the live site quote them.
# At run time Scrapy's RobotsTxtMiddleware obeys the site's own file; these only vet start URLs.
ROBOTS_DISALLOW = (
    "/usedcar/search.php",
    "/usedcar/inquiry",
    "/usedcar/mylist",
    "/usedcar/fair/",
)
_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")
_MAKER = re.compile(r"^b([A-Z]{2})$")
_INDEX = re.compile(r"^index\d*\.html$")
# A sort only reorders a list; any other query narrows it.
_ORDERING = {"SORT"}


@dataclass(frozen=True, slots=True)
class ListTarget:
    """A list URL: the maker its path names (if any) and the scope a complete walk sweeps."""

    url: str
    maker: str | None
    scope: Scope


def list_target(url: str) -> ListTarget:
    """Vet a start URL: any robots-allowed list path under /usedcar/; ValueError says why not."""
    parts = urlsplit(url)
    path = parts.path
    for rule in ROBOTS_DISALLOW:
        if path.startswith(rule):
            raise ValueError(f"{url}: carsensor's robots.txt forbids it (Disallow: {rule})")
    if not path.startswith("/usedcar/"):
        raise ValueError(f"{url}: not a used-car list page (those live under /usedcar/)")
    segments = path.removeprefix("/usedcar/").split("/")
    name = segments.pop()  # "" for a directory, indexN.html for a page
    if (name and not _INDEX.match(name)) or not all(_SEGMENT.match(s) for s in segments):
        raise ValueError(f"{url}: not a list page (a directory or its indexN.html)")
    if segments[:1] == ["detail"]:
        raise ValueError(f"{url}: a detail page; the spider reaches those from list cards")
    maker = (match := _MAKER.match(segments[0])) and match.group(1) if segments else None
    if maker and make_by_code(maker) is None:
        raise ValueError(f"{url}: b{maker} is no maker code carsensor uses (core/makers.csv)")
    narrowed = page_number(url) > 1 or any(k not in _ORDERING for k, _ in parse_qsl(parts.query))
    scope: Scope = None
    if not narrowed and not segments:
        scope = "all"
    elif not narrowed and segments == [f"b{maker}"]:
        scope = maker
    return ListTarget(url, maker, scope)


@dataclass(slots=True)
class Walk:
    """The evidence one list's pages give: what was read, what the pager and result bar promise."""

    target: ListTarget
    pages: set[int] = field(default_factory=set)
    last_page: int | None = None
    total: int | None = None
    ids: set[str] = field(default_factory=set)
    ended: bool = False
    problem: str | None = None
    per_page: int = 0  # cards on the first page read: the page size of a list without a pager

    @property
    def label(self) -> str:
        """The scope ("all", a maker code), or the URL of a narrower list."""
        return self.target.scope or self.target.url

    def read(self, number: int, page: ListPage) -> None:
        """Record a page that held cards (or said its list is empty)."""
        self.pages.add(number)
        self.per_page = self.per_page or len(page.cards)
        self.ids.update(card.external_id for card in page.cards if card.external_id)
        if page.last_page is not None:
            self.last_page = max(self.last_page or 0, page.last_page)
        if page.total is not None:
            self.total = page.total
        self.ended = self.ended or page.is_last

    @property
    def expected_pages(self) -> int:
        """Pages this list should have: the pager's last, or the stated total's share of pages
        as big as the first; at least the pages read, and 1 before any was."""
        if self.last_page is not None:
            return max(self.last_page, len(self.pages))
        if self.total is not None and self.per_page:
            return max(-(-self.total // self.per_page), len(self.pages))
        return max(len(self.pages), 1)

    def fail(self, problem: str) -> None:
        """Note what cut the walk short; the first problem is the one reported."""
        self.problem = self.problem or problem

    def verdict(
        self, *, active_before: int | None, total_share: float, active_share: float
    ) -> str | None:
        """None when the walk shows it saw the whole list, else why it cannot show that."""
        if self.problem:
            return self.problem
        if not self.ended:
            return "the list never reached a last page"
        if self.last_page and (missing := sorted(set(range(1, self.last_page + 1)) - self.pages)):
            return f"pages {_numbers(missing)} of {self.last_page} were not read"
        seen = len(self.ids)
        if self.total is not None:
            if seen < total_share * self.total:
                return f"{seen} cards seen of the {self.total} the site states"
        elif active_before and seen < active_share * active_before:
            return f"{seen} cards seen of the {active_before} listings active before the crawl"
        return None


def _numbers(pages: list[int]) -> str:
    shown = ", ".join(map(str, pages[:5]))
    return shown + (f" and {len(pages) - 5} more" if len(pages) > 5 else "")
