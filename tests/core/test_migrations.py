"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
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
