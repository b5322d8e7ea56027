"""SQLite under SQLAlchemy's asyncio engine with one thread hop per statement.

aiosqlite runs each connection in a thread of its own, and SQLAlchemy's adapter crosses to
that thread four times per statement (open a cursor, execute, fetch, close): each crossing
is a queue put, a thread wake-up and a callback back on the event loop. Here a statement is
executed, fetched and closed in one function run on the same thread, so the event loop
waits once. Measured on the 2-core machine: an ORM primary-key select took 450 µs of wall
time (385 µs of CPU) through the stock adapter and 211 µs (196 µs) through this one; a chat
turn makes about fifteen statements.

The connection changes little: COMMIT and ROLLBACK outside a transaction skip the trip,
and the writer gate (`sqlite_writers`) learns when a transaction has really ended.
Connecting and errors stay SQLAlchemy's and aiosqlite's own.

An `inline` connection makes no trip at all: its statements run on the event loop's thread.
It is for the chat's hot path (a send's few indexed, bounded statements; the end of replies),
where a trip cost more than the statement (1.2 ms of wall time for 0.35 ms of CPU on an idle
2-core VM, and a whole loop turn each on a busy one, while the write lock is held). A
statement with the `ON_THREAD` execution option still goes to the thread: a read of many
rows, which would stop the loop longer than the trip costs. An inline connection never
waits on the loop: writers already queued in the gate, its busy timeout is zero, and a lock
held by someone outside the gate (another program) sends the statement to the thread to
wait there. It does not checkpoint the WAL on commit (that writes to disk): the app's
checkpointer does it in a thread (`Database.checkpoint`).
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Callable
from typing import Any, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, int, int | None, list[Any] | None]
# An execution option: this statement of an inline connection runs on its thread.
ON_THREAD = "hearth_sqlite_on_thread"
PATIENT_BUSY_TIMEOUT_MS = 10_000


def _run(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool, begin: bool
) -> _Outcome:
    """On the connection's thread: the whole statement, rows included (and BEGIN first)."""
    if begin:
        connection.execute("BEGIN IMMEDIATE")
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else None
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _run_patiently(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool, begin: bool
) -> _Outcome:
    """`_run` on the thread of an inline connection, waiting out a lock held by others."""
    connection.execute(f"PRAGMA busy_timeout={PATIENT_BUSY_TIMEOUT_MS}")
    try:
        return _run(connection, operation, parameters, many, begin)
    finally:
        connection.execute("PRAGMA busy_timeout=0")


async def _at_once(function: Callable[..., _Outcome], *args: Any) -> _Outcome:
    return function(*args)


def _busy(error: sqlite3.OperationalError) -> bool:
    return error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY  # extended codes included


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = (
        "_description",
        "_inline",
        "_lastrowid",
        "_rowcount",
        "begin_immediate",
        "on_thread",
    )

    def __init__(self, adapt_connection: Any) -> None:
        # No cursor is opened here: `_run` opens and closes one on the thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._inline: bool = adapt_connection.inline
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        # Set by the writer gate: this statement opens the write transaction, in its hop.
        self.begin_immediate = False
        # Set for a statement with the `ON_THREAD` execution option (see `build_engine`).
        self.on_thread = False

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._run(operation, () if parameters is None else parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._run(operation, seq_of_parameters, many=True)

    def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        aio = self._connection
        begin, self.begin_immediate = self.begin_immediate, False
        inline = self._inline and not self.on_thread
        self.on_thread = False
        try:
            if inline:
                outcome = self._run_inline(operation, parameters, many, begin)
            else:
                # aiosqlite's queue to its thread (the stock adapter reaches it the same way).
                outcome = await_(aio._execute(_run, aio._conn, operation, parameters, many, begin))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows or ())

    def _run_inline(self, operation: Any, parameters: Any, many: bool, begin: bool) -> _Outcome:
        aio = self._connection
        try:
            # Run in a coroutine awaited at once, not called: the same thread and no loop
            # turn, but SQLAlchemy sees the await its AsyncConnection API requires.
            now: _Outcome = await_(_at_once(_run, aio._conn, operation, parameters, many, begin))
            return now
        except sqlite3.OperationalError as error:
            # Busy outside a transaction: nothing ran (a BEGIN, or a read during WAL
            # recovery), so the statement can wait for the lock on the thread instead.
            if not _busy(error) or aio._conn.in_transaction:
                raise
        outcome: _Outcome = await_(
            aio._execute(_run_patiently, aio._conn, operation, parameters, many, begin)
        )
        return outcome

    async def _async_soft_close(self) -> None:
        return None  # nothing is open on the thread

    def close(self) -> None:
        self._rows.clear()


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("after_end", "inline")
    _cursor_cls = _OneHopCursor

    def __init__(self, dbapi: Any, connection: Any, *, inline: bool) -> None:
        super().__init__(dbapi, connection)
        self.after_end: Callable[[], None] | None = None
        self.inline = inline

    # Outside a transaction COMMIT and ROLLBACK do nothing, yet each would cost a trip to
    # the thread: the commit of a request that only read, the pool's rollback when a
    # connection comes back. The connection's thread is idle between statements, so
    # asking SQLite whether a transaction is open is safe from here.
    def commit(self) -> None:
        step = self._connection._conn.commit if self.inline else super().commit
        self._end_with(step, only_in_transaction=True)

    def rollback(self) -> None:
        step = self._connection._conn.rollback if self.inline else super().rollback
        self._end_with(step, only_in_transaction=True)

    def close(self) -> None:
        self._end_with(super().close)  # a connection dropped mid-transaction ends it too

    def terminate(self) -> None:
        self._end_with(super().terminate)

    def _end_with(self, step: Callable[[], None], *, only_in_transaction: bool = False) -> None:
        try:
            if not only_in_transaction or self._connection._conn.in_transaction:
                step()
        finally:
            # Set by the writer gate: the next writer's turn starts once COMMIT (or
            # ROLLBACK) has run, not when SQLAlchemy announces it (its events fire before).
            callback, self.after_end = self.after_end, None
            if callback is not None:
                callback()


class _OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self, *, inline: bool) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.inline = inline

    def connect(self, *args: Any, **kwargs: Any) -> _OneHopConnection:
        if self.inline:
            kwargs["check_same_thread"] = False  # used from the loop, made on the thread
        connection = aiosqlite.connect(*args, **kwargs)
        connection._thread.daemon = True  # as SQLAlchemy does: never hold up exit
        # SQLAlchemy's protocol type for driver connections does not name aiosqlite's.
        return _OneHopConnection(self, cast(Any, await_(connection)), inline=self.inline)


def one_hop_dbapi(*, inline: bool = False) -> Any:
    """The DB-API module to hand to `create_async_engine(module=...)` for SQLite."""
    return _OneHopDBAPI(inline=inline)
