"""Moderation as route dependencies: user messages and character fields are checked before
the endpoint runs (block → 422 `content_blocked`; flag → a report for admins)."""

from __future__ import annotations

import uuid
from typing import Any, cast

from fastapi import Depends, Request

from hearth.auth.deps import CurrentUser
from hearth.core.deps import DbDep
from hearth.safety import reports
from hearth.safety.errors import ContentBlocked
from hearth.safety.moderation import Moderator, Scope

CHARACTER_TEXT_FIELDS = (
    "name",
    "tagline",
    "description",
    "personality",
    "scenario",
    "greeting",
    "alternate_greetings",
    "example_dialogue",
    "system_prompt",
    "post_history_instructions",
    "tags",
    "nickname",
    "creator_notes",
)
# A SillyTavern world file (taken as a lorebook) says `key` and `keysecondary`.
_LORE_ENTRY_TEXT = ("keys", "secondary_keys", "key", "keysecondary", "content", "name", "comment")


def get_moderator(request: Request) -> Moderator:
    """Built on first use from the settings (no I/O until a check runs)."""
    state = request.app.state
    moderator = getattr(state, "moderator", None)
    if moderator is None:
        settings = state.settings
        moderator = state.moderator = Moderator(
            settings.moderation_rules, settings.moderation_url, settings.moderation_api_key
        )
    return cast(Moderator, moderator)


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_text_of(v) for v in value)
    return ""


def _lorebook_text(lorebook: Any) -> str:
    """What a lorebook puts in prompts and shows on the character's card."""
    if not isinstance(lorebook, dict):
        return ""
    parts = [_text_of(lorebook.get("name")), _text_of(lorebook.get("description"))]
    entries = lorebook.get("entries") or []
    # A world file keys its entries by uid.
    for entry in entries.values() if isinstance(entries, dict) else entries:
        if isinstance(entry, dict):
            parts += [_text_of(entry.get(key)) for key in _LORE_ENTRY_TEXT]
    return "\n".join(parts)


async def _enforce(
    request: Request, db: Any, user: Any, text: str, scope: Scope, field: str, **where: Any
) -> None:
    if not text.strip():
        return
    verdict = await get_moderator(request).check(db, text, scope)
    if verdict.action == "block":
        raise ContentBlocked(details=[{"field": field, "message": "not allowed"}])
    if verdict.action == "flag":
        await reports.file_flag(db, verdict, text, author_id=user.id, **where)


async def moderate_message(request: Request, user: CurrentUser, db: DbDep) -> None:
    body = await _json(request)
    chat_id = request.path_params.get("chat_id")
    try:
        chat = uuid.UUID(str(chat_id)) if chat_id else None
    except ValueError:
        chat = None
    await _enforce(
        request, db, user, _text_of(body.get("content")), "messages", "content", chat_id=chat
    )


async def moderate_character(request: Request, user: CurrentUser, db: DbDep) -> None:
    body = await _json(request)
    character_id = request.path_params.get("character_id")
    try:
        character = uuid.UUID(str(character_id)) if character_id else None
    except ValueError:
        character = None
    await moderate_character_fields(request, db, user, body, character)


async def moderate_character_fields(
    request: Request, db: Any, user: Any, fields: Any, character_id: uuid.UUID | None
) -> None:
    """The character rules over its text fields, from a JSON body or an imported card."""

    def value(name: str) -> Any:
        return fields.get(name) if isinstance(fields, dict) else getattr(fields, name, None)

    text = "\n".join(
        [
            *(_text_of(value(name)) for name in CHARACTER_TEXT_FIELDS),
            _lorebook_text(value("lorebook")),
        ]
    )
    await _enforce(request, db, user, text, "characters", "character", character_id=character_id)


# Use as `dependencies=[ModerateMessage]` / `[ModerateCharacter]` on a route.
ModerateMessage = Depends(moderate_message)
ModerateCharacter = Depends(moderate_character)
