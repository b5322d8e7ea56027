"""Administering content: characters (private and blocked ones too) and chats, read-only."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.admin import audit
from hearth.characters import service as characters
from hearth.characters.models import SUMMARY_ONLY, Character
from hearth.characters.schemas import CharacterUpdate
from hearth.chats.models import Chat
from hearth.core.errors import NotFound
from hearth.core.text_match import contains_folded
from hearth.users.models import User

CHARACTER_FIELDS = ["is_blocked", "deleted_at", "visibility", "content_rating", "name"]


async def get_character(db: AsyncSession, character_id: uuid.UUID) -> Character:
    character = await db.get(Character, character_id)
    if character is None:
        raise NotFound("No such character.", code="character_not_found")
    return character


async def search_characters(
    db: AsyncSession,
    *,
    q: str | None,
    blocked: bool | None,
    visibility: str | None,
    creator_id: uuid.UUID | None,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[Character], str | None]:
    """Every character, private and blocked ones too; newest first."""
    query = select(Character).options(SUMMARY_ONLY)
    if q:
        query = query.where(contains_folded(Character.name, q))
    if blocked is not None:
        query = query.where(Character.is_blocked.is_(blocked))
    if visibility:
        query = query.where(Character.visibility == visibility)
    if creator_id is not None:
        query = query.where(Character.creator_id == creator_id)
    if not include_deleted:
        query = query.where(Character.deleted_at.is_(None))
    after = audit.uuid_cursor(cursor)
    if after is not None:
        query = query.where(Character.id < after)
    rows = list((await db.scalars(query.order_by(Character.id.desc()).limit(limit + 1))).all())
    return rows[:limit], audit.next_cursor(rows, limit)


async def set_character_blocked(
    db: AsyncSession, actor: User, character_id: uuid.UUID, blocked: bool
) -> Character:
    """Blocked characters vanish from the catalog and cannot be chatted with; existing chats
    stay readable."""
    character = await get_character(db, character_id)
    before = audit.snapshot(character, ["is_blocked"])
    character.is_blocked = blocked
    await db.flush()
    await audit.record(
        db,
        actor,
        "character.block" if blocked else "character.unblock",
        "character",
        character.id,
        before=before,
        after={"is_blocked": blocked},
    )
    return character


async def edit_character(
    db: AsyncSession, actor: User, character_id: uuid.UUID, body: CharacterUpdate
) -> Character:
    character = await get_character(db, character_id)
    changes = body.model_dump(mode="json", exclude_unset=True)
    before: dict[str, Any] = {field: getattr(character, field, None) for field in changes}
    if "tags" in changes:
        before["tags"] = character.tags
    character = await characters.update_character(
        db, character, body, moderating=character.creator_id != actor.id
    )
    after: dict[str, Any] = {field: getattr(character, field, None) for field in changes}
    if "tags" in changes:
        after["tags"] = character.tags
    await audit.record(
        db, actor, "character.edit", "character", character.id, before=before, after=after
    )
    return character


async def delete_character(db: AsyncSession, actor: User, character_id: uuid.UUID) -> None:
    character = await get_character(db, character_id)
    if character.deleted_at is not None:
        return
    await characters.delete_character(db, character)
    await audit.record(
        db,
        actor,
        "character.delete",
        "character",
        character.id,
        before={"deleted_at": None, "name": character.name},
        after={"deleted_at": character.deleted_at},
    )


async def get_chat(
    db: AsyncSession, chat_id: uuid.UUID
) -> tuple[Chat, Character | None, User | None]:
    chat = await db.get(Chat, chat_id)
    if chat is None or chat.import_worker_id is not None:  # a half-imported chat is no one's yet
        raise NotFound("No such chat.", code="chat_not_found")
    character = await db.get(Character, chat.character_id)
    owner = await db.get(User, chat.user_id)
    return chat, character, owner
