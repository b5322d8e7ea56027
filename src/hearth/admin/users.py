"""Administering accounts: search, detail, block/unblock (sessions end), plan, deposit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.admin import audit
from hearth.auth.service import logout_all
from hearth.characters.models import Character
from hearth.characters.seed import SYSTEM_EMAIL
from hearth.chats.models import Chat
from hearth.config import Settings
from hearth.core.errors import Conflict, NotFound
from hearth.core.text_match import contains_folded
from hearth.limits import balance, plans
from hearth.limits.counters import UnitCounters
from hearth.limits.models import BalanceTransaction
from hearth.limits.usage import UsageView, usage_view
from hearth.users.models import User

USER_FIELDS = ["is_blocked", "blocked_reason"]


async def get_user(db: AsyncSession, user_id: uuid.UUID) -> User:
    user = await db.get(User, user_id)
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    return user


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


async def search_users(
    db: AsyncSession, *, q: str | None, blocked: bool | None, cursor: str | None, limit: int
) -> tuple[list[User], str | None]:
    """Newest first; `q` matches email, username or display name (case-insensitive)."""
    query = select(User)
    if q:
        pattern = _like(q)
        query = query.where(
            or_(
                User.email.like(pattern, escape="\\"),
                User.username.like(pattern, escape="\\"),
                contains_folded(User.display_name, q),
            )
        )
    if blocked is not None:
        query = query.where(User.is_blocked.is_(blocked))
    after = audit.uuid_cursor(cursor)
    if after is not None:
        query = query.where(User.id < after)
    rows = list((await db.scalars(query.order_by(User.id.desc()).limit(limit + 1))).all())
    return rows[:limit], audit.next_cursor(rows, limit)


@dataclass
class ChatRow:
    id: uuid.UUID
    title: str
    character_id: uuid.UUID
    character_name: str
    created_at: datetime
    last_message_at: datetime
    deleted: bool


async def page_user_chats(
    db: AsyncSession, user_id: uuid.UUID, *, cursor: str | None, limit: int
) -> tuple[list[ChatRow], str | None]:
    """The user's chats (trash included), newest first, with the character's name."""
    query = (
        select(Chat, Character.name)
        .join(Character, Character.id == Chat.character_id)
        .where(Chat.user_id == user_id, Chat.import_worker_id.is_(None))  # none half-imported
    )
    after = audit.uuid_cursor(cursor)
    if after is not None:
        query = query.where(Chat.id < after)
    rows = (await db.execute(query.order_by(Chat.id.desc()).limit(limit + 1))).all()
    chats = [
        ChatRow(
            id=chat.id,
            title=chat.title,
            character_id=chat.character_id,
            character_name=name,
            created_at=chat.created_at,
            last_message_at=chat.last_message_at,
            deleted=chat.deleted_at is not None,
        )
        for chat, name in rows
    ]
    return chats[:limit], audit.next_cursor(chats, limit)


@dataclass
class UserDetail:
    user: User
    characters_created: int
    chats_count: int
    chats: list[ChatRow]
    chats_next_cursor: str | None
    usage: UsageView


async def user_detail(
    db: AsyncSession, settings: Settings, counters: UnitCounters, user_id: uuid.UUID, now: datetime
) -> UserDetail:
    user = await get_user(db, user_id)
    created = await db.scalar(
        select(func.count()).select_from(Character).where(Character.creator_id == user.id)
    )
    chats_count = await db.scalar(
        select(func.count())
        .select_from(Chat)
        .where(Chat.user_id == user.id, Chat.import_worker_id.is_(None))
    )
    chats, next_cursor = await page_user_chats(db, user.id, cursor=None, limit=20)
    return UserDetail(
        user=user,
        characters_created=int(created or 0),
        chats_count=int(chats_count or 0),
        chats=chats,
        chats_next_cursor=next_cursor,
        usage=await usage_view(db, settings, counters, user.id, now),
    )


async def block_user(db: AsyncSession, actor: User, user_id: uuid.UUID, reason: str | None) -> User:
    """Blocked: every request is refused (`account_blocked`) and every session ends now."""
    user = await get_user(db, user_id)
    if user.id == actor.id:
        raise Conflict("You cannot block yourself.", code="cannot_block_self")
    if user.email == SYSTEM_EMAIL:
        # It cannot sign in; blocking it would hide nothing and only confuse the records.
        # Built-in characters are blocked one by one instead.
        raise Conflict("The system account cannot be blocked.", code="cannot_block_system")
    if user.is_admin:
        # Admins are trusted operators (granted by configuration or the CLI); a dispute
        # between them is not settled by one locking the other out.
        raise Conflict("Administrators cannot be blocked.", code="cannot_block_admin")
    before = audit.snapshot(user, USER_FIELDS)
    user.is_blocked = True
    user.blocked_reason = reason
    await logout_all(db, user.id)
    await db.flush()
    await audit.record(
        db,
        actor,
        "user.block",
        "user",
        user.id,
        before=before,
        after=audit.snapshot(user, USER_FIELDS),
    )
    return user


class ReplyStopper(Protocol):
    async def request_stop(self, message_id: uuid.UUID) -> bool: ...


async def block_user_and_stop_replies(
    db: AsyncSession, stopper: ReplyStopper, actor: User, user_id: uuid.UUID, reason: str | None
) -> User:
    """`block_user`, then the replies being written for the user stop (what was written is
    kept). Commits the caller's transaction: the block must be visible before a reply stops,
    or the user's next send could slip in between. Every way of blocking goes through here."""
    user = await block_user(db, actor, user_id, reason)
    running = await running_replies(db, user_id)
    await db.commit()
    for message_id in running:
        await stopper.request_stop(message_id)
    return user


