"""Turning character rows into API shapes (creators and likes fetched once per page)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.characters.likes import liked_among
from hearth.characters.lorebook import Lorebook
from hearth.characters.models import Character
from hearth.characters.schemas import CharacterOut, CharacterSummary, CreatorOut, StatsOut
from hearth.storage.backend import Storage
from hearth.users.models import User


async def _creators(db: AsyncSession, characters: list[Character]) -> dict[uuid.UUID, str]:
    ids = {c.creator_id for c in characters if c.creator_id is not None}
    if not ids:
        return {}
    rows = await db.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return {row_id: username for row_id, username in rows.all()}


def _summary_fields(
    character: Character, storage: Storage, creators: dict[uuid.UUID, str], liked: bool
) -> dict[str, Any]:
    creator = None
    if character.creator_id is not None and character.creator_id in creators:
        creator = CreatorOut(id=character.creator_id, username=creators[character.creator_id])
    return {
        "id": character.id,
        "name": character.name,
        "tagline": character.tagline,
        "tags": character.tags,
        "gender": character.gender,
        "content_rating": character.content_rating,
        "visibility": character.visibility,
        "avatar_url": storage.url(character.avatar_key) if character.avatar_key else None,
        "locale": character.locale,
        "creator": creator,
        "stats": StatsOut(
            chats=character.chats_count,
            messages=character.messages_count,
            likes=character.likes_count,
        ),
        "liked_by_me": liked,
        "created_at": character.created_at,
        "updated_at": character.updated_at,
    }


async def present_summaries(
    db: AsyncSession, storage: Storage, viewer: User | None, characters: list[Character]
) -> list[CharacterSummary]:
    creators = await _creators(db, characters)
    liked = await liked_among(db, viewer.id if viewer else None, [c.id for c in characters])
    return [
        CharacterSummary(**_summary_fields(c, storage, creators, c.id in liked)) for c in characters
    ]


async def present_character(
    db: AsyncSession, storage: Storage, viewer: User | None, character: Character
) -> CharacterOut:
    creators = await _creators(db, [character])
    liked = await liked_among(db, viewer.id if viewer else None, [character.id])
    return CharacterOut(
        **_summary_fields(character, storage, creators, character.id in liked),
        description=character.description,
        personality=character.personality,
        scenario=character.scenario,
        greeting=character.greeting,
        alternate_greetings=list(character.alternate_greetings or []),
        example_dialogue=character.example_dialogue,
        system_prompt=character.system_prompt,
        post_history_instructions=character.post_history_instructions,
        lorebook=Lorebook.model_validate(character.lorebook) if character.lorebook else None,
        nickname=character.nickname,
        creator_notes=character.creator_notes,
        creator_notes_multilingual=character.creator_notes_multilingual,
        group_only_greetings=list(character.group_only_greetings or []),
        source=list(character.source or []),
        is_blocked=character.is_blocked,
    )
