"""A card's lorebook (`character_book`) and SillyTavern's world files ↔ Hearth's lorebook.

A card entry keeps SillyTavern's settings in its `extensions` (snake_case names, as
SillyTavern's own card writer uses); a world file has them beside the others (camelCase).
Settings Hearth has a field for are read into it; every other one is kept in the entry's
`extensions` under the card's name for it, so an export gives SillyTavern back all of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hearth.characters.errors import InvalidCard
from hearth.characters.lorebook import (
    DEFAULT_GROUP_WEIGHT,
    ST_POSITIONS,
    Lorebook,
    LorebookEntry,
)

_INT_BOUND = 2**62  # inside a 64-bit column


def read_int(value: Any, default: int | None) -> int | None:
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


def read_bool(value: Any, default: bool) -> bool:
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
# A world-file entry's fields that Hearth reads into an entry's own fields (a card's
# names too: a world file edited by hand or by other tools may use them).
_WORLD_FIELDS_READ = frozenset(
    {
        *("uid", "key", "keysecondary", "comment", "content", "constant", "selective"),
        *("order", "disable", "position", "probability", "useProbability", "group"),
        *("groupOverride", "groupWeight", "scanDepth", "caseSensitive", "matchWholeWords"),
        *("useGroupScoring", "extensions", "id", "keys", "secondary_keys", "enabled"),
        *("use_regex", "insertion_order", "priority", "name", "case_sensitive"),
        *("use_probability", "match_whole_words", "scan_depth", "group_override"),
        *("group_weight", "use_group_scoring"),
    }
)
# The names SillyTavern gives a world-file entry's other settings when it writes the entry
# into a card's `extensions` (`convertWorldInfoToCharacterBook`); the rest (`sticky`,
# `cooldown`, `delay`, `vectorized`, `triggers`, `selectiveLogic`, `depth`, `role`, keys of
# other tools) keep their own name.
_WORLD_TO_CARD_NAMES = {
    "excludeRecursion": "exclude_recursion",
    "preventRecursion": "prevent_recursion",
    "delayUntilRecursion": "delay_until_recursion",
    "displayIndex": "display_index",
    "outletName": "outlet_name",
    "automationId": "automation_id",
    "ignoreBudget": "ignore_budget",
    "matchPersonaDescription": "match_persona_description",
    "matchCharacterDescription": "match_character_description",
    "matchCharacterPersonality": "match_character_personality",
    "matchCharacterDepthPrompt": "match_character_depth_prompt",
    "matchScenario": "match_scenario",
    "matchCreatorNotes": "match_creator_notes",
}


def _world_extensions(raw: dict[str, Any], extensions: dict[str, Any]) -> dict[str, Any]:
    """The card `extensions` of a world-file entry: every setting Hearth has no field for,
    under the name SillyTavern writes it with, over the entry's own `extensions`."""
    kept = {
        _WORLD_TO_CARD_NAMES.get(name, name): value
        for name, value in raw.items()
        if name not in _WORLD_FIELDS_READ
    }
    return {**extensions, **kept}


def _number(value: Any) -> int | None:
    return None if isinstance(value, bool) else read_int(value, None)


def _position(raw: dict[str, Any], extensions: dict[str, Any], world_file: bool) -> Any:
    """Where the entry goes (when it has no depth): a world file numbers it; a card says
    before or after the character, but SillyTavern's number in its extensions, when it has
    one, says where the entry goes (SillyTavern reads it first, whatever the card says)."""
    value = raw.get("position")
    if not world_file:
        number = _number(extensions.get("position"))
        if number is not None and number in ST_POSITIONS:
            return ST_POSITIONS[number]
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
    number = None if isinstance(numbered, bool) else read_int(numbered, None)
    if number is None:
        # A card as Hearth writes it: `depth` is set only for an entry in the chat.
        at_depth = not world_file and raw.get("depth") is not None
    else:
        at_depth = number == _WORLD_AT_DEPTH
    if not at_depth:
        return None
    # Out of range stays so, for the lorebook's validation to refuse with a clear error.
    return read_int(_first_set(raw, extensions, "depth"), _WORLD_DEFAULT_DEPTH)


