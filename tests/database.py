"""Test databases: one fresh SQLite file and, when configured, one fresh PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from hearth.core.db import build_engine
from hearth.models import Base

POSTGRES_ENV = "HEARTH_TEST_DATABASE_URL"


def backends() -> list[str]:
    return ["sqlite", "postgres"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


def _asyncpg_url(raw: str) -> str:
    url = make_url(raw)
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_database(backend: str, workdir: Path) -> AsyncIterator[str]:
    """An empty database of that backend for one test session (or one migration test)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / f'test-{uuid.uuid4().hex[:8]}.db'}"
        return
    async with fresh_postgres(os.environ[POSTGRES_ENV]) as url:
        yield url


@asynccontextmanager
async def fresh_postgres(server_url: str, prefix: str = "hearth_test") -> AsyncIterator[str]:
    """A new, empty database on the PostgreSQL server of `server_url`, dropped afterwards."""
    admin_url = _asyncpg_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = build_engine(admin_url)
    try:
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def create_schema(url: str) -> None:
    engine = build_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    finally:
        await engine.dispose()


async def empty_all_tables(url: str) -> None:
    engine = build_engine(url)
    tables = [t.name for t in Base.metadata.sorted_tables]
    try:
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                quoted = ", ".join(f'"{name}"' for name in tables)
                await conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            else:
                for name in reversed(tables):
                    await conn.execute(text(f'DELETE FROM "{name}"'))
    finally:
        await engine.dispose()
