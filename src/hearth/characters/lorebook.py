"""A character's lorebook (world info) with Character Card V2/V3 semantics.

The chat engine scans the recent messages (`scan_depth` of them) for each enabled entry's
`keys`; with `selective`, one of the `secondary_keys` must match too. `constant` entries are
always in. Triggered entries are sorted by `insertion_order` (lower goes higher in the
prompt) and, when over `token_budget`, those with the lowest `priority` are dropped first.
`position` places an entry before or after the character definition. With
`recursive_scanning`, the content of triggered entries may trigger others. With
`use_regex`, keys written `/pattern/flags` are regexes and the others plain text (as in
SillyTavern); keys may hold `{{char}}`/`{{user}}`. SillyTavern's
`extensions.selectiveLogic` is honoured.

SillyTavern's entry settings, as optional fields: `probability` (0-100, with
`use_probability`: the chance a triggered entry goes in), `match_whole_words` (null: the
book's default, off), and `depth` with `role`: an entry with a depth goes into the chat
history that many messages from its end, as a message of that role, instead of at
`position`. Content lines `@@activate` / `@@dont_activate` at its top (CCv3 decorators)
always / never trigger the entry and are not sent.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hearth.core.json_value import JsonObject

MAX_ENTRIES = 500
MAX_ENTRY_CONTENT = 20_000
MAX_DEPTH = 1000

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
    position: Literal["before_char", "after_char"] = "before_char"
    probability: int = Field(default=100, ge=0, le=100)
    use_probability: bool = True
    match_whole_words: bool | None = None
    depth: int | None = Field(default=None, ge=0, le=MAX_DEPTH)
    role: Literal["system", "user", "assistant"] = "system"
    name: str = Field(default="", max_length=200)
    comment: str = Field(default="", max_length=2000)
    extensions: JsonObject = Field(default_factory=dict)


class Lorebook(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=5000)
    scan_depth: int | None = Field(default=None, ge=0, le=1000)
    token_budget: int | None = Field(default=None, ge=0, le=1_000_000)
    recursive_scanning: bool = False
    entries: list[LorebookEntry] = Field(default_factory=list, max_length=MAX_ENTRIES)
    extensions: JsonObject = Field(default_factory=dict)
