"""`python -m api.preflight`: check, before anything starts, that the settings can run.

Development and test: creates SECRET_KEY_FILE when SECRET_KEY is unset (compose's one-shot
`migrate` service runs this, so the key lands in the volume the API reads). Production
(APP_ENV=production) also needs a strong ADMIN_PASSWORD and a database password other than
compose's default; every missing setting is named, and the exit status is then 2.
"""

import logging
import sys

from pydantic import ValidationError
from sqlalchemy.engine import make_url

from api.create_admin import admin_password_problem
from api.security import resolve_secret_key
from core.settings import Settings, get_settings

# docker-compose.yml's and .env.example's POSTGRES_PASSWORD: published, so not for production.
DEFAULT_DATABASE_PASSWORD = "carsensor"

logger = logging.getLogger("api.preflight")


def problems(settings: Settings) -> list[tuple[str, str]]:
    """(variable, why) for each setting that stops `settings` from running."""
    found: list[tuple[str, str]] = []
    try:
        resolve_secret_key(settings)
    except RuntimeError as error:
        found.append(("SECRET_KEY", str(error)))
    except OSError as error:
        found.append(("SECRET_KEY_FILE", f"{settings.secret_key_file}: {error.strerror}"))
    if settings.is_production:
        admin = admin_password_problem(settings)
        if admin is not None:
            found.append(("ADMIN_PASSWORD", admin))
        if make_url(settings.database_url).password == DEFAULT_DATABASE_PASSWORD:
            found.append(
                (
                    "POSTGRES_PASSWORD",
                    "DATABASE_URL uses the published default database password: set "
                    "POSTGRES_PASSWORD, and the same password in DATABASE_URL",
                )
            )
    return found


def main(settings: Settings | None = None) -> int:
    """0 when the settings can run (the dev key file now exists); 2, naming each problem."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = settings or get_settings()
    except ValidationError as error:
        logger.error("preflight: invalid settings: %s", error)
        return 2
    found = problems(settings)
    for _variable, why in found:
        logger.error("preflight: %s", why)
    if found:
        names = ", ".join(dict.fromkeys(variable for variable, _why in found))
        logger.error("preflight: APP_ENV=%s cannot start; set %s", settings.app_env, names)
        return 2
    logger.info("preflight: APP_ENV=%s: settings ok", settings.app_env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
