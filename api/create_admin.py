"""`python -m api.create_admin`: create or update the admin user from ADMIN_USERNAME/PASSWORD."""

import logging
import sys

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.security import MIN_PASSWORD_LENGTH, hash_password, password_problem, verify_password
from core.db import make_engine
from core.models import User, utcnow
from core.settings import Settings, get_settings

logger = logging.getLogger("api.create_admin")


def upsert_admin(username: str, password: str, *, session: Session) -> str:
    """Create the user, or reset its password and reactivate it; return what was done."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        session.add(User(username=username, password_hash=hash_password(password), is_admin=True))
        return "created"
    if user.is_active and user.is_admin and verify_password(password, user.password_hash):
        return "unchanged"
    user.password_hash = hash_password(password)
    user.is_active = True
    user.is_admin = True
    user.updated_at = utcnow()
    return "updated"


def admin_password_problem(settings: Settings) -> str | None:
    """Why ADMIN_USERNAME / ADMIN_PASSWORD would be refused in production, or None."""
    password = settings.admin_password.get_secret_value() if settings.admin_password else ""
    if not password:
        return "ADMIN_PASSWORD is not set"
    problem = password_problem(password, username=settings.admin_username)
    return None if problem is None else f"ADMIN_PASSWORD: {problem}"


def main(settings: Settings | None = None) -> int:
    """Apply ADMIN_USERNAME / ADMIN_PASSWORD to DATABASE_URL.

    2 when no password is set, or in production when it is weak; development only warns.
    """
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = settings or get_settings()
    if settings.admin_password is None or not settings.admin_password.get_secret_value():
        logger.error("create_admin: set ADMIN_PASSWORD (and optionally ADMIN_USERNAME)")
        return 2
    problem = admin_password_problem(settings)
    if problem is not None and settings.is_production:
        logger.error(
            "create_admin: refused in production: %s (it needs at least %d characters, "
            "and not the demo password)",
            problem,
            MIN_PASSWORD_LENGTH,
        )
        return 2
    if problem is not None:
        logger.warning("create_admin: %s: fine for local use, refused in production", problem)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        done = upsert_admin(
            settings.admin_username, settings.admin_password.get_secret_value(), session=session
        )
        session.commit()
    engine.dispose()
    logger.info("create_admin: %s user %r", done, settings.admin_username)
    return 0


if __name__ == "__main__":
    sys.exit(main())
