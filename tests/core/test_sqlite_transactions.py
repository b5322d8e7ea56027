"""SQLite transactions: the write lock is taken at the first write, not at BEGIN."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from hearth.core.db import Database

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("text", String(50), unique=True),
)
# Long enough for a test that waits on a lock it should never meet to fail, not hang.
NEVER = 5.0


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(notes), [{"id": 1, "text": "one"}])
    try:
        yield database
    finally:
        await database.dispose()


async def test_a_transaction_that_only_read_lets_other_writers_commit(
    database: Database,
) -> None:
    async with database.sessionmaker() as reader, database.sessionmaker() as writer:
        assert await reader.scalar(select(notes.c.text).where(notes.c.id == 1)) == "one"
        # The reader's transaction is still open; the writer must not wait for it.
        await asyncio.wait_for(writer.execute(insert(notes).values(id=2, text="two")), NEVER)
        await asyncio.wait_for(writer.commit(), NEVER)
        # Reads before a first write see what others committed (as READ COMMITTED does).
        assert await reader.scalar(select(notes.c.text).where(notes.c.id == 2)) == "two"
        await reader.commit()


async def test_writers_take_turns_and_the_second_sees_the_first(database: Database) -> None:
    order: list[str] = []

    async def add(session_name: str, text: str, hold: asyncio.Event | None) -> None:
        async with database.sessionmaker() as session:
            await session.execute(insert(notes).values(text=text))
            order.append(f"{session_name} wrote")
            if hold is not None:
                await hold.wait()
            await session.commit()
            order.append(f"{session_name} committed")

    release = asyncio.Event()
    first = asyncio.create_task(add("first", "a", release))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(add("second", "b", None))
    await asyncio.sleep(0.05)
    assert order == ["first wrote"]  # the second waits for the lock, not the other way
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second), NEVER)
    assert order == ["first wrote", "first committed", "second wrote", "second committed"]


async def test_select_for_update_holds_the_lock_until_commit(database: Database) -> None:
    async with database.sessionmaker() as locker, database.sessionmaker() as other:
        await locker.execute(select(notes).where(notes.c.id == 1).with_for_update())
        blocked = asyncio.create_task(
            other.execute(update(notes).where(notes.c.id == 1).values(text="other"))
        )
        await asyncio.sleep(0.05)
        assert not blocked.done()
        await locker.execute(update(notes).where(notes.c.id == 1).values(text="locker"))
        await locker.commit()
        await asyncio.wait_for(blocked, NEVER)
        await other.commit()
    async with database.sessionmaker() as session:
        assert await session.scalar(select(notes.c.text).where(notes.c.id == 1)) == "other"


async def test_a_failed_write_rolls_back_and_frees_the_lock(database: Database) -> None:
    async with database.sessionmaker() as session:
        with pytest.raises(IntegrityError):
            await session.execute(insert(notes).values(text="one"))  # unique
        await session.rollback()
    async with database.sessionmaker() as session:
        await asyncio.wait_for(session.execute(insert(notes).values(text="three")), NEVER)
        await session.commit()
        rows = (await session.execute(select(notes.c.text).order_by(notes.c.id))).scalars()
        assert list(rows) == ["one", "three"]
