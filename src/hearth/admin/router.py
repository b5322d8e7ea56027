"""HTTP: admin stats, users, chats (read-only) and the audit log. Every route needs an admin."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from hearth.admin import audit, content, stats, users
from hearth.admin import errors as _errors  # noqa: F401 - registers messages
from hearth.admin.schemas import (
    AdminChatOut,
    AdminChatRow,
    AdminUserDetail,
    AdminUserOut,
    AuditOut,
    BlockIn,
    DepositIn,
    DepositOut,
    PlanAssignIn,
    StatsOut,
)
from hearth.auth.deps import AdminUser, get_admin
from hearth.chats import service as chats
from hearth.chats.deps import EngineDep
from hearth.chats.schemas import MessageOut
from hearth.core.deps import DbDep, SettingsDep
from hearth.core.pagination import Page
from hearth.limits.deps import ClockDep, CountersDep
from hearth.limits.schemas import UsageOut
from hearth.limits.usage import usage_view

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(get_admin)])
Limit = Annotated[int, Query(ge=1, le=100)]


@router.get("/stats")
async def read_stats(
    admin: AdminUser, db: DbDep, clock: ClockDep, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> StatsOut:
    """Counts, new users per day, tokens and cost (micro-units) per day and per model, and
    active users, over the last `days` days. Users are people's accounts (not the system
    account); characters include the built-in ones, also given on their own."""
    found = await stats.collect_stats(db, clock(), days)
    return StatsOut.model_validate(found, from_attributes=True)


@router.get("/users")
async def list_users(
    admin: AdminUser,
    db: DbDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    blocked: bool | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[AdminUserOut]:
    rows, next_cursor = await users.search_users(
        db, q=q, blocked=blocked, cursor=cursor, limit=limit
    )
    return Page[AdminUserOut](
        items=[AdminUserOut.model_validate(u) for u in rows], next_cursor=next_cursor
    )


@router.get("/users/{user_id}")
async def read_user(
    user_id: uuid.UUID,
    admin: AdminUser,
    db: DbDep,
    settings: SettingsDep,
    counters: CountersDep,
    clock: ClockDep,
) -> AdminUserDetail:
    """Registration date, email verification, characters created, recent chats (date and
    character name), today's usage and the balance."""
    detail = await users.user_detail(db, settings, counters, user_id, clock())
    return AdminUserDetail(
        **AdminUserOut.model_validate(detail.user).model_dump(),
        email_verified=detail.user.email_verified_at is not None,
        characters_created=detail.characters_created,
        chats_count=detail.chats_count,
        chats=[AdminChatRow.model_validate(c) for c in detail.chats],
        chats_next_cursor=detail.chats_next_cursor,
        usage=UsageOut.model_validate(detail.usage),
    )


@router.get("/users/{user_id}/chats")
async def list_user_chats(
    user_id: uuid.UUID, admin: AdminUser, db: DbDep, cursor: str | None = None, limit: Limit = 50
) -> Page[AdminChatRow]:
    await users.get_user(db, user_id)
    rows, next_cursor = await users.page_user_chats(db, user_id, cursor=cursor, limit=limit)
    return Page[AdminChatRow](
        items=[AdminChatRow.model_validate(c) for c in rows], next_cursor=next_cursor
    )


@router.post("/users/{user_id}/block")
async def block_user(
    user_id: uuid.UUID,
    admin: AdminUser,
    db: DbDep,
    engine: EngineDep,
    body: BlockIn | None = None,
) -> AdminUserOut:
    """Every request of the user is refused from now on; all their sessions end, and the
    replies being written for them stop (what was written is kept)."""
    user = await users.block_user_and_stop_replies(
        db, engine.runner, admin, user_id, body.reason if body else None
    )
    return AdminUserOut.model_validate(user)


@router.post("/users/{user_id}/unblock")
async def unblock_user(user_id: uuid.UUID, admin: AdminUser, db: DbDep) -> AdminUserOut:
    return AdminUserOut.model_validate(await users.unblock_user(db, admin, user_id))


@router.put("/users/{user_id}/plan")
async def set_user_plan(
    user_id: uuid.UUID,
    body: PlanAssignIn,
    admin: AdminUser,
    db: DbDep,
    settings: SettingsDep,
    counters: CountersDep,
    clock: ClockDep,
) -> UsageOut:
    """Assign a plan and/or the user's own daily unit limit; returns their usage now."""
    await users.set_plan(db, admin, user_id, plan_id=body.plan_id, daily_units=body.daily_units)
    return UsageOut.model_validate(await usage_view(db, settings, counters, user_id, clock()))


@router.post("/users/{user_id}/deposit")
async def deposit(user_id: uuid.UUID, body: DepositIn, admin: AdminUser, db: DbDep) -> DepositOut:
    row = await users.deposit(db, admin, user_id, body.amount, body.note)
    return DepositOut(
        transaction_id=row.id, amount=row.amount_micros, balance=row.balance_after_micros
    )


@router.get("/chats/{chat_id}")
async def read_chat(
    chat_id: uuid.UUID,
    admin: AdminUser,
    db: DbDep,
    before: uuid.UUID | None = None,
    limit: Limit = 50,
) -> AdminChatOut:
    """Any user's chat with its messages (newest first, `before` pages back); read-only."""
    chat, character, owner = await content.get_chat(db, chat_id)
    rows, next_cursor = await chats.page_messages(db, chat, before=before, limit=limit)
    await audit.record(db, admin, "chat.read", "chat", chat.id)
    return AdminChatOut(
        id=chat.id,
        title=chat.title,
        user_id=chat.user_id,
        username=owner.username if owner else None,
        character_id=chat.character_id,
        character_name=character.name if character else None,
        model=chat.model,
        created_at=chat.created_at,
        last_message_at=chat.last_message_at,
        deleted_at=chat.deleted_at,
        messages=[MessageOut.of(m) for m in rows],
        next_cursor=next_cursor,
    )


@router.get("/audit")
async def list_audit(
    admin: AdminUser,
    db: DbDep,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor_id: uuid.UUID | None = None,
    target_type: Annotated[str | None, Query(max_length=32)] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[AuditOut]:
    """Every admin action, newest first: who, what, when, before and after."""
    rows, next_cursor = await audit.page_audit(
        db,
        cursor=cursor,
        limit=limit,
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
    )
    return Page[AuditOut](items=[AuditOut.model_validate(r) for r in rows], next_cursor=next_cursor)
