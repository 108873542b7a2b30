"""Sign-in: POST /api/login, /api/refresh (rotation) and /api/logout."""

import json
import math
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from api import accounts
from api.deps import CurrentUser, SessionDep, SettingsDep, unauthorized
from api.schemas import Credentials, Me, Problem, Token
from api.security import create_access_token, verify_password
from core.models import User, utcnow
from core.settings import Settings

router = APIRouter(prefix="/api", tags=["auth"])

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


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Wrong or missing credentials"},
    422: {"model": Problem, "description": "Malformed body"},
    429: {"model": Problem, "description": "Too many failures; see Retry-After"},
}


@router.post(
    "/login",
    responses=_ERRORS,
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
) -> Token:
    """Exchange a username and password for an access token and a refresh cookie."""
    now = utcnow()
    client = request.client.host if request.client else "unknown"
    username = credentials.username
    until = await session.run_sync(
        lambda s: accounts.locked_until(username, client, session=s, settings=settings, now=now)
    )
    if until is not None:
        retry_after = max(1, math.ceil((until - now).total_seconds()))
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail="Too many failed sign-ins; try again later",
            headers={"Retry-After": str(retry_after)},
        )
    user = await session.run_sync(lambda s: accounts.find_user(username, session=s))
    # argon2 is slow on purpose: verify off the event loop.
    password_hash = user.password_hash if user else None
    if not await run_in_threadpool(verify_password, credentials.password, password_hash):
        await session.run_sync(
            lambda s: accounts.record_failure(
                username, client, session=s, settings=settings, now=now
            )
        )
        await session.commit()
        raise unauthorized("Incorrect username or password")
    assert user is not None  # verify_password is False without a hash
    await session.run_sync(lambda s: accounts.clear_failures(username, session=s))
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
    return Me.model_validate(user)
