"""Settings every service reads, from the environment (and an optional .env file)."""

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var") / "carsensor.db"


class Settings(BaseSettings):
    """Environment-driven configuration shared by the crawler, API and bot."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    # Exactly these, case-sensitive: APP_ENV=prod must not pass for "not production".
    app_env: Literal["development", "test", "production"] = "development"
    # Every service's log lines (core.logs): text for people, json for a log pipeline.
    log_format: Literal["text", "json"] = "text"

    # The read API.
    # Unset: the key in secret_key_file (api.security.resolve_secret_key), which development and
    # test create on first start; production only reads it.
    secret_key: SecretStr | None = None
    secret_key_file: Path = Path("var") / "secret_key"
    access_token_minutes: int = Field(15, ge=1)
    refresh_token_days: int = Field(14, ge=1)
    cors_origins: Annotated[list[str], NoDecode] = []
    # Sign-in throttling (api.accounts.standing): failures allowed per username and address,
    # and per address across usernames, within the window; then delays doubling up to the cap.
    login_max_failures: int = Field(5, ge=1)
    login_max_failures_per_address: int = Field(50, ge=1)
    login_window_seconds: int = Field(900, ge=1)
    login_max_delay_seconds: int = Field(900, ge=1)
    # How often a process looks whether the cars changed, which drops its kept totals and
    # facets (core.read.Totals); 0 keeps none.
    totals_check_seconds: float = Field(1.0, ge=0)
    # How stale each API process's view of disabled users and revoked tokens may be (the
    # process that made the change sees it at once; api.accounts.TokenEpochs).
    account_cache_seconds: float = Field(2.0, ge=0)
    db_pool_size: int = Field(20, ge=1)
    admin_username: str = "admin"
    admin_password: SecretStr | None = None

    # scrapyd and the crawl scheduler (python -m crawler.scheduler; POST /api/crawls).
    scrapyd_urls: Annotated[list[str], NoDecode] = ["http://127.0.0.1:6800"]
    # host:port whose every IPv4 address is a node, re-resolved each tick (compose --scale).
    scrapyd_discover: str | None = None
    scrapyd_username: str = ""
    scrapyd_password: SecretStr = SecretStr("")
    # Empty: the plan (core.crawls.plan), every maker under its code; else maker codes, codes
    # joined by "+" into one job, or "all" (the site-wide list).
    crawl_shards: Annotated[list[str], NoDecode] = []
    # Seconds between two runs of a shard: more than a list pass (~4.6 h at 1 request/s).
    crawl_interval: float = Field(21600.0, ge=0)
    crawl_poll: float = Field(15.0, gt=0)
    # An incomplete, failed or lost run is retried after these pauses in turn (seconds), the
    # last one repeating, rather than after the whole CRAWL_INTERVAL.
    crawl_retry_delays: Annotated[list[float], NoDecode] = [300.0, 900.0, 3600.0]
    # Requests per second to carsensor.net across every node and job (crawler.budget); the
    # scheduler hands it to each job it starts. 0: no budget (the offline replay site).
    crawl_site_rate: float = Field(1.0, ge=0)
    # The details backfill (shard "details"): detail pages for listings without details, or
    # with details older than CRAWL_DETAILS_MAX_AGE_DAYS, newest first, at most
    # CRAWL_DETAILS_BUDGET requests per run; it starts when no list shard is due or active.
    crawl_details: bool = True
    crawl_details_budget: int = Field(3600, ge=1)
    crawl_details_max_age_days: float = Field(30.0, gt=0)
    # Telegram chats (ids or @channel names) that a crawl's failed checks are sent to, through
    # the bot's token (crawler.monitors); empty, or no token: the crawl's log only. The alert
    # links the run at WEB_BASE_URL, the web app's address as operators open it.
    crawl_alert_chat_ids: Annotated[list[str], NoDecode] = []
    web_base_url: str = "http://127.0.0.1:8000"

    # Money (core.money): the yen price of a dollar, a euro and a rouble, and the day they were
    # read, until a refresh from RATES_FEED_URL (a feed like open.er-api.com/v6/latest/JPY,
    # read daily by the scheduler; unset: never) stores newer ones.
    yen_per_usd: float = Field(150.0, gt=0)
    yen_per_eur: float = Field(160.0, gt=0)
    yen_per_rub: float = Field(1.8, gt=0)
    rates_as_of: date | None = date(2026, 12, 1)
    rates_feed_url: str | None = None

    # The Telegram bot (python -m bot).
    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str | None = None  # a local Bot API server, e.g. http://127.0.0.1:8081
    bot_allowed_users: Annotated[list[int], NoDecode] = []  # empty: anyone may use the bot
    bot_rate_limit_messages: int = Field(20, ge=1)
    bot_rate_limit_seconds: float = Field(60.0, gt=0)
    # Saved searches (core.alerts): the bot looks for a crawl that stored anything every
    # ALERT_POLL_SECONDS and tells each search of new cars and drops of this many percent.
    alert_poll_seconds: float = Field(15.0, gt=0)
    # A crawl's end is alerted on once it is this old, so that other crawls' batches stamped
    # before it, still committing, are in its window.
    alert_settle_seconds: float = Field(10.0, ge=0)
    alert_price_drop_percent: float = Field(5.0, gt=0, lt=100)
    saved_searches_per_owner: int = Field(50, ge=1)
    # A car with fewer comparables than this gets no market price (core.valuation).
    market_min_comparables: int = Field(5, ge=1)
    # Set: Telegram posts updates to this public HTTPS URL instead of the bot polling.
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_host: str = "127.0.0.1"
    telegram_webhook_port: int = Field(8443, ge=1, le=65535)
    # Set OPENAI_API_KEY: text becomes filters through this model (any OpenAI-compatible server
    # at OPENAI_BASE_URL); without it, or when a call fails, the built-in parser.
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout_seconds: float = Field(5.0, gt=0)
    # Set: the bot serves its Prometheus metrics (bot.metrics) on this port, at any path.
    bot_metrics_port: int | None = Field(None, ge=1, le=65535)
    bot_metrics_host: str = "127.0.0.1"

    @field_validator(
        "cors_origins",
        "bot_allowed_users",
        "scrapyd_urls",
        "crawl_shards",
        "crawl_retry_delays",
        "crawl_alert_chat_ids",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        # CORS_ORIGINS=https://a.example,https://b.example and BOT_ALLOWED_USERS=111,222 read
        # better in an env file than JSON; blanks and stray commas are ignored.
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator(
        "secret_key", "bot_metrics_port", "rates_as_of", "rates_feed_url", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # Compose passes SECRET_KEY= when .env leaves it out: that means "use the key file".
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def is_production(self) -> bool:
        """Whether APP_ENV says this is a production deployment."""
        return self.app_env == "production"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()
