"""Passwords (argon2 via passlib) and their rules, the signing key, access tokens (JWT, HS256
only) and refresh tokens."""

import hashlib
import logging
import os
import secrets
import stat
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from passlib.context import CryptContext
from pydantic import SecretStr

from core.settings import Settings

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
MIN_PASSWORD_LENGTH = 12
# The README's local demo login (make run, compose in development): never a real password.
DEMO_USERNAME, DEMO_PASSWORD = "admin", "carsensor-demo"
logger = logging.getLogger("api.security")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_passwords = CryptContext(schemes=["argon2"], deprecated="auto")


def hash_password(password: str) -> str:
    """An argon2 hash of `password`."""
    return _passwords.hash(password)


@lru_cache
def dummy_hash() -> str:
    """A hash of nothing anyone knows, to verify against when the user does not exist."""
    return hash_password(secrets.token_urlsafe(16))


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether `password` matches; with no hash (unknown user) it burns the same time."""
    if password_hash is None:
        _passwords.verify(password, dummy_hash())
        return False
    return _passwords.verify(password, password_hash)


def password_problem(password: str, *, username: str) -> str | None:
    """Why `password` is too weak for `username` (every password the API sets, and the admin's
    in production), or None."""
    if password.casefold() == username.casefold():
        return "the password is the username"
    if password == DEMO_PASSWORD:
        if username == DEMO_USERNAME:
            return f"{DEMO_USERNAME} / {DEMO_PASSWORD} is the published demo login"
        return "the password is the published demo password"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password is shorter than {MIN_PASSWORD_LENGTH} characters"
    return None


def resolve_secret_key(settings: Settings) -> SecretStr:
    """The signing key: SECRET_KEY, else SECRET_KEY_FILE's; RuntimeError when it is unfit.

    Development and test create the file (a random key, mode 0600) when it is missing;
    production only reads it. Every environment refuses a key shorter than 32 bytes.
    """
    if settings.secret_key is not None:
        key, source = settings.secret_key, "SECRET_KEY"
    else:
        key, source = _key_from_file(settings), f"the key in {settings.secret_key_file}"
    if len(key.get_secret_value().encode()) < MIN_SECRET_BYTES:
        raise RuntimeError(
            f"{source} is shorter than {MIN_SECRET_BYTES} bytes: "
            "set SECRET_KEY to a longer one (openssl rand -hex 32)"
        )
    return key


def with_secret_key(settings: Settings) -> Settings:
    """`settings` with the resolved key, so that every token is signed and checked with it.

    `settings` itself when SECRET_KEY is set (after checking it), else a copy with the file's key.
    """
    key = resolve_secret_key(settings)
    if settings.secret_key is not None:
        return settings
    return settings.model_copy(update={"secret_key": key})


def _key_from_file(settings: Settings) -> SecretStr:
    path = settings.secret_key_file
    if not path.exists():
        if settings.is_production:
            raise RuntimeError(
                "APP_ENV=production needs a secret key of at least 32 bytes: set SECRET_KEY "
                f"(openssl rand -hex 32), or put one in SECRET_KEY_FILE ({path}, mode 0600)"
            )
        _create_key_file(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        if settings.is_production:
            raise RuntimeError(
                f"SECRET_KEY_FILE {path} has mode {mode:04o}: other users can read the key; "
                f"chmod 600 {path}"
            )
        logger.warning("secret key file %s has mode %04o; chmod 600 it", path, mode)
    return SecretStr(path.read_text().strip())


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written under a name of its own, then linked into place: a process racing this one
    # either wins the link or later reads the whole key of the winner, never half of one.
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
        os.link(draft, path)
    except FileExistsError:
        return
    finally:
        draft.unlink()
    logger.warning(
        "SECRET_KEY is not set: generated a random key in %s (mode 0600); later starts reuse it",
        path,
    )


def create_access_token(user_id: int, *, settings: Settings, now: datetime) -> str:
    """A signed access token for `user_id`, valid ACCESS_TOKEN_MINUTES from `now`."""
    claims = {
        "sub": str(user_id),
        "iat": now,
        # iat is whole seconds: revocation (users.tokens_valid_after) needs the exact instant.
        "iat_us": microseconds(now),
        "exp": now + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, resolve_secret_key(settings).get_secret_value(), algorithm=ALGORITHM)


def decode_access_token(token: str, *, settings: Settings) -> dict[str, Any]:
    """The claims of a valid token; jwt.InvalidTokenError if expired, tampered or not HS256."""
    return jwt.decode(
        token,
        resolve_secret_key(settings).get_secret_value(),
        algorithms=[ALGORITHM],
        options={"require": ["exp", "sub"]},
    )


def microseconds(moment: datetime) -> int:
    """`moment` in whole microseconds since the Unix epoch (exact, unlike a float timestamp)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


@lru_cache(maxsize=4096)
def issued_at_us(token: str) -> int:
    """When an access token whose signature was verified was issued, in microseconds.

    From `iat_us`, else from `iat` (whole seconds); ValueError when neither is a number.
    """
    claims = jwt.decode(token, options={"verify_signature": False})
    precise, seconds = claims.get("iat_us"), claims.get("iat", 0)
    if isinstance(precise, int):
        return precise
    if isinstance(seconds, int | float):
        return int(seconds * 1_000_000)
    raise ValueError("the token's iat is not a number")


class AccessTokens:
    """Verifies access tokens, remembering each valid one (its user id) until it expires.

    A client sends the same token with every request for 15 minutes; checking its HMAC and
    parsing its JSON once is enough, since neither can change. Expiry is checked every time.
    """

    def __init__(self, settings: Settings, *, max_entries: int = 4096) -> None:
        self.settings = settings
        self.max_entries = max_entries
        self._valid: dict[str, tuple[int, float]] = {}

    MAX_USER_ID = 2**63 - 1  # users.id is a BIGINT

    @classmethod
    def subject_user_id(cls, subject: object) -> int:
        """The user id a `sub` claim names; ValueError unless it could be a users.id.

        ASCII digits only, from 1, no leading zero: int() would also take a sign, spaces, "_"
        and non-ASCII digits, and out-of-range ids that the database rejects with an error.
        """
        if isinstance(subject, str) and subject.isascii() and subject.isdigit():
            user_id = int(subject)
            if 0 < user_id <= cls.MAX_USER_ID and str(user_id) == subject:
                return user_id
        raise ValueError("the token's subject is not a user id")

    def user_id(self, token: str) -> int:
        """The user id in a valid token; jwt.InvalidTokenError or ValueError otherwise."""
        known = self._valid.get(token)
        if known is not None and time.time() < known[1]:  # PyJWT: expired once exp <= now
            return known[0]
        claims = decode_access_token(token, settings=self.settings)
        user_id, expires = self.subject_user_id(claims["sub"]), float(claims["exp"])
        if len(self._valid) >= self.max_entries:
            self._valid.clear()
        self._valid[token] = (user_id, expires)
        return user_id


def new_refresh_token() -> str:
    """A fresh, unguessable refresh token (the client keeps it; the database keeps its hash)."""
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    """The SHA-256 hex digest under which a refresh token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()
