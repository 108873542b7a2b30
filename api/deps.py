"""Request dependencies: settings, a database session, and the signed-in user."""

from collections.abc import AsyncIterator
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.accounts import TokenEpochs
from api.security import AccessTokens, issued_at_us
from core.models import User
from core.read import Totals
from core.settings import Settings

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/login", auto_error=False)


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for this request; the handler commits what it writes."""
    async with request.app.state.sessions() as session:
        yield session


async def get_engine(request: Request) -> AsyncEngine:
    """The process's engine, for work that outlives the request's session (a streamed export)."""
    engine: AsyncEngine = request.app.state.engine
    return engine


async def get_totals(request: Request) -> Totals:
    """The process's cache of totals and facets (core.read.Totals)."""
    totals: Totals = request.app.state.totals
    return totals


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
# scope="function": the connection goes back to the pool before the response is sent.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
EngineDep = Annotated[AsyncEngine, Depends(get_engine)]
TotalsDep = Annotated[Totals, Depends(get_totals)]


def unauthorized(detail: str) -> HTTPException:
    """A 401 that tells the client to send a bearer token."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def token_epochs(request: Request) -> TokenEpochs:
    """This app's snapshot of whose access tokens are good (api.accounts.TokenEpochs)."""
    epochs: TokenEpochs = request.app.state.token_epochs
    return epochs


async def require_access_token(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> int:
    """The user id in a valid access token of an active user, or 401.

    The signature and expiry are checked in memory; that the user is still active and the token
    not revoked (disabled, demoted, new password) against a per-process snapshot of the users
    (TokenEpochs), so that /api/cars needs no database query.
    """
    if token is None:
        raise unauthorized("Not authenticated")
    try:
        tokens: AccessTokens = request.app.state.tokens
        user_id, issued = tokens.user_id(token), issued_at_us(token)
    except (jwt.InvalidTokenError, ValueError) as error:
        raise unauthorized("Invalid or expired token") from error
    sessions = request.app.state.sessions
    if not await token_epochs(request).accepts(user_id, issued, sessions=sessions):
        raise unauthorized("Invalid or expired token")
    return user_id


async def get_current_user(
    session: SessionDep, user_id: Annotated[int, Depends(require_access_token)]
) -> User:
    """The active user behind a valid access token, or 401."""
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise unauthorized("Invalid or expired token")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin(user: CurrentUser) -> User:
    """The signed-in user if an admin, or 403."""
    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Admins only")
    return user


AdminUser = Annotated[User, Depends(get_admin)]
