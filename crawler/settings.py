"""Scrapy settings for the carsensor crawler. Override any of them with `-s NAME=value`."""

import os

BOT_NAME = "carsensor"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# The site to crawl; tests and the offline mode point it at the local replay site.
CARSENSOR_BASE_URL = os.environ.get("CARSENSOR_BASE_URL", "https://www.carsensor.net")
# A complete crawl marks inactive what it has not seen for this long.
CARSENSOR_STALE_AFTER_DAYS = 3
# A crawl is complete when it read every list page up to the pager's last, and its cards reach
# this share of the total the site states, or (no total) of the listings active before it.
CRAWL_COMPLETE_TOTAL_SHARE = 0.98
CRAWL_COMPLETE_ACTIVE_SHARE = 0.90
# A complete crawl's sweep that would deactivate more than this share of its scope does nothing.
SWEEP_MAX_SHARE = 0.10
# A 200 list page without cards (block page, captcha, new layout) is retried this often, after
# LIST_ANOMALY_BACKOFF, 2x, 4x ... seconds; then the crawl is incomplete.
LIST_ANOMALY_RETRY_TIMES = 3
LIST_ANOMALY_BACKOFF = 10.0
# The details backfill (`scrapy crawl details`): detail pages of at most this many listings per
# run (its `limit` argument), those without details or with details older than this many days.
CRAWL_DETAILS_BUDGET = 3600
CRAWL_DETAILS_MAX_AGE_DAYS = 30.0
# Render pages in Chromium through scrapy-playwright (listings render server-side today).
CARSENSOR_PLAYWRIGHT = os.environ.get("CARSENSOR_PLAYWRIGHT", "0") == "1"

# Politeness.
ROBOTSTXT_OBEY = True
USER_AGENT = os.environ.get(
    "CRAWLER_USER_AGENT",
    "carsensor-platform/0.1 (used-car listings indexer; +https://github.com/carsensor-platform)",
)
# Requests per second to the site across every node and job, booked in the database
# (crawler.budget); 0 turns the budget off (the local replay site: scripts/run_local.py --offline).
CRAWL_SITE_RATE = float(os.environ.get("CRAWL_SITE_RATE", "1.0"))
# "list" books first; "idle" (the details backfill) books only when no list crawl has booked a
# slot for CRAWL_BUDGET_IDLE_GAP seconds.
CRAWL_BUDGET_PRIORITY = "list"
CRAWL_BUDGET_IDLE_GAP = 5.0
# The budget replaces per-process delays: a delay added after the booked slot would queue
# requests behind it and later release them in a burst above the budget.
DOWNLOAD_DELAY = 0.0
AUTOTHROTTLE_ENABLED = False
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 30

# Faults: RetryMiddleware retries these codes and timeouts; ours honours Retry-After first.
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
RETRY_AFTER_MAX = 300.0
# The budget after HttpCacheMiddleware (900): cache hits spend none of it.
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.RetryAfterMiddleware": 560,
    "crawler.budget.SiteBudget": 950,
}

ITEM_PIPELINES = {
    "crawler.pipelines.RequiredFieldsPipeline": 100,
    "crawler.pipelines.FoldTextPipeline": 200,
    "crawler.pipelines.NumbersPipeline": 300,
    "crawler.pipelines.VocabularyPipeline": 400,
    "spidermon.contrib.scrapy.pipelines.ItemValidationPipeline": 800,
    "crawler.pipelines.StorePipeline": 900,
}
# Spidermon first: its engine_stopped checks put their results into the stats the others write.
EXTENSIONS = {
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
    "crawler.extensions.StatsFile": 900,
    "crawler.extensions.RunReport": 910,
    "crawler.known.KnownListings": 920,
}
# A scheduled run writes its counters into crawl_runs this often (seconds), and at its end.
CRAWL_REPORT_INTERVAL = 10.0
CRAWL_STATS_FILE = os.environ.get("CRAWL_STATS_FILE", "")
# Unset: core.settings' DATABASE_URL (the environment, then the SQLite default).
DATABASE_URL = None
STORE_BATCH_SIZE = 500
STORE_RETRY_TIMES = 5
STORE_RETRY_BACKOFF = 1.0

# Spidermon (crawler.monitors): every item validated against CarItem's schema, counted per field
# under spidermon/validation/ and stored all the same; each field's fill rate (None, "" and []
# are empty, False and 0 are values).
SPIDERMON_ENABLED = True
SPIDERMON_VALIDATION_SCHEMAS = ["crawler.monitors.ITEM_SCHEMA"]
SPIDERMON_VALIDATION_ADD_ERRORS_TO_ITEMS = False
SPIDERMON_VALIDATION_DROP_ITEMS_WITH_ERRORS = False
SPIDERMON_ADD_FIELD_COVERAGE = True
SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True
SPIDERMON_FIELD_COVERAGE_SKIP_FALSY = False
SPIDERMON_DICT_FIELDS_COVERAGE_LEVELS = 0
# The run's checks once the engine stops (spider_closed comes before the store's verdict and
# sweep), and the stall watch every 300 seconds; a failed check alerts CRAWL_ALERT_CHAT_IDS.
SPIDERMON_ENGINE_STOP_MONITORS = ["crawler.monitors.CloseMonitors"]
SPIDERMON_PERIODIC_MONITORS = {"crawler.monitors.PeriodicMonitors": 300}
CRAWL_MONITOR_MAX_ERRORS = 10
CRAWL_MONITOR_MAX_DROPPED_SHARE = 0.05
CRAWL_MONITOR_MIN_ITEMS = 1
# A field filled this much less often than in the shard's previous finished run (0.20: 20 points).
CRAWL_MONITOR_FILL_DROP = 0.20
CRAWL_MONITOR_STALL_MINUTES = 30.0

# Development: replay responses from disk instead of hitting the site again.
HTTPCACHE_ENABLED = os.environ.get("CARSENSOR_HTTPCACHE", "0") == "1"
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_IGNORE_HTTP_CODES = [429, 500, 502, 503, 504]

# scrapy-playwright, used only when CARSENSOR_PLAYWRIGHT is on.
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": os.environ.get("PLAYWRIGHT_EXECUTABLE_PATH", "/usr/bin/chromium"),
    "headless": True,
    "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
}

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("CRAWLER_LOG_LEVEL", "INFO")
# LOG_FORMAT=json, every service's switch (core.logs): the crawl logs JSON lines carrying its job
# and shard (crawler.commands.crawl). Not named LOG_FORMAT: that is Scrapy's %-format of a line.
CRAWL_LOG_JSON = os.environ.get("LOG_FORMAT", "text") == "json"
LOGSTATS_INTERVAL = 60.0
