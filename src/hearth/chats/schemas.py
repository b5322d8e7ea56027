"""Request and response shapes of the chats API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hearth.chats.models import Chat, Message
from hearth.chats.trash import purge_at

MAX_MESSAGE_CHARS = 32_000


class ChatCreate(BaseModel):
    character_id: uuid.UUID
    persona_id: uuid.UUID | None = None
    greeting_index: int | None = Field(default=None, ge=0)
    model: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=200)


class ChatUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200)
    pinned: bool | None = None
    archived: bool | None = None
    model: str | None = Field(default=None, max_length=200)
    persona_id: uuid.UUID | None = None
    author_note: str | None = Field(default=None, max_length=10_000)
    author_note_depth: int | None = Field(default=None, ge=0, le=100)
    author_note_frequency: int | None = Field(default=None, ge=0, le=100)


class AuthorNoteBody(BaseModel):
    text: str = Field(default="", max_length=10_000)
    depth: int = Field(default=4, ge=0, le=100)
    frequency: int = Field(default=1, ge=0, le=100)


def _without_nul(text: str) -> str:
    # The database would drop NUL anyway (hearth.core.db); dropped here, the text stored, the
    # one echoed back and the one the model reads are the same.
    return text.replace("\x00", "")


def _not_empty(text: str) -> str:
    if not text:
        raise ValueError("The message is empty.")
    return text


MessageText = Annotated[str, Field(max_length=MAX_MESSAGE_CHARS), AfterValidator(_without_nul)]


class MessageCreate(BaseModel):
    content: Annotated[MessageText, AfterValidator(_not_empty)]


class MessageEdit(BaseModel):
    content: Annotated[MessageText, AfterValidator(_not_empty)] | None = None
    hidden: bool | None = None
    rating: int | None = Field(default=None, ge=1, le=4)


class SwipeSelect(BaseModel):
    index: int = Field(ge=0)


class RateBody(BaseModel):
    rating: int | None = Field(ge=1, le=4)


class HideBody(BaseModel):
    hidden: bool = True


class BranchBody(BaseModel):
    message_id: uuid.UUID


class UsageOut(BaseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None


class ErrorOut(BaseModel):
    code: str
    message: str


class MessageOut(BaseModel):
    id: uuid.UUID
    chat_id: uuid.UUID
    role: Literal["user", "assistant", "system"]
    content: str
    status: Literal["complete", "streaming", "interrupted", "error", "stopped"]
    swipes: list[str]
    swipe_index: int
    hidden: bool
    rating: int | None
    model: str | None
    provider: str | None
    usage: UsageOut
    ttft_ms: int | None
    duration_ms: int | None
    finish_reason: str | None
    error: ErrorOut | None
    created_at: datetime

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        swipes = list(message.swipes or [message.content])
        if 0 <= message.swipe_index < len(swipes):
            swipes[message.swipe_index] = message.content
        return cls(
            id=message.id,
            chat_id=message.chat_id,
            role=message.role,
            content=message.content,
            status=message.status,
            swipes=swipes,
            swipe_index=message.swipe_index,
            hidden=message.hidden,
            rating=message.rating,
            model=message.model,
            provider=message.provider,
            usage=UsageOut(
                prompt_tokens=message.prompt_tokens,
                completion_tokens=message.completion_tokens,
                cost=message.cost,
            ),
            ttft_ms=message.ttft_ms,
            duration_ms=message.duration_ms,
            finish_reason=message.finish_reason,
            error=ErrorOut(**message.error) if message.error else None,
            created_at=message.created_at,
        )


def message_json(message: Message) -> dict[str, Any]:
    return MessageOut.of(message).model_dump(mode="json")


def final_event(message: Message) -> tuple[str, dict[str, Any]]:
    """The event that ends a reply's stream, from the stored message: `done`, or `error`
    carrying the message (partial text, status)."""
    body = message_json(message)
    if message.status in ("error", "interrupted") and message.error:
        return "error", {**message.error, "message_id": str(message.id), "assistant_message": body}
    return "done", body


class CharacterSummary(BaseModel):
    id: uuid.UUID
    name: str
    avatar_url: str | None = None
    content_rating: str
    available: bool


class SearchMatch(BaseModel):
    """The newest message of a chat that a search found, and where in it."""

    message_id: uuid.UUID
    role: str
    created_at: datetime
    snippet: str


class ChatOut(BaseModel):
    id: uuid.UUID
    character_id: uuid.UUID
    persona_id: uuid.UUID | None
    model: str | None
    title: str
    pinned: bool
    archived: bool
    deleted_at: datetime | None
    purge_at: datetime | None  # when a chat in the trash is deleted for good
    author_note: AuthorNoteBody
    generating_message_id: uuid.UUID | None
    last_message_at: datetime
    created_at: datetime
    character: CharacterSummary | None = None
    last_message: MessageOut | None = None
    first_message: MessageOut | None = None
    match: SearchMatch | None = None  # with `q`: the newest message that has it

    @classmethod
    def of(
        cls,
        chat: Chat,
        *,
        character: CharacterSummary | None = None,
        last_message: Message | None = None,
        first_message: Message | None = None,
        match: SearchMatch | None = None,
    ) -> ChatOut:
        return cls(
            id=chat.id,
            character_id=chat.character_id,
            persona_id=chat.persona_id,
            model=chat.model,
            title=chat.title,
            pinned=chat.pinned,
            archived=chat.archived,
            deleted_at=chat.deleted_at,
            purge_at=purge_at(chat),
            author_note=AuthorNoteBody(
                text=chat.author_note,
                depth=chat.author_note_depth,
                frequency=chat.author_note_frequency,
            ),
            generating_message_id=chat.active_message_id,
            last_message_at=chat.last_message_at,
            created_at=chat.created_at,
            character=character,
            last_message=MessageOut.of(last_message) if last_message else None,
            first_message=MessageOut.of(first_message) if first_message else None,
            match=match,
        )


class SendResult(BaseModel):
    user_message: MessageOut
    assistant_message: MessageOut


class ImpersonateOut(BaseModel):
    content: str
    model: str | None = None


class PromptPartOut(BaseModel):
    name: str
    tokens: int


class PromptMessageOut(BaseModel):
    role: str
    content: str
    # Set when the chat's message has changed since this prompt was sent: `content` is then
    # its text now ("edited"), or empty ("deleted").
    changed: Literal["edited", "deleted"] | None = None


class PromptInspection(BaseModel):
    message_id: uuid.UUID
    model: str | None
    messages: list[PromptMessageOut]
    parts: list[PromptPartOut]
    total_tokens: int
    budget: int | None = None
    # How many history messages fitted, and whether the example dialogue was left out to
    # make room (None for a prompt recorded before these were kept).
    history_count: int | None = None
    example_dialogue_dropped: bool | None = None
