"""Numbers for the operator: users, content, activity, tokens and money per day and model."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.characters.models import Character
from hearth.characters.seed import SYSTEM_EMAIL
from hearth.chats.models import Chat, Message
from hearth.limits.models import UsageEntry
from hearth.users.models import User

# People's accounts: the `hearth` system account that owns the built-in characters is none.
_PEOPLE = User.email != SYSTEM_EMAIL


@dataclass
class Stats:
    since: datetime
    users: int
    characters: int
    built_in_characters: int
    chats: int
    messages: int
    active_users: int
    new_users_per_day: list[dict[str, Any]] = field(default_factory=list)
    usage_per_day: list[dict[str, Any]] = field(default_factory=list)
    usage_per_model: list[dict[str, Any]] = field(default_factory=list)


def _day(db: AsyncSession, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, on either backend."""
    if db.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


async def _count(db: AsyncSession, model: Any) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def collect_stats(db: AsyncSession, now: datetime, days: int) -> Stats:
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    user_day = _day(db, User.created_at)
    new_users = await db.execute(
        select(user_day.label("day"), func.count().label("n"))
        .where(User.created_at >= since, _PEOPLE)
        .group_by(user_day)
        .order_by(user_day)
    )
    usage_day = _day(db, UsageEntry.created_at)
    per_day = await db.execute(
        select(
            usage_day.label("day"),
            func.sum(UsageEntry.prompt_tokens).label("prompt_tokens"),
            func.sum(UsageEntry.completion_tokens).label("completion_tokens"),
            func.sum(UsageEntry.cost_micros).label("cost"),
            func.count().label("replies"),
            func.count(func.distinct(UsageEntry.user_id)).label("active_users"),
        )
        .where(UsageEntry.created_at >= since)
        .group_by(usage_day)
        .order_by(usage_day)
    )
    per_model = await db.execute(
        select(
            UsageEntry.model,
            func.sum(UsageEntry.prompt_tokens).label("prompt_tokens"),
            func.sum(UsageEntry.completion_tokens).label("completion_tokens"),
            func.sum(UsageEntry.cost_micros).label("cost"),
            func.count().label("replies"),
        )
        .where(UsageEntry.created_at >= since)
        .group_by(UsageEntry.model)
        .order_by(func.sum(UsageEntry.cost_micros).desc())
        .limit(100)
    )
    active = await db.scalar(
        select(func.count(func.distinct(UsageEntry.user_id))).where(UsageEntry.created_at >= since)
    )
    return Stats(
        since=since,
        users=int(await db.scalar(select(func.count()).select_from(User).where(_PEOPLE)) or 0),
        characters=int(
            await db.scalar(select(func.count()).where(Character.deleted_at.is_(None))) or 0
        ),
        built_in_characters=int(
            await db.scalar(
                select(func.count()).where(
                    Character.deleted_at.is_(None), Character.seed_key.is_not(None)
                )
            )
            or 0
        ),
        chats=int(
            await db.scalar(
                select(func.count()).where(
                    Chat.deleted_at.is_(None), Chat.import_worker_id.is_(None)
                )
            )
            or 0
        ),
        messages=await _count(db, Message),
        active_users=int(active or 0),
        new_users_per_day=[{"day": str(r.day), "count": int(r.n)} for r in new_users],
        usage_per_day=[
            {
                "day": str(r.day),
                "prompt_tokens": int(r.prompt_tokens or 0),
                "completion_tokens": int(r.completion_tokens or 0),
                "tokens": int((r.prompt_tokens or 0) + (r.completion_tokens or 0)),
                "cost": int(r.cost or 0),
                "replies": int(r.replies),
                "active_users": int(r.active_users),
            }
            for r in per_day
        ],
        usage_per_model=[
            {
                "model": r.model,
                "prompt_tokens": int(r.prompt_tokens or 0),
                "completion_tokens": int(r.completion_tokens or 0),
                "tokens": int((r.prompt_tokens or 0) + (r.completion_tokens or 0)),
                "cost": int(r.cost or 0),
                "replies": int(r.replies),
            }
            for r in per_model
        ],
    )
