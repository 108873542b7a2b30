"""Request dependencies: settings, a database session, and the signed-in user."""

from collections.abc import Iterator
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.security import decode_access_token
from core.models import User
from core.settings import Settings

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/login", auto_error=False)


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request; the handler commits what it writes."""
    with request.app.state.sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


def unauthorized(detail: str) -> HTTPException:
    """A 401 that tells the client to send a bearer token."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def get_current_user(
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    """The active user named by a valid access token, or 401."""
    if token is None:
        raise unauthorized("Not authenticated")
    try:
        claims = decode_access_token(token, settings=settings)
        user_id = int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError) as error:
        raise unauthorized("Invalid or expired token") from error
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise unauthorized("Invalid or expired token")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
