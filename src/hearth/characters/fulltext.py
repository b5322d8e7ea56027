"""Full-text search over name, tagline, description and tags, the same from the API on both DBs.

PostgreSQL: a GIN index over `to_tsvector('simple', ...)` of those columns, queried with a
prefix `to_tsquery`. The 'simple' configuration only lower-cases (no stemming, no stop
words), so Russian, English or any language behave alike.

SQLite: an FTS5 table kept in sync by triggers. It stores the character id in an indexed
column so the triggers find a character's row through the FTS index itself (SQLite may
renumber the implicit rowid of a table without an INTEGER PRIMARY KEY on VACUUM, so the
rowid is not a safe link). Searches are restricted to the text columns by a column filter.
The `unicode61` tokenizer keeps diacritics, like PostgreSQL's parser.

A query is split into words; every word must match, as a prefix (live search).
"""

from __future__ import annotations

import re

from sqlalchemy import DDL, ColumnElement, Index, Table, event, text

# The catalog's "listed" condition, written literally so that the partial indexes apply
# (SQLite uses a partial index only when the query repeats its terms, with no parameters).
LISTED_SQL = "visibility = 'public' AND is_blocked = false AND deleted_at IS NULL"
_LISTED_QUALIFIED = (
    "characters.visibility = 'public' AND characters.is_blocked = false "
    "AND characters.deleted_at IS NULL"
)

MAX_QUERY_WORDS = 8
MAX_WORD_LENGTH = 64

PG_DOCUMENT = (
    # Written as PostgreSQL prints it back, so migrations and models compare equal.
    "to_tsvector('simple'::regconfig, (((((name::text || ' '::text) || tagline::text) "
    "|| ' '::text) || description) || ' '::text) || replace(tags_text, ','::text, ' '::text))"
)

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS characters_fts USING fts5("
    "character_id, name, tagline, description, tags, "
    "tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS characters_fts_insert AFTER INSERT ON characters BEGIN "
    "INSERT INTO characters_fts(character_id, name, tagline, description, tags) "
    "VALUES (new.id, new.name, new.tagline, new.description, replace(new.tags_text, ',', ' ')); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS characters_fts_delete AFTER DELETE ON characters BEGIN "
    "DELETE FROM characters_fts WHERE characters_fts MATCH 'character_id:\"' || old.id || '\"' "
    "AND character_id = old.id; "
    "END",
    "CREATE TRIGGER IF NOT EXISTS characters_fts_update "
    "AFTER UPDATE OF name, tagline, description, tags_text ON characters BEGIN "
    "DELETE FROM characters_fts WHERE characters_fts MATCH 'character_id:\"' || old.id || '\"' "
    "AND character_id = old.id; "
    "INSERT INTO characters_fts(character_id, name, tagline, description, tags) "
    "VALUES (new.id, new.name, new.tagline, new.description, replace(new.tags_text, ',', ' ')); "
    "END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS characters_fts_update",
    "DROP TRIGGER IF EXISTS characters_fts_delete",
    "DROP TRIGGER IF EXISTS characters_fts_insert",
    "DROP TABLE IF EXISTS characters_fts",
]


def attach(table: Table) -> None:
    """Attach SQLite's FTS5 table and triggers to the characters table's DDL."""
    for statement in SQLITE_DDL:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]
    for statement in SQLITE_DROP:
        event.listen(table, "before_drop", DDL(statement).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]


def search_index() -> Index:
    """The PostgreSQL GIN index behind `matches` (the expression must be the same)."""
    return Index("ix_characters_search", text(PG_DOCUMENT), postgresql_using="gin").ddl_if(
        dialect="postgresql"
    )


# A blocked account's characters leave the catalog until the block is lifted. Against the
# (few) blocked accounts read once per query, as a filter: NOT EXISTS made PostgreSQL join
# every listed row before sorting, and the catalog's first page went from 0.06 to 20 ms.
_CREATOR_NOT_BLOCKED = (
    "(characters.creator_id IS NULL OR characters.creator_id NOT IN "
    "(SELECT blocked.id FROM users AS blocked WHERE blocked.is_blocked = true))"
)


def listed() -> ColumnElement[bool]:
    """Public, not blocked, not deleted, by a creator not blocked: what the catalog may show
    at all."""
    return text(f"{_LISTED_QUALIFIED} AND {_CREATOR_NOT_BLOCKED}")  # type: ignore[return-value]


def query_words(query: str) -> list[str]:
    words = [w[:MAX_WORD_LENGTH] for w in re.findall(r"[^\W_]+", query.lower())]
    return list(dict.fromkeys(words))[:MAX_QUERY_WORDS]


def matches(dialect: str, words: list[str]) -> ColumnElement[bool]:
    """A condition on `characters` true when every word prefixes a word of the character."""
    if dialect == "postgresql":
        tsquery = " & ".join(f"{word}:*" for word in words)
        return text(
            f"{PG_DOCUMENT} @@ to_tsquery('simple'::regconfig, :search_tsquery)"
        ).bindparams(search_tsquery=tsquery)  # type: ignore[return-value]
    expression = " ".join(f'"{word}"*' for word in words)
    return text(
        "characters.id IN (SELECT character_id FROM characters_fts "
        "WHERE characters_fts MATCH :search_match)"
    ).bindparams(search_match="{name tagline description tags} : (" + expression + ")")  # type: ignore[return-value]
