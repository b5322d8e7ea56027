"""Card fields ↔ character fields, for V1 (flat), V2 (`chara_card_v2`) and V3 (`chara_card_v3`).

Cards from the wild are loose: nulls for strings, numbers as strings, positions as "" or
numbers. Reading is tolerant where the meaning is clear and strict where it is not (a
missing name, a field of the wrong kind, a field over its length limit → `invalid_card`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from hearth.characters.cards.rawjson import raw_member
from hearth.characters.errors import InvalidCard
from hearth.characters.lorebook import (
    DEFAULT_GROUP_WEIGHT,
    ST_POSITIONS,
    Lorebook,
    LorebookEntry,
)
from hearth.characters.schemas import MAX_TAG_LENGTH, MAX_TAGS, CharacterCreate

MAX_EXTENSIONS_CHARS = 512 * 1024
MATURE_TAGS = {"nsfw", "18+", "adult", "explicit", "nsfl"}
_INT_BOUND = 2**62  # inside a 64-bit column

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


def _int(value: Any, default: int | None) -> int | None:
    """A whole number, or `default` for anything else: NaN, Infinity and numbers past
    what a database column holds included (JSON allows them, cards in the wild carry them)."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return default
    if isinstance(value, float):
        if not math.isfinite(value):
            return default
        value = int(value)
    if not isinstance(value, int) or abs(value) > _INT_BOUND:
        return default
    return int(value)


def _bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return default


def _keys(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list):
        return [str(k) for k in value if isinstance(k, (str, int, float)) and str(k).strip()]
    return []


# SillyTavern numbers the places an entry goes (`ST_POSITIONS`; 4 is at a depth in the
# chat). A number it added later is later in the prompt than the character, which
# `after_char` is the nearest to.
_WORLD_BEFORE_CHAR = 0
_WORLD_AFTER_CHAR = 1
_WORLD_AT_DEPTH = 4
# The places a card's own `position` field can name (CCv2); SillyTavern says the others in
# the entry's extensions.
_CARD_POSITIONS = ("before_char", "after_char")
_WORLD_DEFAULT_DEPTH = 4
# SillyTavern numbers an at-depth entry's role.
_ROLES = ("system", "user", "assistant")
# World-file entry fields a card keeps in the entry's `extensions` (the lorebook reads them).
_WORLD_EXTENSIONS = ("selectiveLogic",)


def _number(value: Any) -> int | None:
    return None if isinstance(value, bool) else _int(value, None)


def _position(raw: dict[str, Any], extensions: dict[str, Any], world_file: bool) -> Any:
    """Where the entry goes (when it has no depth): a world file numbers it; a card says
    before or after the character, and SillyTavern's number in its extensions says which
    other place, if any (SillyTavern reads that first)."""
    value = raw.get("position")
    if not world_file:
        extra = ST_POSITIONS.get(_number(extensions.get("position")) or 0)
        if extra not in (None, *_CARD_POSITIONS):
            return extra
        if isinstance(value, str) and value in ST_POSITIONS.values():
            return value
    number = _number(value)
    if number is None or number == _WORLD_BEFORE_CHAR:
        return "before_char"
    return ST_POSITIONS.get(number, "after_char")


def _first_set(raw: dict[str, Any], extensions: dict[str, Any], *names: str) -> Any:
    """The first of these fields the entry sets, then the same in its extensions."""
    for source in (raw, extensions):
        for name in names:
            if source.get(name) is not None:
                return source[name]
    return None


def _role(value: Any) -> Any:
    """ "user" or SillyTavern's 1 as Hearth's role; anything else as it is, for the
    lorebook's validation to refuse."""
    if value is None:
        return "system"
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(_ROLES):
        return _ROLES[value]
    return value


def _depth(raw: dict[str, Any], extensions: dict[str, Any], world_file: bool) -> int | None:
    """The entry's depth in the chat, or None when it goes at its `position`."""
    numbered = raw.get("position") if world_file else extensions.get("position")
    number = None if isinstance(numbered, bool) else _int(numbered, None)
    if number is None:
        # A card as Hearth writes it: `depth` is set only for an entry in the chat.
        at_depth = not world_file and raw.get("depth") is not None
    else:
        at_depth = number == _WORLD_AT_DEPTH
    if not at_depth:
        return None
    # Out of range stays so, for the lorebook's validation to refuse with a clear error.
    return _int(_first_set(raw, extensions, "depth"), _WORLD_DEFAULT_DEPTH)


