"""Shapes of the characters API, with the length limits of every field."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from hearth.characters.cards.book import world_file_as_lorebook
from hearth.characters.lorebook import Lorebook

Rating = Literal["sfw", "moderate", "nsfw"]
Visibility = Literal["public", "unlisted", "private"]
Sort = Literal["popular", "new", "likes"]
Locale = Literal["ru", "en", "es"]

MAX_TAGS = 20
MAX_TAG_LENGTH = 32
MAX_ALTERNATE_GREETINGS = 32
_SPACES = re.compile(r"\s+")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Short = Annotated[str, Field(max_length=256)]
Long = Annotated[str, Field(max_length=32_000)]
Medium = Annotated[str, Field(max_length=16_000)]
Greeting = Annotated[str, Field(max_length=16_000)]


def normalize_tag(value: str) -> str:
    """Lower-case, trimmed, inner whitespace collapsed; commas are not allowed."""
    tag = _SPACES.sub(" ", value.strip().lower())
    if not tag:
        raise ValueError("Tags cannot be empty.")
    if len(tag) > MAX_TAG_LENGTH:
        raise ValueError(f"A tag is at most {MAX_TAG_LENGTH} characters.")
    if "," in tag:
        raise ValueError("Tags cannot contain commas.")
    return tag


def without_blank_greetings(values: list[str] | None) -> list[str] | None:
    """Alternate greetings without the blank ones: a chat never offers a blank greeting,
    so `greeting_index` counts only these, and the list says the same."""
    return None if values is None else [v for v in values if v.strip()]


def normalize_tags(values: list[str]) -> list[str]:
    tags = list(dict.fromkeys(normalize_tag(v) for v in values))
    if len(tags) > MAX_TAGS:
        raise ValueError(f"At most {MAX_TAGS} tags.")
    return tags


class CharacterFields(BaseModel):
    """Every writable field; creation requires `name`, updates send any subset."""

    model_config = ConfigDict(extra="forbid")

    tagline: Short = ""
    description: Long = ""
    personality: Medium = ""
    scenario: Medium = ""
    greeting: Greeting = ""
    alternate_greetings: list[Greeting] = Field(
        default_factory=list, max_length=MAX_ALTERNATE_GREETINGS
    )
    example_dialogue: Long = ""
    system_prompt: Medium = ""
    post_history_instructions: Medium = ""
    tags: list[str] = Field(default_factory=list, max_length=100)
    gender: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = ""
    content_rating: Rating = "sfw"
    visibility: Visibility = "private"
    lorebook: Lorebook | None = None
    locale: Locale | None = None  # the language the character speaks; None = any
    # Card fields, kept for export; creator notes are shown to people, never to the model.
    nickname: Annotated[str, Field(max_length=128)] = ""
    creator_notes: Medium = ""
    creator_notes_multilingual: dict[Annotated[str, Field(max_length=16)], Medium] | None = None
    group_only_greetings: list[Greeting] = Field(
        default_factory=list, max_length=MAX_ALTERNATE_GREETINGS
    )
    source: list[Annotated[str, Field(max_length=2048)]] = Field(
        default_factory=list, max_length=32
    )

    _tags = field_validator("tags")(normalize_tags)
    _greetings = field_validator("alternate_greetings")(without_blank_greetings)
    # A SillyTavern world file is taken as the lorebook it is.
    _lorebook = field_validator("lorebook", mode="before")(world_file_as_lorebook)


class CharacterCreate(CharacterFields):
    name: Name


class CharacterUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    tagline: Short | None = None
    description: Long | None = None
    personality: Medium | None = None
    scenario: Medium | None = None
    greeting: Greeting | None = None
    alternate_greetings: list[Greeting] | None = Field(
        default=None, max_length=MAX_ALTERNATE_GREETINGS
    )
    example_dialogue: Long | None = None
    system_prompt: Medium | None = None
    post_history_instructions: Medium | None = None
    tags: list[str] | None = Field(default=None, max_length=100)
    gender: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None
    content_rating: Rating | None = None
    visibility: Visibility | None = None
    lorebook: Lorebook | None = None
    locale: Locale | None = None
    nickname: Annotated[str, Field(max_length=128)] | None = None
    creator_notes: Medium | None = None

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else normalize_tags(value)

    _greetings = field_validator("alternate_greetings")(without_blank_greetings)
    _lorebook = field_validator("lorebook", mode="before")(world_file_as_lorebook)


class CreatorOut(BaseModel):
    id: uuid.UUID
    username: str


class StatsOut(BaseModel):
    chats: int
    messages: int
    likes: int


class CharacterSummary(BaseModel):
    """A character in lists (catalog, favorites, mine): no long texts."""

    id: uuid.UUID
    name: str
    tagline: str
    tags: list[str]
    gender: str
    content_rating: Rating
    visibility: Visibility
    avatar_url: str | None
    locale: str | None
    creator: CreatorOut | None
    stats: StatsOut
    liked_by_me: bool
    created_at: datetime
    updated_at: datetime


class CharacterOut(CharacterSummary):
    description: str
    personality: str
    scenario: str
    greeting: str
    alternate_greetings: list[str]
    example_dialogue: str
    system_prompt: str
    post_history_instructions: str
    lorebook: Lorebook | None
    nickname: str
    creator_notes: str
    creator_notes_multilingual: dict[str, str] | None
    group_only_greetings: list[str]
    source: list[str]
    is_blocked: bool


class LikeOut(BaseModel):
    liked: bool
    likes: int


class TagCount(BaseModel):
    tag: str
    count: int


class GenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    locale: Literal["ru", "en", "es"] | None = None
