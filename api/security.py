"""Passwords (argon2 via passlib), access tokens (JWT, HS256 only) and refresh tokens."""

import hashlib
import secrets
import time
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from passlib.context import CryptContext

from core.settings import EXAMPLE_SECRET_KEY, Settings

ALGORITHM = "HS256"
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


def check_secret_key(settings: Settings) -> None:
    """Refuse to start with a short secret, or with the example secret in production."""
    secret = settings.secret_key.get_secret_value()
    if len(secret.encode()) < 32:
        raise RuntimeError("SECRET_KEY must be at least 32 bytes")
    if settings.is_production and secret == EXAMPLE_SECRET_KEY:
        raise RuntimeError("SECRET_KEY is the example secret; set a real one in production")


def create_access_token(user_id: int, *, settings: Settings, now: datetime) -> str:
    """A signed access token for `user_id`, valid ACCESS_TOKEN_MINUTES from `now`."""
    claims = {
        "sub": str(user_id),
        "iat": now,
        "exp": now + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def decode_access_token(token: str, *, settings: Settings) -> dict[str, Any]:
    """The claims of a valid token; jwt.InvalidTokenError if expired, tampered or not HS256."""
    return jwt.decode(
        token,
        settings.secret_key.get_secret_value(),
        algorithms=[ALGORITHM],
        options={"require": ["exp", "sub"]},
    )


class AccessTokens:
    """Verifies access tokens, remembering each valid one (its user id) until it expires.

    A client sends the same token with every request for 15 minutes; checking its HMAC and
    parsing its JSON once is enough, since neither can change. Expiry is checked every time.
    """

    def __init__(self, settings: Settings, *, max_entries: int = 4096) -> None:
        self.settings = settings
        self.max_entries = max_entries
        self._valid: dict[str, tuple[int, float]] = {}

    def user_id(self, token: str) -> int:
        """The user id in a valid token; jwt.InvalidTokenError or ValueError otherwise."""
        known = self._valid.get(token)
        if known is not None and time.time() < known[1]:  # PyJWT: expired once exp <= now
            return known[0]
        claims = decode_access_token(token, settings=self.settings)
        user_id, expires = int(claims["sub"]), float(claims["exp"])
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
