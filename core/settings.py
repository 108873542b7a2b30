"""Settings every service reads, from the environment (and an optional .env file)."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var") / "carsensor.db"
# Local development only: the API refuses to start with it when APP_ENV=production.
EXAMPLE_SECRET_KEY = "dev-only-example-secret-key-change-me-in-production"


class Settings(BaseSettings):
    """Environment-driven configuration shared by the crawler, API and bot."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    app_env: str = "development"

    # The read API.
    secret_key: SecretStr = SecretStr(EXAMPLE_SECRET_KEY)
    access_token_minutes: int = Field(15, ge=1)
    refresh_token_days: int = Field(14, ge=1)
    cors_origins: Annotated[list[str], NoDecode] = []
    login_max_failures: int = Field(5, ge=1)
    login_window_seconds: int = Field(900, ge=1)
    count_cache_seconds: float = Field(10.0, ge=0)
    db_pool_size: int = Field(20, ge=1)
    admin_username: str = "admin"
    admin_password: SecretStr | None = None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # CORS_ORIGINS=https://a.example,https://b.example reads better in an env file than JSON.
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def is_production(self) -> bool:
        """Whether APP_ENV says this is a production deployment."""
        return self.app_env.lower() == "production"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()