async def running_replies(db: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The replies being generated right now in the user's chats."""
    result = await db.scalars(
        select(Chat.active_message_id).where(
            Chat.user_id == user_id, Chat.active_message_id.is_not(None)
        )
    )
    return [message_id for message_id in result if message_id is not None]


async def unblock_user(db: AsyncSession, actor: User, user_id: uuid.UUID) -> User:
    user = await get_user(db, user_id)
    before = audit.snapshot(user, USER_FIELDS)
    user.is_blocked = False
    user.blocked_reason = None
    await db.flush()
    await audit.record(
        db,
        actor,
        "user.unblock",
        "user",
        user.id,
        before=before,
        after=audit.snapshot(user, USER_FIELDS),
    )
    return user


async def set_plan(
    db: AsyncSession,
    actor: User,
    user_id: uuid.UUID,
    *,
    plan_id: uuid.UUID | None,
    daily_units: int | None,
) -> None:
    await get_user(db, user_id)
    current = await plans.user_plan(db, user_id)
    before: dict[str, Any] = {
        "plan_id": current.plan_id if current else None,
        "daily_units": current.daily_units if current else None,
    }
    await plans.set_user_plan(db, user_id, plan_id=plan_id, daily_units=daily_units)
    await audit.record(
        db,
        actor,
        "user.set_plan",
        "user",
        user_id,
        before=before,
        after={"plan_id": plan_id, "daily_units": daily_units},
    )


async def deposit(
    db: AsyncSession, actor: User, user_id: uuid.UUID, amount: int, note: str
) -> BalanceTransaction:
    await get_user(db, user_id)
    before = await balance.balance_of(db, user_id)
    row = await balance.adjust_by_admin(db, user_id, amount, actor_id=actor.id, note=note)
    await audit.record(
        db,
        actor,
        "user.deposit" if amount > 0 else "user.balance_correction",
        "user",
        user_id,
        before={"balance": before},
        after={"balance": row.balance_after_micros, "amount": amount, "note": note},
    )
    return row
