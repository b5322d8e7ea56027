"""Applying the Alembic migrations shipped inside the package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Tables that exist in the database but not in the models, created by the migrations' own
# DDL: SQLite's FTS5 search table of characters and its shadow tables.
UNMANAGED_TABLE_PREFIXES = ("characters_fts",)


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """Autogenerate filter: leave tables the models do not describe alone."""
    return not (type_ == "table" and (name or "").startswith(UNMANAGED_TABLE_PREFIXES))


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url)
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision` (blocking: call from the CLI or a thread)."""
    command.upgrade(alembic_config(database_url), revision)
