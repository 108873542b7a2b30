"""Team accounts: admins manage users (/api/users); everyone changes their own password.

Disabling, demoting, deleting a user or setting their password revokes their refresh tokens
and refuses their access tokens from the next request (api.accounts.TokenEpochs). There is no
self sign-up: only an admin adds people.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Cookie, HTTPException, Path, Request, status
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from api import accounts
from api.deps import AdminUser, CurrentUser, SessionDep, token_epochs
from api.routes.auth import REFRESH_COOKIE
from api.schemas import PasswordChange, Problem, UserCreate, UserList, UserOut, UserUpdate
from api.security import AccessTokens, hash_password, password_problem, verify_password
from core.models import User, utcnow

router = APIRouter(
    prefix="/api",
    tags=["users"],
    responses={401: {"model": Problem, "description": "Missing, expired or invalid token"}},
)

UserId = Annotated[int, Path(ge=1, le=AccessTokens.MAX_USER_ID)]
LAST_ADMIN = "The last active admin cannot be disabled, demoted or deleted"
_ADMINS_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "Not an admin"}
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such user"}
}
_WEAK: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Malformed body, or a password breaking the rules"}
}


def _refuse_weak(password: str, *, username: str) -> None:
    """422 naming the rule the password breaks, if it breaks one."""
    problem = password_problem(password, username=username)
    if problem is not None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=problem)


async def _user(session: SessionDep, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such user")
    return user


@router.get("/users", responses=_ADMINS_ONLY)
async def list_users(session: SessionDep, _admin: AdminUser) -> UserList:
    """Every user, active or not, by username."""
    users = await session.run_sync(lambda s: accounts.list_users(session=s))
    return UserList(users=[UserOut.model_validate(user) for user in users])


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    responses={
        **_ADMINS_ONLY,
        409: {"model": Problem, "description": "Username taken"},
        **_WEAK,
    },
)
async def create_user(session: SessionDep, _admin: AdminUser, new: UserCreate) -> UserOut:
    """Add an account (staff unless `is_admin`)."""
    taken = await session.run_sync(lambda s: accounts.username_taken(new.username, session=s))
    if taken:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="Username taken")
    _refuse_weak(new.password, username=new.username)
    # argon2 is slow on purpose: off the event loop.
    password_hash = await run_in_threadpool(hash_password, new.password)
    now = utcnow()
    user = User(
        username=new.username,
        password_hash=password_hash,
        is_admin=new.is_admin,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    try:
        await session.commit()
    except IntegrityError as error:  # created meanwhile by another request
        raise HTTPException(status.HTTP_409_CONFLICT, detail="Username taken") from error
    return UserOut.model_validate(user)


@router.patch(
    "/users/{user_id}",
    responses={
        **_ADMINS_ONLY,
        **_NOT_FOUND,
        409: {"model": Problem, "description": "It would leave no active admin"},
        **_WEAK,
    },
)
async def update_user(
    request: Request, session: SessionDep, _admin: AdminUser, user_id: UserId, change: UserUpdate
) -> UserOut:
    """Enable or disable, promote or demote an account, or set its password.

    Disabling, demoting or a new password signs the user out everywhere.
    """
    user = await _user(session, user_id)
    password_hash = None
    if change.password is not None:
        _refuse_weak(change.password, username=user.username)
        password_hash = await run_in_threadpool(hash_password, change.password)
    disables = user.is_active and change.is_active is False
    demotes = user.is_admin and change.is_admin is False
    last_admin = (disables or demotes) and await session.run_sync(
        lambda s: accounts.only_active_admin(user_id, session=s)
    )
    if last_admin:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=LAST_ADMIN)
    now = utcnow()
    if change.is_active is not None:
        user.is_active = change.is_active
    if change.is_admin is not None:
        user.is_admin = change.is_admin
    if password_hash is not None:
        user.password_hash = password_hash
    if disables or demotes or password_hash is not None:
        await session.run_sync(lambda s: accounts.revoke_user_tokens(user, session=s, now=now))
    user.updated_at = now
    await session.commit()
    token_epochs(request).invalidate()
    return UserOut.model_validate(user)


@router.delete(
    "/users/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **_ADMINS_ONLY,
        **_NOT_FOUND,
        409: {"model": Problem, "description": "It is the last active admin"},
    },
)
async def delete_user(
    request: Request, session: SessionDep, _admin: AdminUser, user_id: UserId
) -> None:
    """Delete an account and its sessions (an admin may delete themself if another remains)."""
    user = await _user(session, user_id)
    if await session.run_sync(lambda s: accounts.only_active_admin(user_id, session=s)):
        raise HTTPException(status.HTTP_409_CONFLICT, detail=LAST_ADMIN)
    # Its refresh tokens go with it (ON DELETE CASCADE).
    await session.delete(user)
    await session.commit()
    token_epochs(request).invalidate()


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={400: {"model": Problem, "description": "Wrong password"}, **_WEAK},
)
async def change_password(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    change: PasswordChange,
    refresh_token: Annotated[str | None, Cookie(alias=REFRESH_COOKIE)] = None,
) -> None:
    """Change your own password, given the current one.

    Every other session is signed out; this one keeps its refresh cookie, and its access token
    is refused from the next request, so the client refreshes once.
    """
    _refuse_weak(change.new_password, username=user.username)
    # Not a sign-in: a wrong password here is not counted towards throttling.
    if not await run_in_threadpool(verify_password, change.old_password, user.password_hash):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="Wrong password")
    password_hash = await run_in_threadpool(hash_password, change.new_password)
    now = utcnow()
    keep = None
    if refresh_token:
        keep = await session.run_sync(
            lambda s: accounts.token_family(refresh_token, user_id=user.id, session=s)
        )
    user.password_hash = password_hash
    user.updated_at = now
    await session.run_sync(
        lambda s: accounts.revoke_user_tokens(user, session=s, now=now, keep_family=keep)
    )
    await session.commit()
    token_epochs(request).invalidate()
