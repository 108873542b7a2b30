"""GET /api/reference: prefecture names in three languages and the exchange rates."""

from fastapi import APIRouter, Depends

from api.deps import SessionDep, SettingsDep, require_access_token
from api.schemas import PrefectureName, Problem, RatesOut, Reference
from core.money import current_rates
from core.prefectures import PREFECTURES

router = APIRouter(
    prefix="/api",
    tags=["reference"],
    dependencies=[Depends(require_access_token)],
    responses={401: {"model": Problem, "description": "Missing, expired or invalid token"}},
)

_PREFECTURES = [PrefectureName(ja=p.ja, en=p.en, ru=p.ru) for p in PREFECTURES]


@router.get("/reference", response_model=Reference)
async def reference(session: SessionDep, settings: SettingsDep) -> Reference:
    """The 47 prefectures (ja, en, ru) in their official order, and the rates to convert with."""
    rates = await current_rates(session=session, settings=settings)
    return Reference(
        prefectures=_PREFECTURES,
        rates=RatesOut(
            yen_per=dict(rates.yen_per),
            as_of=rates.as_of,
            source="settings" if rates.source == "settings" else "feed",
        ),
    )
