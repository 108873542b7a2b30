"""Sign-in: POST /api/login (throttled), /api/refresh (rotation), /api/logout, and an admin's
DELETE /api/login-locks."""

import json
import logging
import math
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from api import accounts
from api.deps import AdminUser, CurrentUser, SessionDep, SettingsDep, unauthorized
from api.schemas import Credentials, Me, Problem, Token
from api.security import create_access_token, verify_password
from core.models import User, utcnow
from core.settings import Settings

router = APIRouter(prefix="/api", tags=["auth"])
logger = logging.getLogger("api.auth")

REFRESH_COOKIE = "refresh_token"
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_CREDENTIALS_SCHEMA = Credentials.model_json_schema()


async def read_credentials(request: Request) -> Credentials:
    """The credentials from a JSON body or from the OAuth2 password form (Swagger's Authorize)."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith(_FORMS):
            form = await request.form()
            data: Any = {key: form.get(key) for key in ("username", "password") if key in form}
        else:
            data = json.loads(await request.body())
        return Credentials.model_validate(data)
    except ValidationError as error:
        errors = error.errors(include_url=False, include_input=False, include_context=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from error
    except ValueError as error:
        message = 'expected JSON {"username", "password"} or the OAuth2 password form'
        raise RequestValidationError(
            [{"type": "body_invalid", "loc": ("body",), "msg": message}]
        ) from error


async def _issue(
    response: Response,
    user: User,
    *,
    session: AsyncSession,
    settings: Settings,
    family_id: str | None,
) -> Token:
    now = utcnow()
    refresh = await session.run_sync(
        lambda s: accounts.issue_refresh_token(
            user.id, session=s, settings=settings, now=now, family_id=family_id
        )
    )
    response.set_cookie(
        REFRESH_COOKIE,
        refresh,
        max_age=settings.refresh_token_days * 86_400,
        path="/api",
        httponly=True,
        samesite="strict",
        secure=settings.is_production,
    )
    access = create_access_token(user.id, settings=settings, now=now)
    return Token(access_token=access, expires_in=settings.access_token_minutes * 60)


ATTEMPTS_LEFT = "X-Login-Attempts-Left"
_ATTEMPTS_HEADER = {
    ATTEMPTS_LEFT: {
        "description": "Failures left before the next one brings a delay",
        "schema": {"type": "integer"},
    }
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Wrong or missing credentials"},
    422: {"model": Problem, "description": "Malformed body"},
    429: {"model": Problem, "description": "Too many failures; see Retry-After"},
}
_LOGIN_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    401: {**_ERRORS[401], "headers": _ATTEMPTS_HEADER},
    429: {
        **_ERRORS[429],
        "headers": {
            **_ATTEMPTS_HEADER,
            "Retry-After": {
                "description": "Seconds until an attempt is accepted again",
                "schema": {"type": "integer"},
            },
        },
    },
}


def _client_address(request: Request) -> str:
    """The address sign-in failures are counted under.

    uvicorn sets it from X-Forwarded-For only when the peer is in --forwarded-allow-ips (a
    trusted proxy); otherwise it is the peer itself, whatever the header says.
    """
    host = request.client.host if request.client else "unknown"
    return host[:64]  # the column's width; an IPv6 address takes at most 45


def _refusal(
    status_code: int, detail: str, attempts_left: int, headers: dict[str, str]
) -> JSONResponse:
    return JSONResponse(
        {"detail": detail, "attempts_left": attempts_left},
        status_code=status_code,
        headers={ATTEMPTS_LEFT: str(attempts_left), **headers},
    )


def _throttled(standing: accounts.Standing, now: datetime) -> JSONResponse:
    assert standing.retry_at is not None
    retry_after = max(1, math.ceil((standing.retry_at - now).total_seconds()))
    return _refusal(
        status.HTTP_429_TOO_MANY_REQUESTS,
        "Too many failed sign-ins; try again later",
        standing.attempts_left,
        {"Retry-After": str(retry_after)},
    )


@router.post(
    "/login",
    response_model=Token,
    responses=_LOGIN_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _CREDENTIALS_SCHEMA},
                "application/x-www-form-urlencoded": {"schema": _CREDENTIALS_SCHEMA},
            },
        }
    },
)
async def login(
    request: Request,
    response: Response,
    credentials: Annotated[Credentials, Depends(read_credentials)],
    session: SessionDep,
    settings: SettingsDep,
) -> Token | JSONResponse:
    """Exchange a username and password for an access token and a refresh cookie.

    Failures are throttled per username and address, and per address (accounts.standing): a
    401 states the failures left, a 429 when to try again (Retry-After). Unknown usernames get
    the same answers.
    """
    now = utcnow()
    client = _client_address(request)
    username = credentials.username
    current = await session.run_sync(
        lambda s: accounts.standing(username, client, session=s, settings=settings, now=now)
    )
    if current.retry_at is not None:
        return _throttled(current, now)
    attempt = await session.run_sync(
        lambda s: accounts.record_failure(username, client, session=s, settings=settings, now=now)
    )
    await session.commit()
    # Again, now that attempts begun in parallel are counted too: only the earlier ones pass.
    earlier = await session.run_sync(
        lambda s: accounts.standing(
            username, client, session=s, settings=settings, now=now, before=attempt
        )
    )
    if earlier.retry_at is not None:
        await session.run_sync(lambda s: accounts.withdraw_attempt(attempt, session=s))
        await session.commit()
        return _throttled(earlier, now)
    user = await session.run_sync(lambda s: accounts.find_user(username, session=s))
    # argon2 is slow on purpose: verify off the event loop.
    password_hash = user.password_hash if user else None
    if not await run_in_threadpool(verify_password, credentials.password, password_hash):
        return _refusal(
            status.HTTP_401_UNAUTHORIZED,
            "Incorrect username or password",
            max(0, earlier.attempts_left - 1),  # this attempt stays counted as a failure
            {"WWW-Authenticate": "Bearer"},
        )
    assert user is not None  # verify_password is False without a hash
    await session.run_sync(lambda s: accounts.clear_failures(username, client, session=s))
    token = await _issue(response, user, session=session, settings=settings, family_id=None)
    await session.commit()
    return token


@router.post("/refresh", responses={401: _ERRORS[401]})
async def refresh(
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    refresh_token: Annotated[str | None, Cookie(alias=REFRESH_COOKIE)] = None,
) -> Token:
    """Rotate the refresh cookie: the old token is revoked and a new pair issued."""
    now = utcnow()
    rotation = await session.run_sync(
        lambda s: accounts.redeem_refresh_token(refresh_token or "", session=s, now=now)
    )
    user = await session.get(User, rotation.user_id) if rotation else None
    if rotation is None or user is None or not user.is_active:
        await session.commit()  # keeps a family revoked on reuse
        raise unauthorized("Invalid or expired refresh token")
    token = await _issue(
        response, user, session=session, settings=settings, family_id=rotation.family_id
    )
    await session.commit()
    return token


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    refresh_token: Annotated[str | None, Cookie(alias=REFRESH_COOKIE)] = None,
) -> None:
    """Revoke the refresh cookie's token family and clear the cookie."""
    if refresh_token:
        now = utcnow()
        await session.run_sync(lambda s: accounts.revoke_token(refresh_token, session=s, now=now))
        await session.commit()
    response.delete_cookie(
        REFRESH_COOKIE,
        path="/api",
        httponly=True,
        samesite="strict",
        secure=settings.is_production,
    )


@router.get("/me", responses={401: _ERRORS[401]})
async def me(user: CurrentUser) -> Me:
    """Who the access token belongs to (an active user), for the web app's header."""
    return Me(
        id=user.id,
        username=user.username,
        is_admin=user.is_admin,
        telegram_linked=user.telegram_chat_id is not None,
    )


@router.delete(
    "/login-locks",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        401: _ERRORS[401],
        403: {"model": Problem, "description": "Admins only"},
        422: {
            "model": Problem,
            "description": "Neither username nor address given, or an invalid one",
        },
    },
)
async def clear_login_lock(
    admin: AdminUser,
    session: SessionDep,
    username: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    address: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> None:
    """Lift sign-in throttling: forget the failures of `username` (from `address` only, when
    given), or with `address` alone, of that address under every username."""
    if username is None and address is None:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("query", "username"), "msg": "give username or address"}]
        )
    cleared = await session.run_sync(
        lambda s: accounts.clear_failures(username, address, session=s)
    )
    await session.commit()
    logger.info(
        "login lock cleared by %r: %d failures of %s",
        admin.username,
        cleared,
        accounts.describe_lock(username, address),
    )
