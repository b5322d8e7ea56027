"""Likes: idempotent, and the count on the character moves only when a like row does."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.characters.counters import bump_likes
from hearth.characters.models import Character, CharacterLike
from hearth.core.clock import utcnow


async def like(db: AsyncSession, user_id: uuid.UUID, character_id: uuid.UUID) -> int:
    """Like once; a repeated or concurrent like inserts nothing and counts nothing.

    Returns the like count afterwards.
    """
    dialect_insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(CharacterLike)
        .values(user_id=user_id, character_id=character_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "character_id"])
    )
    result = await db.execute(statement)
    if result.rowcount == 1:  # type: ignore[attr-defined]
        await bump_likes(db, character_id, 1)
    return await _count(db, character_id)


async def unlike(db: AsyncSession, user_id: uuid.UUID, character_id: uuid.UUID) -> int:
    """Remove the like if there is one; the count drops only for the row really deleted."""
    result = await db.execute(
        delete(CharacterLike).where(
            CharacterLike.user_id == user_id, CharacterLike.character_id == character_id
        )
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        await bump_likes(db, character_id, -1)
    return await _count(db, character_id)


async def _count(db: AsyncSession, character_id: uuid.UUID) -> int:
    count = await db.scalar(select(Character.likes_count).where(Character.id == character_id))
    return int(count or 0)


async def liked_among(
    db: AsyncSession, user_id: uuid.UUID | None, character_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these characters the user likes (one query for a whole page)."""
    if user_id is None or not character_ids:
        return set()
    rows = await db.scalars(
        select(CharacterLike.character_id).where(
            CharacterLike.user_id == user_id, CharacterLike.character_id.in_(character_ids)
        )
    )
    return set(rows)
