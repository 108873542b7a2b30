"""Saved searches (/api/searches) and linking the user's Telegram chat (/api/me/telegram)."""

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, status
from sqlalchemy import delete, func, select

from api.deps import CurrentUser, SessionDep, SettingsDep, require_access_token
from api.schemas import LinkCode, Problem, SavedSearchIn, SavedSearchOut
from core.alerts import LINK_CODE_TTL, link_code_hash, new_link_code, saved_filters
from core.models import SavedSearch, utcnow

router = APIRouter(
    prefix="/api",
    tags=["saved searches"],
    dependencies=[Depends(require_access_token)],
    responses={401: {"model": Problem, "description": "Missing, expired or invalid token"}},
)


@router.get("/searches", response_model=list[SavedSearchOut])
async def list_searches(session: SessionDep, user: CurrentUser) -> Any:
    """The user's saved searches, newest first."""
    query = (
        select(SavedSearch)
        .where(SavedSearch.user_id == user.id)
        .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())
    )
    return (await session.scalars(query)).all()


@router.post(
    "/searches",
    response_model=SavedSearchOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": Problem, "description": "Too many saved searches"}},
)
async def save_search(
    session: SessionDep, user: CurrentUser, settings: SettingsDep, new: SavedSearchIn
) -> Any:
    """Save the filters; from now on, new matching cars and price drops are told in Telegram."""
    count = await session.scalar(
        select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user.id)
    )
    if (count or 0) >= settings.saved_searches_per_owner:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"at most {settings.saved_searches_per_owner} saved searches; delete one first",
        )
    search = SavedSearch(
        user_id=user.id,
        name=new.name,
        filters=saved_filters(new.filters),
        language=new.language,
        currency=new.currency,
        alerted_until=utcnow(),
    )
    session.add(search)
    await session.commit()
    return search


@router.delete(
    "/searches/{search_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"model": Problem, "description": "No such saved search of yours"}},
)
async def delete_search(
    session: SessionDep, user: CurrentUser, search_id: int = Path(ge=1, le=2**63 - 1)
) -> None:
    """Forget a saved search; no more alerts for it."""
    result = await session.execute(
        delete(SavedSearch).where(SavedSearch.id == search_id, SavedSearch.user_id == user.id)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such saved search")
    await session.commit()


@router.post("/me/telegram", response_model=LinkCode, status_code=status.HTTP_201_CREATED)
async def new_telegram_code(session: SessionDep, user: CurrentUser) -> LinkCode:
    """A one-time code to send the bot as /link CODE; it replaces any earlier code."""
    code, expires_at = new_link_code(), utcnow() + LINK_CODE_TTL
    user.link_code_hash, user.link_code_expires_at = link_code_hash(code), expires_at
    await session.commit()
    return LinkCode(code=code, command=f"/link {code}", expires_at=expires_at)


@router.delete("/me/telegram", status_code=status.HTTP_204_NO_CONTENT)
async def unlink_telegram(session: SessionDep, user: CurrentUser) -> None:
    """Unlink the user's chat: the saved searches stay, but tell no one until a new link."""
    user.telegram_chat_id = user.link_code_hash = user.link_code_expires_at = None
    await session.commit()
