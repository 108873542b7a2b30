"""Sign-in bookkeeping in the database: lockout after failures, and refresh-token families."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api.security import hash_refresh_token, new_refresh_token
from core.models import LoginFailure, RefreshToken, User
from core.settings import Settings


def locked_until(
    username: str, client: str, *, session: Session, settings: Settings, now: datetime
) -> datetime | None:
    """When sign-in opens again for this username or address, or None if it is open."""
    window = timedelta(seconds=settings.login_window_seconds)
    until: datetime | None = None
    for column, value in ((LoginFailure.username, username), (LoginFailure.client_address, client)):
        # The Nth most recent failure in the window: the lock lifts when it leaves the window.
        nth = session.scalar(
            select(LoginFailure.failed_at)
            .where(column == value, LoginFailure.failed_at > now - window)
            .order_by(LoginFailure.failed_at.desc())
            .offset(settings.login_max_failures - 1)
            .limit(1)
        )
        if nth is not None and (until is None or nth + window > until):
            until = nth + window
    return until


def record_failure(
    username: str, client: str, *, session: Session, settings: Settings, now: datetime
) -> None:
    """Count a failed sign-in, forgetting the failures that left the window."""
    window = timedelta(seconds=settings.login_window_seconds)
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - window))
    session.add(LoginFailure(username=username, client_address=client, failed_at=now))


def clear_failures(username: str, *, session: Session) -> None:
    """Forget a username's failures after it signed in."""
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))


def find_user(username: str, *, session: Session) -> User | None:
    """The active user with this username."""
    return session.scalar(select(User).where(User.username == username, User.is_active))


def issue_refresh_token(
    user_id: int, *, session: Session, settings: Settings, now: datetime, family_id: str | None
) -> str:
    """Store a new refresh token (its hash only) in `family_id`, or a new family; return it."""
    token = new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user_id,
            token_hash=hash_refresh_token(token),
            family_id=family_id or uuid.uuid4().hex,
            created_at=now,
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    return token


@dataclass(frozen=True, slots=True)
class Rotation:
    """What redeeming a refresh token gave: the user and the family to continue, or nothing."""

    user_id: int
    family_id: str


def redeem_refresh_token(token: str, *, session: Session, now: datetime) -> Rotation | None:
    """Revoke a live refresh token, returning its family; reusing a revoked one kills the family."""
    stored = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(token))
    )
    if stored is None or stored.expires_at <= now:
        return None
    # Conditional update: of two concurrent redemptions, only one can win.
    won = session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == stored.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now),
        execution_options={"synchronize_session": False},
    )
    if getattr(won, "rowcount", 0) != 1:
        revoke_family(stored.family_id, session=session, now=now)
        return None
    return Rotation(stored.user_id, stored.family_id)


def revoke_family(family_id: str, *, session: Session, now: datetime) -> None:
    """Revoke every live token of a family."""
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now),
        execution_options={"synchronize_session": False},
    )


def revoke_token(token: str, *, session: Session, now: datetime) -> None:
    """Revoke the family of a refresh token (sign-out), if the token is known."""
    family_id = session.scalar(
        select(RefreshToken.family_id).where(RefreshToken.token_hash == hash_refresh_token(token))
    )
    if family_id is not None:
        revoke_family(family_id, session=session, now=now)
