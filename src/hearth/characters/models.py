"""Characters, their tags and likes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, load_only, mapped_column

from hearth.characters import fulltext
from hearth.core.clock import utcnow
from hearth.core.db import Base, UTCDateTime
from hearth.core.ids import uuid7

# Tags are stored joined by this separator (tags never contain it) for full-text search.
TAG_SEPARATOR = ","


class Character(Base):
    __tablename__ = "characters"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    # A character outlives its creator's account (chats keep pointing at it).
    creator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(128))
    tagline: Mapped[str] = mapped_column(String(256), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    personality: Mapped[str] = mapped_column(Text, default="")
    scenario: Mapped[str] = mapped_column(Text, default="")
    greeting: Mapped[str] = mapped_column(Text, default="")
    alternate_greetings: Mapped[list[str]] = mapped_column(JSON, default=list)
    example_dialogue: Mapped[str] = mapped_column(Text, default="")
    system_prompt: Mapped[str] = mapped_column(Text, default="")
    post_history_instructions: Mapped[str] = mapped_column(Text, default="")
    # Normalised tags joined by TAG_SEPARATOR, in the creator's order; the rows of
    # character_tags are the indexed copy used by filters and the tag cloud.
    tags_text: Mapped[str] = mapped_column(Text, default="")
    gender: Mapped[str] = mapped_column(String(32), default="")
    content_rating: Mapped[str] = mapped_column(String(16), default="sfw")
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    avatar_key: Mapped[str | None] = mapped_column(String(255))
    lorebook: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    locale: Mapped[str | None] = mapped_column(String(8))
    seed_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    # Character Card V2/V3 fields kept for faithful export; creator_notes never reach a prompt.
    nickname: Mapped[str] = mapped_column(String(128), default="")
    creator_notes: Mapped[str] = mapped_column(Text, default="")
    creator_notes_multilingual: Mapped[dict[str, str] | None] = mapped_column(JSON)
    group_only_greetings: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[list[str]] = mapped_column(JSON, default=list)
    card_creator: Mapped[str] = mapped_column(String(128), default="")
    character_version: Mapped[str] = mapped_column(String(64), default="")
    card_creation_date: Mapped[int | None] = mapped_column(BigInteger)
    card_modification_date: Mapped[int | None] = mapped_column(BigInteger)
    # The card's `extensions` object exactly as imported (raw JSON text), so keys other apps
    # put there survive import -> export byte for byte.
    extensions_json: Mapped[str | None] = mapped_column(Text)
    # A V3 card's assets besides its main icon (backgrounds, emotions, ...: `{type, uri,
    # name, ext}`), given back on export; the main icon is the avatar.
    card_assets: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    is_blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    chats_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    messages_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    likes_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("likes_count >= 0", name="likes_count_not_negative"),
        CheckConstraint("chats_count >= 0", name="chats_count_not_negative"),
        CheckConstraint("messages_count >= 0", name="messages_count_not_negative"),
        CheckConstraint("content_rating IN ('sfw', 'moderate', 'nsfw')", name="content_rating"),
        CheckConstraint("visibility IN ('public', 'unlisted', 'private')", name="visibility"),
        # One partial index per catalog sort: a page walks the index in order and stops
        # after `limit` rows; only listed characters are in it, so it stays small.
        Index(
            "ix_characters_catalog_popular",
            "chats_count",
            "id",
            sqlite_where=text(fulltext.LISTED_SQL),
            postgresql_where=text(fulltext.LISTED_SQL),
        ),
        Index(
            "ix_characters_catalog_new",
            "created_at",
            "id",
            sqlite_where=text(fulltext.LISTED_SQL),
            postgresql_where=text(fulltext.LISTED_SQL),
        ),
        Index(
            "ix_characters_catalog_likes",
            "likes_count",
            "id",
            sqlite_where=text(fulltext.LISTED_SQL),
            postgresql_where=text(fulltext.LISTED_SQL),
        ),
        fulltext.search_index(),
        # /me/characters: a creator's own characters, newest first.
        Index("ix_characters_creator_id", "creator_id", "created_at", "id"),
    )

    @property
    def tags(self) -> list[str]:
        return self.tags_text.split(TAG_SEPARATOR) if self.tags_text else []


# What lists of characters show (the catalog's summaries, the chat list, the admin list):
# lists load these columns only. A card's lorebook alone may be megabytes of JSON, and a
# catalog page of 24 such cards took 430 ms of the event loop to decode.
SUMMARY_ONLY = load_only(
    Character.id,
    Character.creator_id,
    Character.name,
    Character.tagline,
    Character.tags_text,
    Character.gender,
    Character.content_rating,
    Character.visibility,
    Character.avatar_key,
    Character.locale,
    Character.is_blocked,
    Character.deleted_at,
    Character.chats_count,
    Character.messages_count,
    Character.likes_count,
    Character.created_at,
    Character.updated_at,
    raiseload=True,
)


class CharacterTag(Base):
    """One row per (character, tag): "all of these tags" and the tag cloud use its indexes."""

    __tablename__ = "character_tags"

    character_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("characters.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)

    __table_args__ = (Index("ix_character_tags_tag", "tag", "character_id"),)


class CharacterLike(Base):
    """A user's like; the unique key makes liking idempotent under concurrency."""

    __tablename__ = "character_likes"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    character_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("characters.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # /me/favorites: newest like first.
        Index("ix_character_likes_user_id", "user_id", "created_at", "character_id"),
        Index("ix_character_likes_character_id", "character_id"),
    )


fulltext.attach(Character.__table__)  # type: ignore[arg-type]

__all__ = ["Character", "CharacterLike", "CharacterTag"]
