"""HTTP: the signed-in user's usage and balance statement."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hearth.auth.deps import CurrentUser
from hearth.core.deps import DbDep, SettingsDep
from hearth.core.pagination import Page
from hearth.limits import balance
from hearth.limits.deps import ClockDep, CountersDep
from hearth.limits.schemas import TransactionOut, UsageOut
from hearth.limits.usage import usage_view

router = APIRouter(prefix="/me", tags=["me"])


@router.get("/usage")
async def read_usage(
    user: CurrentUser, db: DbDep, settings: SettingsDep, counters: CountersDep, clock: ClockDep
) -> UsageOut:
    """Units used today (settled), held by replies in flight, left, when they renew; the
    balance in integer micro-units of money."""
    view = await usage_view(db, settings, counters, user.id, clock())
    return UsageOut.model_validate(view)


@router.get("/transactions")
async def list_transactions(
    user: CurrentUser,
    db: DbDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[TransactionOut]:
    """The balance statement, newest first."""
    rows, next_cursor = await balance.page_transactions(db, user.id, cursor=cursor, limit=limit)
    return Page[TransactionOut](
        items=[TransactionOut.model_validate(r) for r in rows], next_cursor=next_cursor
    )
