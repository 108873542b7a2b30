"""The offline stand-in of the outside world, and the harness that runs the platform against it.

- `replay.site`: carsensor.net's HTTP and markup (`python -m replay --port 8081 --cars 600`);
  standard library only, so the compose `replay` image needs nothing else.
- `replay.telegram_api`, `replay.openai_api`: the Telegram Bot API and an OpenAI-compatible
  server on loopback (aiohttp), for the bot's tests and bench.
- `replay.crawl`: the real `scrapy crawl` in a subprocess against a replay site.
- `replay.scrapyd_nodes`: real scrapyd nodes with the crawler's egg deployed.
- `replay.ports`: free loopback ports for the servers the tests and benches start.

Tests and benches share these; nothing here imports a test module.
"""

from pathlib import Path

# The repository: where crawls run and scrapyd nodes find scrapyd.conf and the code for the egg.
ROOT = Path(__file__).resolve().parents[1]
