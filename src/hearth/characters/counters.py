"""Counters kept on the character row for cheap sorting, changed atomically in SQL.

The chat engine calls `bump_chats` when a chat starts and `bump_messages` when a message
is stored. `UPDATE ... SET x = x + :d` never loses a concurrent increment, and the result is
clamped at zero so a late decrement cannot make a count negative.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from typing import cast

from sqlalchemy import Table, Update, bindparam, case, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.characters.models import Character


@functools.cache
def _bump_statement(column: str) -> Update:
    """`column += delta`, clamped at zero; built once per column (replies end by the hundred)."""
    table = cast(Table, Character.__table__)
    new_value = table.c[column] + bindparam("b_delta")
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        # updated_at as it was: its `onupdate` would otherwise date every chat turn as an
        # edit of the character.
        .values(
            {column: case((new_value < 0, 0), else_=new_value), "updated_at": table.c.updated_at}
        )
    )


async def _bump(db: AsyncSession, column: str, deltas: Mapping[uuid.UUID, int]) -> None:
    rows = [{"b_id": key, "b_delta": delta} for key, delta in deltas.items() if delta]
    if rows:
        await db.execute(_bump_statement(column), rows)


async def bump_chats(db: AsyncSession, character_id: uuid.UUID, delta: int = 1) -> None:
    await _bump(db, "chats_count", {character_id: delta})


async def bump_messages(db: AsyncSession, deltas: Mapping[uuid.UUID, int]) -> None:
    """Several characters at once: one statement for every reply that ended together."""
    await _bump(db, "messages_count", deltas)


async def bump_likes(db: AsyncSession, character_id: uuid.UUID, delta: int) -> None:
    await _bump(db, "likes_count", {character_id: delta})
