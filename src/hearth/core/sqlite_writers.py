"""SQLite writers take turns: FIFO within a process, on a file lock across processes.

SQLite has one write lock for the whole database. A writer that finds it taken waits in
SQLite's busy handler, which polls and sleeps up to 100 ms between tries: under load the
lock sits free while waiters sleep, and some give up with "database is locked". So writers
never meet the busy handler: those of one process queue on the event loop, and each
process takes an flock on `<database>-writers.lock` before BEGIN IMMEDIATE, which wakes
the next process the moment it is released (several `hearth serve --workers` on one file).
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from sqlalchemy.util.concurrency import await_

if sys.platform != "win32":  # no flock on Windows: one process per database file there
    import fcntl

SQLITE_GATE_TIMEOUT_SECONDS = 10.0  # as PRAGMA busy_timeout


def writes(statement: str, context: Any) -> bool:
    """Whether a statement needs the write lock: anything but a plain read."""
    if not statement.lstrip()[:6].upper().startswith(("SELECT", "WITH")):
        return True
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True  # e.g. WITH ... UPDATE
    # SQLite has no SELECT ... FOR UPDATE; such a read takes the write lock instead, so the
    # read-then-write it guards stays atomic as on PostgreSQL.
    compiled_statement = getattr(getattr(context, "compiled", None), "statement", None)
    return getattr(compiled_statement, "_for_update_arg", None) is not None


class ProcessWriterLock:
    """An exclusive flock shared by every process that writes to one database file.

    A fairness aid, not the guard of the data: SQLite's own lock is. The file is opened
    per turn, so nothing stays open between writes.
    """

    def __init__(self, database_path: str) -> None:
        self.path = f"{database_path}-writers.lock"
        self._fd: int | None = None

    async def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the usual case: nobody else
        except BlockingIOError:
            # Another process writes: wait for its release in a thread, not on the loop.
            waiting = asyncio.get_running_loop().run_in_executor(
                None, fcntl.flock, fd, fcntl.LOCK_EX
            )
            try:
                await asyncio.shield(waiting)
            except asyncio.CancelledError:
                # Given up (timeout): the thread may still get the lock; let it go then.
                waiting.add_done_callback(lambda _: os.close(fd))
                raise
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the file releases its lock


def _shared_file(database: str | None) -> bool:
    """A database file other processes may open, on a platform with flock."""
    on_disk = database not in (None, "", ":memory:") and not str(database).startswith("file:")
    return on_disk and sys.platform != "win32"


class SQLiteWriterGate:
    """SQLite write transactions begin at their first write, one at a time.

    A request's transaction reads first (who is calling, the chat, the history) and writes
    last. Until the first write, statements run outside any transaction, each reading the
    latest committed data (as PostgreSQL's READ COMMITTED does, which our code is written
    for: conditional UPDATEs, unique constraints). The first write takes this process's
    turn and the file lock, then issues BEGIN IMMEDIATE, so the database-wide write lock is
    held only for the writing part, not for the whole request.

    It drives the cursor and connection of `core.sqlite_async` (the only SQLite driver of
    `build_engine`): `begin_immediate` on the cursor, `after_end` on the connection.
    """

    def __init__(self, database: str | None) -> None:
        self._lock: asyncio.Lock | None = None
        shared = database if _shared_file(database) else None
        self._processes = ProcessWriterLock(shared) if shared else None

    def begin(self, conn: Any) -> None:
        conn.info["hearth_deferred"] = True

    async def _take_turn(self) -> None:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for runs the wait as a task of
        # its own, so even a free turn cost two loop iterations, with the turn already held
        # for the second (under load, a whole iteration of every stream's work, ms each).
        async with asyncio.timeout(SQLITE_GATE_TIMEOUT_SECONDS):
            if self._lock is None:
                self._lock = asyncio.Lock()
            await self._lock.acquire()
            if self._processes is None:
                return
            try:
                await self._processes.acquire()
            except BaseException:
                self._lock.release()
                raise

    def before_execute(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        _parameters: Any,
        context: Any,
        _executemany: bool,
    ) -> None:
        if not conn.info.get("hearth_deferred") or not writes(statement, context):
            return
        del conn.info["hearth_deferred"]
        # SQLAlchemy's asyncio engine runs this in its greenlet: await_ waits on the loop.
        await_(self._take_turn())
        conn.info["hearth_gate"] = True
        cursor.begin_immediate = True  # BEGIN goes with the statement, in one trip

    def end(self, conn: Any) -> None:
        conn.info.pop("hearth_deferred", None)
        if conn.info.pop("hearth_gate", False):
            # The turn passes on once the COMMIT/ROLLBACK has run (these events fire before).
            conn.connection.dbapi_connection.after_end = self._release

    def _release(self) -> None:
        if self._processes is not None:
            self._processes.release()
        if self._lock is not None:
            self._lock.release()