def _flag_or_none(raw: dict[str, Any], extensions: dict[str, Any], *names: str) -> bool | None:
    """A setting where null means the book's default."""
    value = _first_set(raw, extensions, *names)
    return None if value is None else _bool(value, False)


def _scan_depth(raw: dict[str, Any], extensions: dict[str, Any]) -> Any:
    value = _first_set(raw, extensions, "scan_depth", "scanDepth")
    # Out of range stays so, for the lorebook's validation to refuse with a clear error.
    return None if value is None else _int(value, None)


def _entry(raw: Any, index: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidCard(f"Lorebook entry {index} is not an object.")
    entry_id = raw.get("id")
    if not isinstance(entry_id, (int, str)) or isinstance(entry_id, bool):
        entry_id = None
    extensions = raw.get("extensions")
    # A world file's entry (`key`, not `keys`) has no `use_regex`: SillyTavern reads every
    # key written `/…/` as a regex.
    world_file = "keys" not in raw and "key" in raw
    if not isinstance(extensions, dict):
        extensions = {}
    if world_file:
        # Where SillyTavern puts these when it writes the entry into a card.
        extensions = {
            **{k: raw[k] for k in _WORLD_EXTENSIONS if raw.get(k) is not None},
            **extensions,
        }
    entry: dict[str, Any] = {
        "id": entry_id,
        "keys": _keys(raw.get("keys", raw.get("key"))),
        "secondary_keys": _keys(raw.get("secondary_keys", raw.get("keysecondary"))),
        "selective": _bool(raw.get("selective"), False),
        "content": raw.get("content") if isinstance(raw.get("content"), str) else "",
        # SillyTavern's world files say `disable` where cards say `enabled`.
        "enabled": _bool(raw.get("enabled"), not _bool(raw.get("disable"), False)),
        "constant": _bool(raw.get("constant"), False),
        "case_sensitive": _bool(
            _first_set(raw, extensions, "case_sensitive", "caseSensitive"), False
        ),
        "use_regex": _bool(raw.get("use_regex"), world_file),
        "insertion_order": _int(raw.get("insertion_order", raw.get("order")), 100),
        "priority": _int(raw.get("priority"), 10),
        # SillyTavern's settings: a world file has them beside the others, a card in
        # `extensions`, a card Hearth wrote in both (Hearth's names first).
        "probability": _int(_first_set(raw, extensions, "probability"), 100),
        "use_probability": _bool(
            _first_set(raw, extensions, "use_probability", "useProbability"), True
        ),
        "match_whole_words": _flag_or_none(raw, extensions, "match_whole_words", "matchWholeWords"),
        "depth": _depth(raw, extensions, world_file),
        "role": _role(_first_set(raw, extensions, "role")),
        "position": _position(raw, extensions, world_file),
        "scan_depth": _scan_depth(raw, extensions),
        # Not text stays so, for the lorebook's validation to refuse.
        "group": _first_set(raw, extensions, "group") or "",
        "group_override": _bool(
            _first_set(raw, extensions, "group_override", "groupOverride"), False
        ),
        "group_weight": _int(
            _first_set(raw, extensions, "group_weight", "groupWeight"), DEFAULT_GROUP_WEIGHT
        ),
        "use_group_scoring": _flag_or_none(raw, extensions, "use_group_scoring", "useGroupScoring"),
        "name": raw.get("name") if isinstance(raw.get("name"), str) else "",
        "comment": raw.get("comment") if isinstance(raw.get("comment"), str) else "",
        "extensions": extensions,
    }
    entry["extensions"] = _without_lifted(entry)
    return entry


def lorebook_from_card(book: Any) -> dict[str, Any] | None:
    """A card's `character_book` as Hearth's lorebook dict (validated later)."""
    if book is None:
        return None
    if not isinstance(book, dict):
        raise InvalidCard("The card's character_book is not an object.")
    entries = book.get("entries") or []
    if isinstance(entries, dict):  # SillyTavern world files key entries by uid
        entries = list(entries.values())
    if not isinstance(entries, list):
        raise InvalidCard("The card's lorebook entries are not a list.")
    extensions = book.get("extensions")
    return {
        "name": book.get("name") if isinstance(book.get("name"), str) else "",
        "description": book.get("description") if isinstance(book.get("description"), str) else "",
        "scan_depth": _int(book.get("scan_depth"), None),
        "token_budget": _int(book.get("token_budget"), None),
        "recursive_scanning": _bool(book.get("recursive_scanning"), False),
        "entries": [_entry(e, i) for i, e in enumerate(entries)],
        "extensions": extensions if isinstance(extensions, dict) else {},
    }


def lorebook_to_card(lorebook: dict[str, Any]) -> dict[str, Any]:
    book = Lorebook.model_validate(lorebook)
    card: dict[str, Any] = {
        "name": book.name,
        "description": book.description,
        "scan_depth": book.scan_depth,
        "token_budget": book.token_budget,
        "recursive_scanning": book.recursive_scanning,
        "extensions": book.extensions,
        "entries": [],
    }
    for key in ("scan_depth", "token_budget"):
        if card[key] is None:
            del card[key]
    for entry in book.entries:
        item = entry.model_dump(mode="json")
        if item["id"] is None:
            del item["id"]
        if entry.position not in _CARD_POSITIONS:
            # What SillyTavern writes there for its other places; the number is in extensions.
            item["position"] = "after_char"
        item["extensions"] = _sillytavern_extensions(entry)
        card["entries"].append(item)
    return card


_ST_NUMBERS = {place: number for number, place in ST_POSITIONS.items()}


def _sillytavern_settings(entry: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Where SillyTavern reads the entry's settings in a card entry's `extensions`: each key
    with the value it must hold, and what SillyTavern assumes when the key is not there."""
    settings: dict[str, tuple[Any, Any]] = {
        "probability": (entry["probability"], 100),
        "useProbability": (entry["use_probability"], True),
        "match_whole_words": (entry["match_whole_words"], None),
        "scan_depth": (entry["scan_depth"], None),
        "group": (entry["group"], ""),
        "group_override": (entry["group_override"], False),
        "group_weight": (entry["group_weight"], DEFAULT_GROUP_WEIGHT),
        "use_group_scoring": (entry["use_group_scoring"], None),
    }
    if entry["depth"] is not None:
        settings["position"] = (_WORLD_AT_DEPTH, None)
        settings["depth"] = (entry["depth"], _WORLD_DEFAULT_DEPTH)
        if entry["role"] in _ROLES:
            settings["role"] = (_ROLES.index(entry["role"]), 0)
    else:
        # Without the key, SillyTavern takes 0 for a card's `before_char`, else 1.
        number = _ST_NUMBERS[entry["position"]]
        settings["position"] = (number, _WORLD_BEFORE_CHAR if number == 0 else _WORLD_AFTER_CHAR)
    return settings


def _without_lifted(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's extensions without the settings now in its own fields, that an export
    writes back: a card Hearth exported imports as the same entry. Settings at SillyTavern's
    defaults stay, as the card wrote them."""
    extensions = dict(entry["extensions"])
    for key, (value, default) in _sillytavern_settings(entry).items():
        if value != default and key in extensions and extensions[key] == value:
            del extensions[key]
    return extensions


def _sillytavern_extensions(entry: LorebookEntry) -> dict[str, Any]:
    """The entry's extensions, with what SillyTavern reads there for Hearth's settings
    wherever it would otherwise read something else."""
    extensions = dict(entry.extensions)
    for key, (value, default) in _sillytavern_settings(entry.model_dump()).items():
        if extensions.get(key, default) != value:
            extensions[key] = value
    return extensions


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


def parse_card(text: str) -> ParsedCard:
    """Read a card document (JSON text) of any spec; raise `InvalidCard` if it is not one."""
    text = text.removeprefix("\ufeff")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidCard("The card is not valid JSON.") from exc
    if not isinstance(document, dict):
        raise InvalidCard("The card is not a JSON object.")
    spec_name = document.get("spec")
    if spec_name in ("chara_card_v2", "chara_card_v3") or isinstance(document.get("data"), dict):
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
        "card_creation_date": _int(data.get("creation_date"), None),
        "card_modification_date": _int(data.get("modification_date"), None),
        "extensions_json": extensions_raw,
    }
    return ParsedCard(body=body, columns=columns, icon_uri=_icon_uri(data), spec=spec)


def _icon_uri(data: dict[str, Any]) -> str | None:
    assets = data.get("assets")
    if not isinstance(assets, list):
        return None
    icons = [a for a in assets if isinstance(a, dict) and a.get("type") == "icon"]
    icons.sort(key=lambda a: a.get("name") != "main")
    for icon in icons:
        uri = icon.get("uri")
        if isinstance(uri, str):
            return uri
    return None
