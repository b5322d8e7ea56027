"""Search works on a database built by the migrations (FTS5 triggers / GIN index DDL)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from hearth.characters import catalog, service
from hearth.characters.schemas import CharacterCreate, CharacterUpdate
from hearth.core.db import Database
from hearth.core.migrate import upgrade
from tests.database import backends, fresh_database


async def _search(database: Database, q: str) -> list[str]:
    async with database.sessionmaker() as db:
        page = await catalog.list_catalog(db, None, catalog.CatalogQuery(q=q))
    return [c.name for c in page.items]


@pytest.mark.parametrize("backend", backends())
async def test_search_on_a_migrated_database(backend: str, tmp_path: Path) -> None:
    async with fresh_database(backend, tmp_path) as url:
        await asyncio.to_thread(upgrade, url)
        database = Database(url)
        try:
            async with database.sessionmaker() as db, db.begin():
                fox = await service.create_character(
                    db, None, CharacterCreate(name="Лиса Патрикеевна", visibility="public")
                )
                await service.create_character(
                    db, None, CharacterCreate(name="Wolf", visibility="public")
                )
            assert await _search(database, "лис") == ["Лиса Патрикеевна"]
            async with database.sessionmaker() as db, db.begin():
                row = await service.get_including_deleted(db, fox.id)
                assert row is not None
                await service.update_character(db, row, CharacterUpdate(name="Fox"))
            assert await _search(database, "лис") == []
            assert await _search(database, "fox") == ["Fox"]
            async with database.sessionmaker() as db, db.begin():
                row = await service.get_including_deleted(db, fox.id)
                assert row is not None
                await db.delete(row)  # a hard delete leaves nothing in the search table
            assert await _search(database, "fox") == []
            if backend == "sqlite":
                async with database.sessionmaker() as db:
                    indexed = await db.scalar(text("SELECT count(*) FROM characters_fts"))
                assert indexed == 1  # only the wolf: updates and deletes kept it in sync
        finally:
            await database.dispose()
