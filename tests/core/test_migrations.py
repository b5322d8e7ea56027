"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from hearth.core.db import build_engine
from hearth.core.migrate import alembic_config, include_name, upgrade
from hearth.models import Base
from tests.database import backends, fresh_database


def test_migration_history_is_linear() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


@pytest.mark.parametrize("backend", backends())
async def test_migrations_produce_the_models_schema(backend: str, tmp_path: Path) -> None:
    async with fresh_database(backend, tmp_path) as url:
        await asyncio.to_thread(upgrade, url)
        engine = build_engine(url)
        try:
            async with engine.connect() as conn:
                diff = await conn.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(
                            sync, opts={"compare_type": True, "include_name": include_name}
                        ),
                        Base.metadata,
                    )
                )
        finally:
            await engine.dispose()
    assert diff == []


@pytest.mark.parametrize("backend", backends())
async def test_a_replys_prompt_snapshot_moves_to_its_last_swipe(
    backend: str, tmp_path: Path
) -> None:
    """0010: the one snapshot a message held becomes that of its last swipe."""
    stamp = sa.DateTime(timezone=backend != "sqlite")
    chats = sa.table(
        "chats",
        *(sa.column(n, sa.Uuid) for n in ("id", "user_id", "character_id")),
        *(sa.column(n, sa.String) for n in ("title", "author_note")),
        *(sa.column(n, stamp) for n in ("last_message_at", "created_at", "updated_at")),
    )
    messages = sa.table(
        "messages",
        sa.column("id", sa.Uuid),
        sa.column("chat_id", sa.Uuid),
        sa.column("role", sa.String),
        sa.column("content", sa.String),
        sa.column("status", sa.String),
        sa.column("swipes", sa.JSON),
        sa.column("swipe_index", sa.Integer),
        sa.column("prompt_snapshot", sa.JSON),
        sa.column("created_at", stamp),
        sa.column("updated_at", stamp),
    )
    chat_id, message_id, now = uuid.uuid4(), uuid.uuid4(), datetime.now(UTC)
    if backend == "sqlite":
        now = now.replace(tzinfo=None)  # as the app stores it there
    snapshot = {"messages": [{"role": "system", "content": "Be kind."}]}
    rows = [
        chats.insert().values(
            id=chat_id,
            user_id=uuid.uuid4(),
            character_id=uuid.uuid4(),
            title="",
            author_note="",
            last_message_at=now,
            created_at=now,
            updated_at=now,
        ),
        messages.insert().values(
            id=message_id,
            chat_id=chat_id,
            role="assistant",
            content="Second try",
            status="complete",
            swipes=["First", "Second try", "Third"],
            swipe_index=1,  # the swipe shown; the snapshot was of the last one made
            prompt_snapshot=snapshot,
            created_at=now,
            updated_at=now,
        ),
    ]
    async with fresh_database(backend, tmp_path) as url:
        await asyncio.to_thread(upgrade, url, "0009")
        # The chat's account and character are beside the point: written with no key checks.
        if backend == "sqlite":
            await asyncio.to_thread(_write_plainly, url, rows)
        engine = build_engine(url)
        try:
            if backend != "sqlite":
                async with engine.begin() as conn:
                    await conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
                    for row in rows:
                        await conn.execute(row)
            await asyncio.to_thread(upgrade, url)
            async with engine.connect() as conn:
                stored = (await conn.execute(sa.text("SELECT * FROM prompt_snapshots"))).all()
        finally:
            await engine.dispose()
    assert [(uuid.UUID(str(r.message_id)), r.swipe_index) for r in stored] == [(message_id, 2)]
    moved = stored[0].snapshot
    assert (moved if isinstance(moved, dict) else json.loads(moved)) == snapshot


def _write_plainly(url: str, statements: list[sa.Insert]) -> None:
    """Through the standard SQLite driver, which checks no foreign keys unless told to."""
    engine = sa.create_engine(url.replace("+aiosqlite", ""))
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(statement)
    finally:
        engine.dispose()
