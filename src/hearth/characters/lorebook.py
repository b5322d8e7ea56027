"""A character's lorebook (world info) with Character Card V2/V3 semantics.

The chat engine scans the recent messages (`scan_depth` of them) for each enabled entry's
`keys`; with `selective`, one of the `secondary_keys` must match too. `constant` entries are
always in. Triggered entries are sorted by `insertion_order` (lower goes higher in the
prompt) and, when over `token_budget`, those with the lowest `priority` are dropped first.
`position` places an entry before or after the character definition. With
`recursive_scanning`, the content of triggered entries may trigger others. With
or without `use_regex`, keys written `/pattern/flags` are regexes and the others plain text
(as in SillyTavern); keys may hold `{{char}}`/`{{user}}`. SillyTavern's
`extensions.selectiveLogic` is honoured.

SillyTavern's entry settings, as optional fields: `probability` (0-100, with
`use_probability`: the chance a triggered entry goes in), `match_whole_words` (null: the
book's default, off), and `depth` with `role`: an entry with a depth goes into the chat
history that many messages from its end, as a message of that role, instead of at
`position`. Content lines `@@activate` / `@@dont_activate` at its top (CCv3 decorators)
always / never trigger the entry and are not sent.

Also SillyTavern's: the `position`s by the author's note (`before_author_note`,
`after_author_note`: joined into the note's text, at its depth) and by the example dialogue
(`before_examples`, `after_examples`: example blocks of their own); `scan_depth` (null: the
book's); inclusion groups (`group`, names split by commas: of the triggered entries of one
group, one goes in: a `group_override` one, else one drawn by `group_weight`; with
`use_group_scoring`, only those matching the most keys take part).

SillyTavern's recursion settings `prevent_recursion` (the entry's content triggers no other
entry), `exclude_recursion` (only the chat triggers the entry) and `delay_until_recursion`
(only a recursion step does), and `delay` (the entry is out until the chat has that many
messages). Its `sticky` and `cooldown` need a state kept from turn to turn: they stay in the
extensions, unused.

Characters stored before Hearth had a field keep SillyTavern's setting only in the entry's
`extensions`: an entry without the field takes it from there (as the chat engine does), so
what the API shows is what the engine uses. SillyTavern's number for the place
(`extensions.position`) is read before the entry's own `position`, as SillyTavern does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hearth.core.json_value import JsonObject

MAX_ENTRIES = 500
MAX_ENTRY_CONTENT = 20_000
MAX_DEPTH = 1000
MAX_SCAN_DEPTH = 1000
MAX_GROUP_WEIGHT = 1_000_000
MAX_DELAY = 1_000_000
DEFAULT_GROUP_WEIGHT = 100

Position = Literal[
    "before_char",
    "after_char",
    "before_author_note",
    "after_author_note",
    "before_examples",
    "after_examples",
]
# SillyTavern's numbers for the places an entry goes (4, at a depth, is `depth` here).
ST_POSITIONS: dict[int, Position] = {
    0: "before_char",
    1: "after_char",
    2: "before_author_note",
    3: "after_author_note",
    5: "before_examples",
    6: "after_examples",
}
ST_AT_DEPTH = 4
ST_DEFAULT_DEPTH = 4
# The places a card's own `position` field can say.
_CARD_PLACES = ("before_char", "after_char")
# The places Hearth once read as `after_char`.
_NEWER_PLACES = ("before_author_note", "after_author_note", "before_examples", "after_examples")
ST_ROLES = ("system", "user", "assistant")

Key = Annotated[str, StringConstraints(max_length=200)]


class LorebookEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int | Annotated[str, StringConstraints(max_length=64)] | None = None
    keys: list[Key] = Field(default_factory=list, max_length=100)
    secondary_keys: list[Key] = Field(default_factory=list, max_length=100)
    selective: bool = False
    content: str = Field(default="", max_length=MAX_ENTRY_CONTENT)
    enabled: bool = True
    constant: bool = False
    case_sensitive: bool = False
    use_regex: bool = False
    insertion_order: int = Field(default=100, ge=-1_000_000, le=1_000_000)
    priority: int = Field(default=10, ge=-1_000_000, le=1_000_000)
    position: Position = "before_char"
    probability: int = Field(default=100, ge=0, le=100)
    use_probability: bool = True
    match_whole_words: bool | None = None
    depth: int | None = Field(default=None, ge=0, le=MAX_DEPTH)
    role: Literal["system", "user", "assistant"] = "system"
    scan_depth: int | None = Field(default=None, ge=0, le=MAX_SCAN_DEPTH)
    group: str = Field(default="", max_length=200)
    group_override: bool = False
    group_weight: int = Field(default=DEFAULT_GROUP_WEIGHT, ge=0, le=MAX_GROUP_WEIGHT)
    # None: the book's default (off: a card's book has no setting of its own).
    use_group_scoring: bool | None = None
    # SillyTavern's recursion settings: the entry's content triggers no other entry; the
    # entry is triggered only by the chat, not by other entries' content; the entry is
    # triggered only by a recursion step, not by the chat alone.
    prevent_recursion: bool = False
    exclude_recursion: bool = False
    delay_until_recursion: bool = False
    # Not before the chat has this many messages (SillyTavern's `delay`); null or 0: none.
    delay: int | None = Field(default=None, ge=0, le=MAX_DELAY)
    name: str = Field(default="", max_length=200)
    comment: str = Field(default="", max_length=2000)
    extensions: JsonObject = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _settings_kept_in_extensions(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("extensions"), Mapping):
            return settings_from_extensions(data)
        return data


def _whole(value: Any, low: int, high: int) -> int | None:
    """A number brought into range as a whole one, or None when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return max(low, min(high, int(value)))


