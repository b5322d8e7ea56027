"""SQLite transactions: the write lock is taken at the first write, not at BEGIN."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, insert, select, update
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


@contextlib.asynccontextmanager
async def loop_ticks() -> AsyncIterator[Callable[[], int]]:
    """Counts the turns of a 10 ms sleeper: they stop while something blocks the loop."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    clock = asyncio.create_task(ticker())
    try:
        yield lambda: ticks
    finally:
        clock.cancel()


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
    seen_by_second: list[str] = []

    async def add(session_name: str, text: str, hold: asyncio.Event | None) -> None:
        async with database.sessionmaker() as session:
            await session.execute(insert(notes).values(text=text))
            order.append(f"{session_name} wrote")
            if hold is None:  # the second: what its transaction sees besides its own row
                seen_by_second.extend((await session.scalars(select(notes.c.text))).all())
            else:
                await hold.wait()
            await session.commit()

    release = asyncio.Event()
    first = asyncio.create_task(add("first", "a", release))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(add("second", "b", None))
    await asyncio.sleep(0.05)
    assert order == ["first wrote"]  # the second waits for the lock, not the other way
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second), NEVER)
    assert order == ["first wrote", "second wrote"]
    assert sorted(seen_by_second) == ["a", "b", "one"]  # the first had committed


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


async def test_another_processs_writer_waits_its_turn_without_the_busy_handler(
    database: Database, tmp_path: Path
) -> None:
    """Two `Database`s on one file stand for two worker processes (the file lock is per
    open file, so it separates them as it separates processes). The second has no busy
    timeout at all: had it reached BEGIN IMMEDIATE while the first held the lock, it would
    fail at once with "database is locked"."""
    other = Database(f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}")
    event.listen(
        other.engine.sync_engine,
        "connect",
        lambda dbapi_connection, _record: dbapi_connection.execute("PRAGMA busy_timeout=0"),
    )
    try:
        async with (
            loop_ticks() as ticks,
            database.sessionmaker() as first,
            other.sessionmaker() as second,
        ):
            await first.execute(insert(notes).values(id=2, text="first"))
            waiting = asyncio.create_task(second.execute(insert(notes).values(id=3, text="second")))
            await asyncio.sleep(0.2)
            assert not waiting.done()
            ticks_while_waiting = ticks()
            await first.commit()
            await asyncio.wait_for(waiting, NEVER)
            await second.commit()
        assert ticks_while_waiting >= 5  # the wait did not hold up the event loop
        async with database.sessionmaker() as session:
            rows = await session.execute(select(notes.c.id, notes.c.text).order_by(notes.c.id))
            assert rows.all() == [(1, "one"), (2, "first"), (3, "second")]
    finally:
        await other.dispose()


async def test_inline_sessions_run_statements_on_the_loop_and_share_the_writers_queue(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = 0
    real_execute = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any) -> Any:
        nonlocal trips
        trips += 1
        return await real_execute(self, fn, *args)

    async with database.inline_sessionmaker() as warm:  # the pool's first connect is a trip
        await warm.scalar(select(notes.c.id))
    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    async with database.sessionmaker() as threaded, database.inline_sessionmaker() as inline:
        await threaded.execute(insert(notes).values(id=2, text="threaded"))
        trips_before = trips
        waiting = asyncio.create_task(inline.execute(insert(notes).values(id=3, text="inline")))
        await asyncio.sleep(0.1)
        assert not waiting.done()  # one writer at a time, whichever way it runs
        await threaded.commit()
        await asyncio.wait_for(waiting, NEVER)
        assert await inline.scalar(select(notes.c.text).where(notes.c.id == 2)) == "threaded"
        await inline.commit()
        assert trips == trips_before + 1  # the threaded COMMIT; none for the inline session
    async with database.sessionmaker() as session:
        rows = await session.execute(select(notes.c.id).order_by(notes.c.id))
        assert rows.scalars().all() == [1, 2, 3]


async def test_an_inline_write_on_a_free_queue_runs_without_yielding_to_the_loop(
    database: Database,
) -> None:
    # A writer that paused here would hold the turn while every other task ran: under load
    # a whole loop iteration, milliseconds, for each write transaction.
    others_ran = asyncio.Event()
    async with database.inline_sessionmaker() as session:
        await session.execute(select(notes))  # connected (opening a connection may yield)
        asyncio.get_running_loop().call_soon(others_ran.set)
        await session.execute(insert(notes).values(id=2, text="two"))
        await session.commit()
        assert not others_ran.is_set()
    await asyncio.wait_for(others_ran.wait(), NEVER)


async def test_inline_writer_waits_on_its_thread_for_a_lock_held_outside_hearth(
    database: Database, tmp_path: Path
) -> None:
    outsider = sqlite3.connect(tmp_path / "notes.db", isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")
    outsider.execute("INSERT INTO notes (id, text) VALUES (2, 'outsider')")
    try:
        async with loop_ticks() as ticks, database.inline_sessionmaker() as session:
            waiting = asyncio.create_task(session.execute(insert(notes).values(id=3, text="in")))
            await asyncio.sleep(0.2)
            assert not waiting.done()
            assert ticks() >= 5  # it waits on the thread, not on the event loop
            outsider.execute("COMMIT")
            await asyncio.wait_for(waiting, NEVER)
            await session.commit()
        async with database.inline_sessionmaker() as session:
            rows = await session.execute(select(notes.c.text).order_by(notes.c.id))
            assert rows.scalars().all() == ["one", "outsider", "in"]
    finally:
        outsider.close()


async def test_the_checkpointer_moves_inline_commits_into_the_database_file(
    database: Database, tmp_path: Path
) -> None:
    def in_file() -> list[str]:
        # `immutable` reads the database file alone, not its write-ahead log.
        uri = f"file:{tmp_path / 'notes.db'}?immutable=1"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as raw:
            return [row[0] for row in raw.execute("SELECT text FROM notes ORDER BY id")]

    await database.checkpoint()
    async with database.inline_sessionmaker() as session:
        await session.execute(insert(notes), [{"text": f"n{n}"} for n in range(2000)])
        await session.commit()
    assert len(in_file()) == 1  # inline commits leave the log to the checkpointer
    await database.checkpoint()
    assert len(in_file()) == 2001


async def test_inline_connections_serve_the_async_connection_api(database: Database) -> None:
    async with database.inline_engine.begin() as conn:
        await conn.exec_driver_sql("INSERT INTO notes (id, text) VALUES (2, 'two')")
        result = await conn.execute(select(notes.c.text).order_by(notes.c.id))
        assert result.scalars().all() == ["one", "two"]
