"""Fixtures of the crawler's tests: the replay site serving a module's `cars`, an engine."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from core.db import make_engine
from replay.site import FakeCar, ReplaySite


@pytest.fixture
def site(cars: list[FakeCar]) -> Iterator[ReplaySite]:
    """The replay site serving the `cars` fixture of the test's module."""
    with ReplaySite(cars) as running:
        yield running


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the test's fresh database."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
