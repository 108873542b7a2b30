"""Chromium for the web e2e modules; each module provides its own `base_url` fixture."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.support import CHROMIUM, CHROMIUM_ARGS, new_page


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per module."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh browser context (no cookie, no session storage) per test, in English.

    The app speaks the browser's language: these modules check its English words
    (test_i18n_e2e.py opens its own contexts in Russian).
    """
    with new_page(browser, base_url, "en-US") as page:
        yield page
