"""Sign-in bookkeeping in the database: throttling after failures, and refresh-token families."""

import math
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from api.security import (
    hash_refresh_token,
    microseconds,
    new_refresh_token,
)
from core.models import LoginFailure, RefreshToken, User
from core.settings import Settings


@dataclass(frozen=True, slots=True)
class Standing:
    """Where sign-in stands for a username at an address."""

    attempts_left: int  # failures left before the next one brings a delay
    retry_at: datetime | None  # while throttled: when an attempt is accepted again


def standing(
    username: str,
    client: str,
    *,
    session: Session,
    settings: Settings,
    now: datetime,
    before: int | None = None,
) -> Standing:
    """Whether a sign-in as `username` from `client` may go ahead, and the failures left.

    Two counts over the failures of the last LOGIN_WINDOW_SECONDS: n, of this username at this
    address, against N = LOGIN_MAX_FAILURES; and m, of this address under any username, against
    M = LOGIN_MAX_FAILURES_PER_ADDRESS. A count k that reached its limit L closes sign-in until

        latest failure it counts + min(2 ** (k - L), LOGIN_MAX_DELAY_SECONDS) seconds

    so the Lth failure brings a 1 s wait, the next 2 s, then 4 s, 8 s ... up to the cap; the
    count falls again as failures leave the window. attempts_left is min(N - n, M - m), at
    least 0. Neither count involves another address, so failures from elsewhere never throttle
    a user's own address. With `before`, only the failures of attempts that began earlier
    (lower ids) count.
    """
    pair_left, pair_until = _count(
        (LoginFailure.username == username, LoginFailure.client_address == client),
        settings.login_max_failures,
        session=session,
        settings=settings,
        now=now,
        before=before,
    )
    address_left, address_until = _count(
        (LoginFailure.client_address == client,),
        settings.login_max_failures_per_address,
        session=session,
        settings=settings,
        now=now,
        before=before,
    )
    closed = [until for until in (pair_until, address_until) if until is not None and until > now]
    return Standing(min(pair_left, address_left), max(closed, default=None))


def _count(
    where: tuple[ColumnElement[bool], ...],
    limit: int,
    *,
    session: Session,
    settings: Settings,
    now: datetime,
    before: int | None,
) -> tuple[int, datetime | None]:
    """The failures left under `limit`, and when the delay they brought ends (if they did)."""
    conditions = [
        *where,
        LoginFailure.failed_at > now - timedelta(seconds=settings.login_window_seconds),
    ]
    if before is not None:
        conditions.append(LoginFailure.id < before)
    count, latest = session.execute(
        select(func.count(), func.max(LoginFailure.failed_at)).where(*conditions)
    ).one()
    if count < limit:
        return limit - count, None
    cap = settings.login_max_delay_seconds
    # Past bit_length doublings the cap is reached: no need to compute a huge power.
    delay = min(cap, 2 ** min(count - limit, cap.bit_length()))
    return 0, latest + timedelta(seconds=delay)


def record_failure(
    username: str, client: str, *, session: Session, settings: Settings, now: datetime
) -> int:
    """Count a sign-in attempt as failed until it proves otherwise; return its id.

    Counted before the password is checked, so that attempts made in parallel see each other
    (`standing(before=...)`). Failures that left the window are forgotten here.
    """
    window = timedelta(seconds=settings.login_window_seconds)
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - window))
    failure = LoginFailure(username=username, client_address=client, failed_at=now)
    session.add(failure)
    session.flush()
    return failure.id


def withdraw_attempt(attempt_id: int, *, session: Session) -> None:
    """Forget an attempt that was throttled before its password was checked."""
    session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))


def clear_failures(username: str | None, client: str | None, *, session: Session) -> int:
    """Forget the failures of a username, at one address if `client` is given (or of an address
    under every username, with no username), lifting their throttling; return how many."""
    conditions = [
        column == value
        for column, value in (
            (LoginFailure.username, username),
            (LoginFailure.client_address, client),
        )
        if value is not None
    ]
    if not conditions:
        raise ValueError("clear_failures needs a username, an address or both")
    cleared = session.execute(delete(LoginFailure).where(*conditions))
    return int(getattr(cleared, "rowcount", 0))


