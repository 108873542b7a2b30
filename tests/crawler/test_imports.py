"""The crawler's image installs no asyncio database drivers: its code must not need them."""

import subprocess
import sys

CRAWLER_MODULES = (
    "crawler.scheduler", "crawler.pipelines", "crawler.extensions", "crawler.monitors",
    "crawler.budget", "crawler.known", "crawler.spiders.carsensor", "crawler.spiders.details",
    "crawler.commands.crawl",
)  # fmt: skip


def test_the_crawler_imports_without_greenlet() -> None:
    # greenlet is what SQLAlchemy's asyncio extension needs and the `async-db` extra brings.
    script = (
        "import importlib, sys\n"
        "sys.modules['greenlet'] = None\n"
        f"for name in {CRAWLER_MODULES!r}: importlib.import_module(name)\n"
        "assert 'sqlalchemy.ext.asyncio' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