def _flag_or_none(raw: dict[str, Any], extensions: dict[str, Any], *names: str) -> bool | None:
    """A setting where null means the book's default."""
    value = _first_set(raw, extensions, *names)
    return None if value is None else read_bool(value, False)


def _scan_depth(raw: dict[str, Any], extensions: dict[str, Any]) -> Any:
    value = _first_set(raw, extensions, "scan_depth", "scanDepth")
    # Out of range stays so, for the lorebook's validation to refuse with a clear error.
    return None if value is None else read_int(value, None)


def _entry(raw: Any, index: int, uid: Any = None) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidCard(f"Lorebook entry {index} is not an object.")
    extensions = raw.get("extensions")
    # A world file's entry (`key`, not `keys`) has no `use_regex`: SillyTavern reads every
    # key written `/…/` as a regex.
    world_file = "keys" not in raw and "key" in raw
    # A world file numbers its entries `uid` (and keys them by it).
    entry_id = raw.get("id", raw.get("uid", uid) if world_file else None)
    if not isinstance(entry_id, (int, str)) or isinstance(entry_id, bool):
        entry_id = None
    if not isinstance(extensions, dict):
        extensions = {}
    if world_file:
        extensions = _world_extensions(raw, extensions)
    entry: dict[str, Any] = {
        "id": entry_id,
        "keys": _keys(raw.get("keys", raw.get("key"))),
        "secondary_keys": _keys(raw.get("secondary_keys", raw.get("keysecondary"))),
        "selective": read_bool(raw.get("selective"), False),
        "content": raw.get("content") if isinstance(raw.get("content"), str) else "",
        # SillyTavern's world files say `disable` where cards say `enabled`.
        "enabled": read_bool(raw.get("enabled"), not read_bool(raw.get("disable"), False)),
        "constant": read_bool(raw.get("constant"), False),
        "case_sensitive": read_bool(
            _first_set(raw, extensions, "case_sensitive", "caseSensitive"), False
        ),
        "use_regex": read_bool(raw.get("use_regex"), world_file),
        "insertion_order": read_int(raw.get("insertion_order", raw.get("order")), 100),
        "priority": read_int(raw.get("priority"), 10),
        # SillyTavern's settings: a world file has them beside the others, a card in
        # `extensions`, a card Hearth wrote in both (Hearth's names first).
        "probability": read_int(_first_set(raw, extensions, "probability"), 100),
        "use_probability": read_bool(
            _first_set(raw, extensions, "use_probability", "useProbability"), True
        ),
        "match_whole_words": _flag_or_none(raw, extensions, "match_whole_words", "matchWholeWords"),
        "depth": _depth(raw, extensions, world_file),
        "role": _role(_first_set(raw, extensions, "role")),
        "position": _position(raw, extensions, world_file),
        "scan_depth": _scan_depth(raw, extensions),
        # Not text stays so, for the lorebook's validation to refuse.
        "group": _first_set(raw, extensions, "group") or "",
        "group_override": read_bool(
            _first_set(raw, extensions, "group_override", "groupOverride"), False
        ),
        "group_weight": read_int(
            _first_set(raw, extensions, "group_weight", "groupWeight"), DEFAULT_GROUP_WEIGHT
        ),
        "use_group_scoring": _flag_or_none(raw, extensions, "use_group_scoring", "useGroupScoring"),
        "name": raw.get("name") if isinstance(raw.get("name"), str) else "",
        "comment": raw.get("comment") if isinstance(raw.get("comment"), str) else "",
        "extensions": extensions,
    }
    entry["extensions"] = _without_lifted(entry)
    return entry