def describe_lock(username: str | None, client: str | None) -> str:
    """What clear_failures(username, client) clears, for the log (repr: no forged lines)."""
    who = "any username" if username is None else f"username {username!r}"
    return f"{who} from {'any address' if client is None else repr(client)}"


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


# Team accounts: GET/POST/PATCH/DELETE /api/users and POST /api/me/password (api.routes.users).


def list_users(*, session: Session) -> list[User]:
    """Every user, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def username_taken(username: str, *, session: Session) -> bool:
    """Whether a user (active or not) has this username."""
    return session.scalar(select(User.id).where(User.username == username)) is not None


def only_active_admin(user_id: int, *, session: Session) -> bool:
    """Whether `user_id` is the one active admin; the admins' rows stay locked until commit.

    The lock (PostgreSQL; SQLite writes one at a time) keeps two admins demoting each other at
    once from leaving none.
    """
    admins = session.scalars(
        select(User.id).where(User.is_admin, User.is_active).order_by(User.id).with_for_update()
    ).all()
    return list(admins) == [user_id]


def revoke_user_tokens(
    user: User, *, session: Session, now: datetime, keep_family: str | None = None
) -> None:
    """Refuse `user`'s access tokens issued before `now` and revoke their refresh tokens,
    except the family `keep_family` (the session that changed its own password)."""
    user.tokens_valid_after = now
    live = [RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None)]
    if keep_family is not None:
        live.append(RefreshToken.family_id != keep_family)
    session.execute(
        update(RefreshToken).where(*live).values(revoked_at=now),
        execution_options={"synchronize_session": False},
    )


def token_family(token: str, *, user_id: int, session: Session) -> str | None:
    """The family of `user_id`'s refresh token `token`, or None if it is not theirs."""
    return session.scalar(
        select(RefreshToken.family_id).where(
            RefreshToken.token_hash == hash_refresh_token(token), RefreshToken.user_id == user_id
        )
    )


def tokens_valid_after(*, session: Session) -> dict[int, int]:
    """Each active user's id → the instant (µs since the epoch) their access tokens start at."""
    rows = session.execute(select(User.id, User.tokens_valid_after).where(User.is_active))
    return {user_id: microseconds(after) if after else 0 for user_id, after in rows}


class TokenEpochs:
    """Whose access tokens are good, per process: a snapshot of `tokens_valid_after`.

    Reading the users table on every request would cost /api/cars a query, so the snapshot is
    reused for `max_age` seconds (ACCOUNT_CACHE_SECONDS). The process that changes a user drops
    it at once (`invalidate`); the others see the change within `max_age`. A user missing from
    it (deleted, disabled, or created since) makes it reload, so a new user is never refused.
    """

    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self._valid_after: dict[int, int] = {}
        self._loaded_at = -math.inf
        self._generation = 0

    def invalidate(self) -> None:
        """Forget the snapshot: this process has just committed a change to a user."""
        self._generation += 1
        self._valid_after = {}
        self._loaded_at = -math.inf

    async def accepts(
        self, user_id: int, issued_at_us: int, *, sessions: async_sessionmaker[AsyncSession]
    ) -> bool:
        """Whether an access token of `user_id` issued at `issued_at_us` is still good."""
        stale = time.monotonic() - self._loaded_at > self.max_age
        if stale or user_id not in self._valid_after:
            await self._reload(sessions)
        valid_after = self._valid_after.get(user_id)
        return valid_after is not None and issued_at_us >= valid_after

    async def _reload(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        # Marked first, so that requests arriving meanwhile keep using the current snapshot.
        self._loaded_at = time.monotonic()
        while True:
            generation = self._generation
            async with sessions() as session:
                valid_after = await session.run_sync(lambda s: tokens_valid_after(session=s))
            # A read that overlapped a change in this process may predate it: read again.
            if generation == self._generation:
                self._valid_after = valid_after
                return
