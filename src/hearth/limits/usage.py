"""What a user has used today, has left, and when it renews."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hearth.config import Settings
from hearth.limits.balance import balance_of
from hearth.limits.counters import UnitCounters
from hearth.limits.period import quota_day, reset_at
from hearth.limits.plans import allowance_of


@dataclass(frozen=True)
class UsageView:
    plan: str
    units_used: int
    units_reserved: int
    units_limit: int | None
    units_remaining: int | None
    reset_at: datetime
    balance: int
    requires_balance: bool


async def usage_view(
    db: AsyncSession,
    settings: Settings,
    counters: UnitCounters,
    user_id: uuid.UUID,
    now: datetime,
) -> UsageView:
    hour = settings.quota_reset_hour
    allowance = await allowance_of(db, settings, user_id)
    day_usage = await counters.read(db, user_id, quota_day(now, hour))
    limit = allowance.daily_units
    remaining = None if limit is None else max(0, limit - day_usage.used - day_usage.reserved)
    return UsageView(
        plan=allowance.plan,
        units_used=day_usage.used,
        units_reserved=day_usage.reserved,
        units_limit=limit,
        units_remaining=remaining,
        reset_at=reset_at(now, hour),
        balance=await balance_of(db, user_id),
        requires_balance=allowance.requires_balance,
    )
