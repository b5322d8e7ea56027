"""Creating, reading, changing and deleting characters, with who may do what."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.characters import fulltext
from hearth.characters.errors import (
    AgeRestricted,
    CharacterLocked,
    CharacterNotFound,
    NotCharacterOwner,
)
from hearth.characters.models import TAG_SEPARATOR, Character, CharacterTag
from hearth.characters.schemas import CharacterCreate, CharacterUpdate
from hearth.core.clock import utcnow
from hearth.core.errors import ValidationFailed
from hearth.core.ids import uuid7
from hearth.safety.age_gate import may_author_rating, may_see_rating
from hearth.storage.backend import Storage
from hearth.storage.images import ImageLimits, process_image
from hearth.users import errors as user_errors
from hearth.users.models import User

AVATAR_SIZE = 768
_LIST_FIELDS = {"alternate_greetings", "group_only_greetings", "source"}
# Fields where null means something of its own: no lorebook, any language, no translations.
_NULLABLE_FIELDS = {"lorebook", "locale", "creator_notes_multilingual"}


def can_manage(user: User | None, character: Character) -> bool:
    return user is not None and (user.is_admin or character.creator_id == user.id)


async def _load(db: AsyncSession, character_id: uuid.UUID) -> Character:
    character = await db.get(Character, character_id)
    if character is None or character.deleted_at is not None:
        raise CharacterNotFound()
    return character


async def get_visible(db: AsyncSession, character_id: uuid.UUID, user: User | None) -> Character:
    """The character if this caller may open it.

    Owners and admins see everything of theirs. Others: private or blocked → 404; a rating
    the caller may not see (see `safety.age_gate`) → 403 `age_restricted`, because public
    and unlisted characters are not secret, and the client can say why.
    """
    character = await _load(db, character_id)
    if can_manage(user, character):
        return character
    if character.visibility == "private" or character.is_blocked:
        raise CharacterNotFound()
    if not may_see_rating(user, character.content_rating):
        raise AgeRestricted()
    return character


async def get_for_chat(db: AsyncSession, character_id: uuid.UUID, user: User) -> Character:
    """The character a user may start or continue talking to (the chat engine's check).

    Same rule as `get_visible`, and a blocked character cannot be chatted with, even by its
    creator; a minor may not chat with a mature character even if they made it.
    """
    character = await get_visible(db, character_id, user)
    if character.is_blocked:
        raise CharacterNotFound()
    if not may_see_rating(user, character.content_rating):
        raise AgeRestricted()
    return character


def ensure_unlocked(character: Character, user: User | None) -> None:
    """Refuse to change or export a character blocked by moderation, but for admins."""
    if character.is_blocked and not (user is not None and user.is_admin):
        raise CharacterLocked()


async def id_by_name(db: AsyncSession, user: User, name: object) -> uuid.UUID:
    """The character a chat file names, for an import that does not say which: the user's
    own of that name, else the one listed character of that name."""
    if isinstance(name, str) and name.strip():
        # None of the user's own has that name when the catalog is looked in.
        for scope in (Character.creator_id == user.id, fulltext.listed()):
            found = list(
                await db.scalars(
                    select(Character.id)
                    .where(scope, Character.name == name.strip(), Character.deleted_at.is_(None))
                    .limit(2)
                )
            )
            if len(found) == 1:
                return found[0]
            if found:
                break  # two of that name: the user has to say which
    raise ValidationFailed.field(
        "character_id", "Say which character this chat is with: the file does not tell."
    )


async def get_including_deleted(db: AsyncSession, character_id: uuid.UUID) -> Character | None:
    """Any character row, deleted ones too: existing chats stay readable."""
    return await db.get(Character, character_id)


async def get_managed(db: AsyncSession, character_id: uuid.UUID, user: User) -> Character:
    """The character if this user may change it; 404 if they may not even see it, else 403."""
    character = await _load(db, character_id)
    if can_manage(user, character):
        return character
    if character.visibility == "private" or character.is_blocked:
        raise CharacterNotFound()
    raise NotCharacterOwner()


async def _set_tags(db: AsyncSession, character: Character, tags: list[str]) -> None:
    character.tags_text = TAG_SEPARATOR.join(tags)
    await db.execute(delete(CharacterTag).where(CharacterTag.character_id == character.id))
    db.add_all(CharacterTag(character_id=character.id, tag=tag) for tag in tags)


def _column_values(body: dict[str, Any]) -> dict[str, Any]:
    values = dict(body)
    values.pop("tags", None)
    if values.get("lorebook") is not None and not isinstance(values["lorebook"], dict):
        values["lorebook"] = values["lorebook"].model_dump(mode="json")
    return values


def _ensure_may_rate(creator: User | None, rating: str) -> None:
    """A minor (or a profile without a birthdate) may not make 18+ content, even content
    they could not open themselves: others could."""
    if creator is not None and not may_author_rating(creator, rating):
        raise user_errors.AgeRestricted(
            f"Only adults (18+, by the birthdate on the profile) can rate a character {rating!r}.",
            details=[{"field": "content_rating", "message": "18+ only"}],
        )


async def create_character(
    db: AsyncSession,
    creator: User | None,
    body: CharacterCreate,
    **extra: Any,
) -> Character:
    """A new character owned by `creator`; `extra` sets card-only columns (import, seed).
    Mature ratings need an adult creator (403 `age_restricted`)."""
    _ensure_may_rate(creator, body.content_rating)
    values = _column_values(body.model_dump(mode="json"))
    character = Character(id=extra.pop("id", None) or uuid7(), **values, **extra)
    character.creator_id = creator.id if creator else None
    character.tags_text = TAG_SEPARATOR.join(body.tags)
    db.add(character)
    await db.flush()
    db.add_all(CharacterTag(character_id=character.id, tag=tag) for tag in body.tags)
    await db.flush()
    return character


async def update_character(
    db: AsyncSession, character: Character, body: CharacterUpdate, *, moderating: bool = False
) -> Character:
    """A creator may switch to a mature rating only as an adult (403 `age_restricted`).
    `moderating`: an admin changing someone else's character, who may rate it anything
    (re-rating a minor's too-mature character keeps it from other minors)."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    for field in ("name", "content_rating", "visibility"):
        if field in changes and changes[field] is None:
            del changes[field]  # not nullable: "null" means "leave as is"
    rating = changes.get("content_rating", character.content_rating)
    if rating != character.content_rating and not moderating and character.creator_id:
        _ensure_may_rate(await db.get(User, character.creator_id), rating)
    tags = changes.pop("tags", None)
    for field, value in _column_values(changes).items():
        if value is None and field in _LIST_FIELDS:
            value = []
        elif value is None and field not in _NULLABLE_FIELDS:
            value = ""  # "null" clears a text field
        setattr(character, field, value)
    if tags is not None:
        await _set_tags(db, character, tags)
    character.updated_at = utcnow()
    await db.flush()
    return character


async def delete_character(db: AsyncSession, character: Character) -> None:
    """Soft delete: gone from every list and page, but chats with it stay readable."""
    character.deleted_at = utcnow()
    await db.execute(delete(CharacterTag).where(CharacterTag.character_id == character.id))
    await db.flush()


async def set_blocked(db: AsyncSession, character: Character, blocked: bool) -> Character:
    """Admin block: a blocked character leaves the catalog and cannot be chatted with."""
    character.is_blocked = blocked
    character.updated_at = utcnow()
    await db.flush()
    return character


async def set_avatar(
    db: AsyncSession, storage: Storage, character: Character, raw: bytes, limits: ImageLimits
) -> Character:
    """Validate and re-encode the image (portrait allowed, not cropped square), then store it."""
    image = await process_image(
        raw, ImageLimits(limits.max_bytes, limits.max_pixels, AVATAR_SIZE), square=False
    )
    key = f"avatars/characters/{character.id.hex}-{image.digest}.{image.extension}"
    await storage.save(key, image.data, image.content_type)
    previous = character.avatar_key
    character.avatar_key = key
    character.updated_at = utcnow()
    await db.flush()
    if previous and previous != key:
        await storage.delete(previous)
    return character
