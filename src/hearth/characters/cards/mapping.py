"""Card fields ↔ character fields, for V1 (flat), V2 (`chara_card_v2`) and V3 (`chara_card_v3`).

Cards from the wild are loose: nulls for strings, numbers as strings, positions as "" or
numbers. Reading is tolerant where the meaning is clear and strict where it is not (a
missing name, a field of the wrong kind, a field over its length limit → `invalid_card`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from hearth.characters.cards.book import is_lorebook_document, lorebook_from_card, read_int
from hearth.characters.cards.rawjson import raw_member
from hearth.characters.errors import InvalidCard, LorebookNotCard
from hearth.characters.schemas import MAX_TAG_LENGTH, MAX_TAGS, CharacterCreate

MAX_EXTENSIONS_CHARS = 512 * 1024
MAX_ASSETS = 100
MATURE_TAGS = {"nsfw", "18+", "adult", "explicit", "nsfl"}

# V1 cards (TavernAI/Pygmalion era) used other names for some fields.
_V1_ALIASES = {
    "name": ("name", "char_name"),
    "description": ("description", "char_persona"),
    "personality": ("personality",),
    "scenario": ("scenario", "world_scenario"),
    "first_mes": ("first_mes", "char_greeting"),
    "mes_example": ("mes_example", "example_dialogue"),
}


@dataclass
class ParsedCard:
    """What a card says, ready to become a character."""

    body: CharacterCreate
    columns: dict[str, Any] = field(default_factory=dict)
    icon_uri: str | None = None
    spec: str = "v1"


def _text(data: dict[str, Any], key: str, *aliases: str) -> str:
    for name in (key, *aliases):
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise InvalidCard(
                f"The card field '{name}' must be text.",
                details=[{"field": name, "message": "must be text"}],
            )
        return value
    return ""


def _texts(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidCard(
            f"The card field '{key}' must be a list of texts.",
            details=[{"field": key, "message": "must be a list of texts"}],
        )
    return list(value)


def acceptable_tags(values: list[str], limit: int | None = MAX_TAGS) -> list[str]:
    """Tags of other apps made acceptable: trimmed, lower-cased, no commas, bounded."""
    tags: list[str] = []
    for value in values:
        tag = " ".join(value.replace(",", " ").lower().split())
        if tag and len(tag) <= MAX_TAG_LENGTH and tag not in tags:
            tags.append(tag)
    return tags[:limit]


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in err["loc"]), "message": str(err["msg"])}
        for err in exc.errors()
    ]


_CARD_SPECS = ("chara_card_v2", "chara_card_v3")


def _kind(document: Any) -> str:
    if isinstance(document, list):
        return "a list"
    if isinstance(document, str):
        return "a string"
    if document is None:
        return "null"
    return "a boolean" if isinstance(document, bool) else "a number"


def parse_card(text: str) -> ParsedCard:
    """Read a card document (JSON text) of any spec; raise `InvalidCard` if it is not one."""
    text = text.removeprefix("\ufeff")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidCard("The card is not valid JSON.") from exc
    if not isinstance(document, dict):
        raise InvalidCard(
            f"The JSON holds {_kind(document)}, not a character card (one JSON object)."
        )
    spec_name = document.get("spec")
    if spec_name not in _CARD_SPECS and is_lorebook_document(document):
        raise LorebookNotCard()
    if spec_name in _CARD_SPECS or isinstance(document.get("data"), dict):
        data = document.get("data")
        if not isinstance(data, dict):
            raise InvalidCard("The card has no 'data' object.")
        spec = "v3" if spec_name == "chara_card_v3" else "v2"
        extensions_raw = raw_member(text, ("data", "extensions"))
    else:
        data, spec, extensions_raw = document, "v1", None
    return _parse_data(document, data, spec, extensions_raw)


def _parse_data(
    document: dict[str, Any], data: dict[str, Any], spec: str, extensions_raw: str | None
) -> ParsedCard:
    name = _text(data, "name", *_V1_ALIASES["name"][1:]).strip()
    if not name:
        raise InvalidCard(
            "The card has no character name.", details=[{"field": "name", "message": "required"}]
        )
    if extensions_raw is not None:
        if not isinstance(data.get("extensions"), dict):
            extensions_raw = None  # null or junk: nothing worth keeping
        elif len(extensions_raw) > MAX_EXTENSIONS_CHARS:
            raise InvalidCard("The card's extensions are too large.")
    hearth: dict[str, Any] = document["hearth"] if isinstance(document.get("hearth"), dict) else {}
    raw_tags = _texts(data, "tags")
    tags = acceptable_tags(raw_tags)
    rating = hearth.get("content_rating")
    if rating not in ("sfw", "moderate", "nsfw"):
        # Every tag the card has, as cleaned up for storing: " NSFW " is "nsfw".
        rating = "nsfw" if MATURE_TAGS & set(acceptable_tags(raw_tags, limit=None)) else "sfw"
    notes_multi = data.get("creator_notes_multilingual")
    fields: dict[str, Any] = {
        "name": name,
        "tagline": hearth.get("tagline") if isinstance(hearth.get("tagline"), str) else "",
        "gender": hearth.get("gender") if isinstance(hearth.get("gender"), str) else "",
        "description": _text(data, "description", "char_persona"),
        "personality": _text(data, "personality"),
        "scenario": _text(data, "scenario", "world_scenario"),
        "greeting": _text(data, "first_mes", "char_greeting"),
        "example_dialogue": _text(data, "mes_example", "example_dialogue"),
        "alternate_greetings": _texts(data, "alternate_greetings"),
        "system_prompt": _text(data, "system_prompt"),
        "post_history_instructions": _text(data, "post_history_instructions"),
        "creator_notes": _text(data, "creator_notes"),
        "tags": tags,
        "content_rating": rating,
        "visibility": "private",
        "lorebook": lorebook_from_card(data.get("character_book")),
        "nickname": _text(data, "nickname"),
        "creator_notes_multilingual": notes_multi if isinstance(notes_multi, dict) else None,
        "group_only_greetings": _texts(data, "group_only_greetings"),
        "source": _texts(data, "source"),
        "locale": hearth.get("locale") if hearth.get("locale") in ("ru", "en", "es") else None,
    }
    try:
        body = CharacterCreate.model_validate(fields)
    except ValidationError as exc:
        details = _field_errors(exc)
        first = details[0]
        raise InvalidCard(
            f"The card field '{first['field']}' is invalid: {first['message']}", details=details
        ) from exc
    columns: dict[str, Any] = {
        "card_creator": _text(data, "creator")[:128],
        "character_version": _text(data, "character_version")[:64],
        "card_creation_date": read_int(data.get("creation_date"), None),
        "card_modification_date": read_int(data.get("modification_date"), None),
        "extensions_json": extensions_raw,
        "card_assets": _other_assets(data) or None,
    }
    return ParsedCard(body=body, columns=columns, icon_uri=_icon_uri(data), spec=spec)


def _assets(data: dict[str, Any]) -> list[dict[str, Any]]:
    assets = data.get("assets")
    return [a for a in assets if isinstance(a, dict)] if isinstance(assets, list) else []


def _main_icon(assets: list[dict[str, Any]]) -> dict[str, Any] | None:
    icons = [a for a in assets if a.get("type") == "icon" and isinstance(a.get("uri"), str)]
    icons.sort(key=lambda a: a.get("name") != "main")
    return icons[0] if icons else None


def _other_assets(data: dict[str, Any]) -> list[dict[str, str]]:
    """The card's assets but its main icon, as the spec writes them. One embedding its file
    in the card (a long `data:` URI) is left out: only the avatar's image is stored."""
    assets = _assets(data)
    main = _main_icon(assets)
    kept = []
    for asset in assets[:MAX_ASSETS]:
        fields = {key: asset.get(key) for key in ("type", "uri", "name", "ext")}
        texts = {key: value for key, value in fields.items() if isinstance(value, str)}
        if asset is not main and len(texts) == 4 and sum(map(len, texts.values())) <= 2048:
            kept.append(texts)
    return kept


def _icon_uri(data: dict[str, Any]) -> str | None:
    main = _main_icon(_assets(data))
    return str(main["uri"]) if main is not None else None
