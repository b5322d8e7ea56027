"""Writing and reading the audit log (in the same transaction as the action itself)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.admin.models import AuditEntry
from hearth.core.pagination import cursor_uuid, decode_cursor, encode_cursor
from hearth.users.models import User


async def record(
    db: AsyncSession,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """`actor` None: the operator, from the command line (`hearth create-admin`)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        before=_jsonable(before),
        after=_jsonable(after),
    )
    db.add(entry)
    await db.flush()
    return entry


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, (str, int, float, bool, list, dict)) or value is None:
            out[key] = value
        else:
            out[key] = str(value)
    return out


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    return {field: getattr(obj, field) for field in fields}


def uuid_cursor(cursor: str | None) -> uuid.UUID | None:
    """The id inside an opaque cursor (ids are time-ordered uuid7s)."""
    if not cursor:
        return None
    (value,) = decode_cursor(cursor, cursor_uuid)
    return value  # type: ignore[no-any-return]


def next_cursor(rows: list[Any], limit: int) -> str | None:
    return encode_cursor([str(rows[limit - 1].id)]) if len(rows) > limit else None


async def page_audit(
    db: AsyncSession,
    *,
    cursor: str | None,
    limit: int,
    action: str | None = None,
    actor_id: uuid.UUID | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
) -> tuple[list[AuditEntry], str | None]:
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    after = uuid_cursor(cursor)
    if after is not None:
        query = query.where(AuditEntry.id < after)
    rows = list((await db.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1))).all())
    return rows[:limit], next_cursor(rows, limit)
