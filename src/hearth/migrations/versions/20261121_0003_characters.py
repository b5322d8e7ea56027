"""Characters: characters, their tags and likes, full-text search (FTS5 / GIN)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 22:34:05.659511
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.core.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Full-text search. Frozen copies of hearth.characters.fulltext at this revision.
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


def upgrade() -> None:
    op.create_table(
        "characters",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("creator_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("tagline", sa.String(length=256), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("personality", sa.Text(), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("greeting", sa.Text(), nullable=False),
        sa.Column("alternate_greetings", sa.JSON(), nullable=False),
        sa.Column("example_dialogue", sa.Text(), nullable=False),
        sa.Column("system_prompt", sa.Text(), nullable=False),
        sa.Column("post_history_instructions", sa.Text(), nullable=False),
        sa.Column("tags_text", sa.Text(), nullable=False),
        sa.Column("gender", sa.String(length=32), nullable=False),
        sa.Column("content_rating", sa.String(length=16), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("avatar_key", sa.String(length=255), nullable=True),
        sa.Column("lorebook", sa.JSON(), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("seed_key", sa.String(length=64), nullable=True),
        sa.Column("nickname", sa.String(length=128), nullable=False),
        sa.Column("creator_notes", sa.Text(), nullable=False),
        sa.Column("creator_notes_multilingual", sa.JSON(), nullable=True),
        sa.Column("group_only_greetings", sa.JSON(), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("card_creator", sa.String(length=128), nullable=False),
        sa.Column("character_version", sa.String(length=64), nullable=False),
        sa.Column("card_creation_date", sa.BigInteger(), nullable=True),
        sa.Column("card_modification_date", sa.BigInteger(), nullable=True),
        sa.Column("extensions_json", sa.Text(), nullable=True),
        sa.Column("is_blocked", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("deleted_at", hearth.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("chats_count", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("messages_count", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("likes_count", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", hearth.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hearth.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "content_rating IN ('sfw', 'moderate', 'nsfw')",
            name=op.f("ck_characters_content_rating"),
        ),
        sa.CheckConstraint(
            "visibility IN ('public', 'unlisted', 'private')", name=op.f("ck_characters_visibility")
        ),
        sa.CheckConstraint("chats_count >= 0", name=op.f("ck_characters_chats_count_not_negative")),
        sa.CheckConstraint("likes_count >= 0", name=op.f("ck_characters_likes_count_not_negative")),
        sa.CheckConstraint(
            "messages_count >= 0", name=op.f("ck_characters_messages_count_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["users.id"],
            name=op.f("fk_characters_creator_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_characters")),
        sa.UniqueConstraint("seed_key", name=op.f("uq_characters_seed_key")),
    )
    with op.batch_alter_table("characters", schema=None) as batch_op:
        batch_op.create_index(
            "ix_characters_catalog_likes",
            ["likes_count", "id"],
            unique=False,
            sqlite_where=sa.text(
                "visibility = 'public' AND is_blocked = false AND deleted_at IS NULL"
            ),
            postgresql_where=sa.text(
                "visibility = 'public' AND is_blocked = false AND deleted_at IS NULL"
            ),
        )
        batch_op.create_index(
            "ix_characters_catalog_new",
            ["created_at", "id"],
            unique=False,
            sqlite_where=sa.text(
                "visibility = 'public' AND is_blocked = false AND deleted_at IS NULL"
            ),
            postgresql_where=sa.text(
                "visibility = 'public' AND is_blocked = false AND deleted_at IS NULL"
            ),
        )
        batch_op.create_index(
            "ix_characters_catalog_popular",
            ["chats_count", "id"],
            unique=False,
            sqlite_where=sa.text(
                "visibility = 'public' AND is_blocked = false AND deleted_at IS NULL"
            ),
            postgresql_where=sa.text(
                "visibility = 'public' AND is_blocked = false AND deleted_at IS NULL"
            ),
        )
        batch_op.create_index(
            "ix_characters_creator_id", ["creator_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "character_likes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("character_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", hearth.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["character_id"],
            ["characters.id"],
            name=op.f("fk_character_likes_character_id_characters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_character_likes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "character_id", name=op.f("pk_character_likes")),
    )
    with op.batch_alter_table("character_likes", schema=None) as batch_op:
        batch_op.create_index("ix_character_likes_character_id", ["character_id"], unique=False)
        batch_op.create_index(
            "ix_character_likes_user_id", ["user_id", "created_at", "character_id"], unique=False
        )

    op.create_table(
        "character_tags",
        sa.Column("character_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["character_id"],
            ["characters.id"],
            name=op.f("fk_character_tags_character_id_characters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("character_id", "tag", name=op.f("pk_character_tags")),
    )
    with op.batch_alter_table("character_tags", schema=None) as batch_op:
        batch_op.create_index("ix_character_tags_tag", ["tag", "character_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_characters_search ON characters USING gin ({PG_DOCUMENT})")
    else:
        for statement in SQLITE_DDL:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_characters_search")
    else:
        for statement in SQLITE_DROP:
            op.execute(statement)
    op.drop_table("character_tags")
    op.drop_table("character_likes")
    op.drop_table("characters")
