"""Database engine, declarative base and the request-scoped session."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event, make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import ExecuteStyle
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from hearth.core import text_match
from hearth.core.sqlite_async import ON_THREAD, one_hop_dbapi
from hearth.core.sqlite_writers import SQLiteWriterGate

log = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 1.0

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use hearth.core.clock.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    dbapi_connection.create_function(
        text_match.SQLITE_FUNCTION, 1, text_match.sqlite_unicode_lower, deterministic=True
    )
    if dbapi_connection.inline:
        # Nothing that waits or writes to disk on the event loop (see core.sqlite_async).
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    else:
        cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _without_nul(
    _connection: Any,
    _cursor: Any,
    statement: str,
    parameters: Any,
    context: Any,
    executemany: bool,
) -> tuple[str, Any]:
    """Text parameters without NUL (U+0000), which PostgreSQL's text cannot hold.

    A client, an imported card or a model's reply may carry one; it never means anything.
    Dropping it here, for every statement on every backend, keeps all of them storable and
    the two backends alike, where checks at each of the many ways text comes in would miss
    one (a NUL reached PostgreSQL as a 500 through a chat's author note).
    """
    if not parameters:
        return statement, parameters
    # An ORM flush of several rows that need RETURNING is one INSERT of many VALUES groups:
    # its parameters come flat, as one row's.
    many = (
        executemany and getattr(context, "execute_style", None) is not ExecuteStyle.INSERTMANYVALUES
    )
    rows = parameters if many else (parameters,)
    if not any(_has_nul(row) for row in rows):
        return statement, parameters
    if many:
        return statement, type(parameters)(_strip_nul(row) for row in parameters)
    return statement, _strip_nul(parameters)


def _has_nul(row: Any) -> bool:
    values = row.values() if isinstance(row, dict) else row
    return any(type(value) is str and "\x00" in value for value in values)


def _strip_nul(row: Any) -> Any:
    def clean(value: Any) -> Any:
        return value.replace("\x00", "") if type(value) is str else value

    if isinstance(row, dict):
        return {name: clean(value) for name, value in row.items()}
    return type(row)(clean(value) for value in row)


def _on_thread_when_asked(
    _conn: Any, cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    if context is not None and context.execution_options.get(ON_THREAD):
        cursor.on_thread = True


def build_engine(
    url: str,
    *,
    echo: bool = False,
    reader: bool = False,
    inline: bool = False,
    gate: SQLiteWriterGate | None = None,
) -> AsyncEngine:
    """An engine; on SQLite a `reader` one leaves out the write lock taken at BEGIN, and an
    `inline` one runs statements on the event loop (writers of one database share a `gate`).
    """
    is_sqlite = url.startswith("sqlite")
    kwargs: dict[str, Any] = {"echo": echo}
    if is_sqlite:
        kwargs["connect_args"] = {"timeout": 30}
        kwargs["module"] = one_hop_dbapi(inline=inline)
    else:
        kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "before_cursor_execute", _without_nul, retval=True)
    if is_sqlite:
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "connect", _sqlite_pragmas)
        if reader:
            # WAL lets readers run beside the one writer: reads need neither the
            # BEGIN IMMEDIATE lock nor the gate (pysqlite starts no transaction for SELECT).
            return engine

        @event.listens_for(sync_engine, "connect")
        def _no_pysqlite_transactions(dbapi_connection: Any, _record: Any) -> None:
            # The gate emits BEGIN itself, at the first write (pysqlite's implicit BEGIN
            # would come at the first INSERT/UPDATE, without the writer queue).
            dbapi_connection.isolation_level = None

        if inline:
            event.listen(sync_engine, "before_cursor_execute", _on_thread_when_asked)
        gate = gate or SQLiteWriterGate(make_url(url).database)
        event.listen(sync_engine, "begin", gate.begin)
        event.listen(sync_engine, "before_cursor_execute", gate.before_execute)
        event.listen(sync_engine, "commit", gate.end)
        event.listen(sync_engine, "rollback", gate.end)
    return engine


class Database:
    """The engine and session factory of one running app, built in its lifespan.

    On SQLite: `read_sessionmaker` for reads, which need no writer's turn, and
    `inline_sessionmaker` for the hot path's few short statements, run on the event loop
    (`core.sqlite_async`). On PostgreSQL all three are the one engine's.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            gate = SQLiteWriterGate(make_url(url).database)
            self.engine = build_engine(url, gate=gate)
            self.inline_engine = build_engine(url, inline=True, gate=gate)
            self.read_engine = build_engine(url, reader=True)
        else:
            self.engine = self.inline_engine = self.read_engine = build_engine(url)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self.inline_sessionmaker = async_sessionmaker(self.inline_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def dispose(self) -> None:
        for engine in {self.engine, self.read_engine, self.inline_engine}:
            await engine.dispose()

    async def checkpoint(self) -> None:
        """Copy SQLite's write-ahead log into the database file, on a thread, without
        waiting for readers or writers (inline connections leave this to it)."""
        if self.is_sqlite:
            async with self.read_engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    async def keep_checkpointing(self, every: float = CHECKPOINT_SECONDS) -> None:
        """For the app's lifetime, on SQLite; a checkpoint with nothing to copy is cheap."""
        while self.is_sqlite:
            await asyncio.sleep(every)
            try:
                await self.checkpoint()
            except Exception:  # e.g. a full disk; the log grows meanwhile, nothing is lost
                log.warning("db.checkpoint_failed", exc_info=True)

    @contextlib.asynccontextmanager
    async def session(
        self, *, read_mostly: bool = False, inline: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """One request, one transaction: commit when the block ends, roll back on an error.

        `read_mostly` sessions (GET requests) do not queue behind SQLite's writers; `inline`
        ones are for requests of a few short statements (see the class).
        """
        maker = self.read_sessionmaker if read_mostly else self.sessionmaker
        if inline:
            maker = self.inline_sessionmaker
        async with maker() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()