def _uid(key: str) -> int | str:
    # ASCII digits only: "²" is a digit to `str.isdigit` but not to `int`.
    return int(key) if key.isascii() and key.isdigit() and len(key) < 18 else key


def lorebook_from_card(book: Any) -> dict[str, Any] | None:
    """A card's `character_book` as Hearth's lorebook dict (validated later)."""
    if book is None:
        return None
    if not isinstance(book, dict):
        raise InvalidCard("The card's character_book is not an object.")
    entries = book.get("entries") or []
    if isinstance(entries, dict):  # SillyTavern world files key entries by uid
        keyed: list[tuple[int | str | None, Any]] = [
            (_uid(key), entry) for key, entry in entries.items()
        ]
    elif isinstance(entries, list):
        keyed = [(None, entry) for entry in entries]
    else:
        raise InvalidCard("The card's lorebook entries are not a list.")
    extensions = book.get("extensions")
    return {
        "name": book.get("name") if isinstance(book.get("name"), str) else "",
        "description": book.get("description") if isinstance(book.get("description"), str) else "",
        "scan_depth": read_int(book.get("scan_depth"), None),
        "token_budget": read_int(book.get("token_budget"), None),
        "recursive_scanning": read_bool(book.get("recursive_scanning"), False),
        "entries": [_entry(e, i, uid) for i, (uid, e) in enumerate(keyed)],
        "extensions": extensions if isinstance(extensions, dict) else {},
    }


# What a character card has and a lorebook does not (V1 cards name them at the top level).
_CHARACTER_FIELDS = (
    *("description", "personality", "scenario", "first_mes", "mes_example"),
    *("char_persona", "char_greeting", "world_scenario", "example_dialogue", "char_name"),
)


def is_world_file(value: Any) -> bool:
    """A SillyTavern world file: its entries are an object keyed by uid."""
    return isinstance(value, Mapping) and isinstance(value.get("entries"), Mapping)


def is_lorebook_document(document: dict[str, Any]) -> bool:
    """A lorebook file rather than a card: a world file, a CCv3 `lorebook_v3`, or a bare
    `character_book` (entries and no character)."""
    if document.get("spec") == "lorebook_v3":
        return True
    return isinstance(document.get("entries"), (Mapping, list)) and not any(
        name in document for name in _CHARACTER_FIELDS
    )


def world_file_as_lorebook(value: Any) -> Any:
    """A SillyTavern world file as Hearth's lorebook dict, read as a card's book is;
    anything else as it is. Raises ValueError for a world file that cannot be read."""
    if not is_world_file(value):
        return value
    try:
        return lorebook_from_card(dict(value))
    except InvalidCard as exc:
        raise ValueError(exc.message or "The world file could not be read.") from exc


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


# SillyTavern's recursion and timing settings, with its defaults, that the lorebook may
# have fields for (read from `extensions` when it does); an export writes the fields back.
_RECURSION_SETTINGS = (
    ("prevent_recursion", False),
    ("exclude_recursion", False),
    ("delay_until_recursion", False),
    ("delay", None),
)


def _recursion_settings(
    entry: dict[str, Any], extensions: dict[str, Any]
) -> dict[str, tuple[Any, Any]]:
    settings: dict[str, tuple[Any, Any]] = {}
    for name, default in _RECURSION_SETTINGS:
        if name not in entry:
            continue
        value = entry[name]
        kept = extensions.get(name)
        # SillyTavern's `delay_until_recursion` may be a level (a number): it stays, when
        # it says the same "by recursion" as the flag.
        if (
            name == "delay_until_recursion"
            and isinstance(kept, (int, float))
            and not isinstance(kept, bool)
            and (kept > 0) == bool(value)
        ):
            value = kept
        settings[name] = (value, default)
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
    fields = entry.model_dump()
    settings = {**_sillytavern_settings(fields), **_recursion_settings(fields, extensions)}
    for key, (value, default) in settings.items():
        if extensions.get(key, default) != value:
            extensions[key] = value
    return extensions