def st_position_number(value: Any) -> int | None:
    """SillyTavern's number for an entry's place, when `value` is one."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value in ST_POSITIONS or value == ST_AT_DEPTH else None


def settings_from_extensions(data: Mapping[str, Any]) -> dict[str, Any]:
    """The entry with each of SillyTavern's settings it lacks a field for taken from its
    `extensions`, where a card SillyTavern wrote keeps them. A value there that is not
    usable is left where it is (a stored character must always be readable)."""
    extensions = dict(data["extensions"])
    entry = dict(data)

    def lift(field: str, value: Any) -> None:
        if field not in entry and value is not None:
            entry[field] = value

    def first(*names: str) -> Any:
        return next((extensions[n] for n in names if extensions.get(n) is not None), None)

    def flag(*names: str) -> bool | None:
        value = first(*names)
        return value if isinstance(value, bool) else None

    number = st_position_number(extensions.get("position"))
    lift("probability", _whole(first("probability"), 0, 100))
    lift("use_probability", flag("useProbability", "use_probability"))
    lift("match_whole_words", flag("match_whole_words", "matchWholeWords"))
    if "depth" not in entry and number == ST_AT_DEPTH:
        depth = _whole(extensions.get("depth"), 0, MAX_DEPTH)
        entry["depth"] = ST_DEFAULT_DEPTH if depth is None else depth
    role = first("role")
    if isinstance(role, int) and not isinstance(role, bool) and 0 <= role < len(ST_ROLES):
        lift("role", ST_ROLES[role])
    lift("scan_depth", _whole(first("scan_depth", "scanDepth"), 0, MAX_SCAN_DEPTH))
    group = first("group")
    lift("group", group[:200] if isinstance(group, str) else None)
    lift("group_override", flag("group_override", "groupOverride"))
    lift("group_weight", _whole(first("group_weight", "groupWeight"), 0, MAX_GROUP_WEIGHT))
    lift("use_group_scoring", flag("use_group_scoring", "useGroupScoring"))
    lift("prevent_recursion", flag("prevent_recursion", "preventRecursion"))
    lift("exclude_recursion", flag("exclude_recursion", "excludeRecursion"))
    lift(
        "delay_until_recursion",
        _recursion_delay(first("delay_until_recursion", "delayUntilRecursion")),
    )
    lift("delay", _whole(first("delay"), 0, MAX_DELAY))
    place = None if number is None else ST_POSITIONS.get(number)
    current = entry.get("position")
    # SillyTavern reads the number in the extensions before the card's `before_char` /
    # `after_char` (which it writes only as "0 or not 0"): where they disagree, the number
    # is the place. Hearth read these other places as "after the character" before it had
    # them. Either way the field takes the place and the number goes (an export writes it
    # back), so that a later change of the field in Hearth's editor is not overruled.
    if (place in _CARD_PLACES and current in (None, *_CARD_PLACES)) or (
        place in _NEWER_PLACES and current in (None, "after_char")
    ):
        entry["position"] = place
        del extensions["position"]
        entry["extensions"] = extensions
    return entry


def _recursion_delay(value: Any) -> bool | None:
    """SillyTavern's `delayUntilRecursion`: a flag, or the recursion level (a number) from
    which the entry may be triggered. Hearth has no levels: any level is "by recursion"."""
    if isinstance(value, bool):
        return value
    number = _whole(value, 0, MAX_DELAY)
    return None if number is None else number > 0


class Lorebook(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=5000)
    scan_depth: int | None = Field(default=None, ge=0, le=MAX_SCAN_DEPTH)
    token_budget: int | None = Field(default=None, ge=0, le=1_000_000)
    recursive_scanning: bool = False
    entries: list[LorebookEntry] = Field(default_factory=list, max_length=MAX_ENTRIES)
    extensions: JsonObject = Field(default_factory=dict)
