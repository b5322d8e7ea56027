"""Counters kept on the character row for cheap sorting, changed atomically in SQL.

The chat engine calls `bump_chats` when a chat starts and `bump_messages` when a message
is stored. `UPDATE ... SET x = x + :d` never loses a concurrent increment, and the result is
clamped at zero so a late decrement cannot make a count negative.
"""

from __future__ import annotations

import uuid

from sqlalchemy import case, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hearth.characters.models import Character


async def _bump(
    db: AsyncSession, column: InstrumentedAttribute[int], character_id: uuid.UUID, delta: int
) -> None:
    if delta == 0:
        return
    new_value = column + delta
    await db.execute(
        update(Character)
        .where(Character.id == character_id)
        .values({column.key: case((new_value < 0, 0), else_=new_value)})
        .execution_options(synchronize_session=False)
    )


async def bump_chats(db: AsyncSession, character_id: uuid.UUID, delta: int = 1) -> None:
    await _bump(db, Character.chats_count, character_id, delta)


async def bump_messages(db: AsyncSession, character_id: uuid.UUID, delta: int = 1) -> None:
    await _bump(db, Character.messages_count, character_id, delta)


async def bump_likes(db: AsyncSession, character_id: uuid.UUID, delta: int) -> None:
    await _bump(db, Character.likes_count, character_id, delta)
