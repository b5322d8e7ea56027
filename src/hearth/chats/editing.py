"""Changing stored messages: swipes, edits, deletion, hiding, rating; branching a chat."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Uuid, case, cast, delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.characters.counters import bump_chats
from hearth.chats import service
from hearth.chats import swipes as swipe_details
from hearth.chats.errors import GenerationInProgress, InvalidChatOperation
from hearth.chats.models import MESSAGES, Chat, Message
from hearth.core.clock import utcnow
from hearth.core.db import UTCDateTime
from hearth.core.errors import ValidationFailed
from hearth.core.ids import uuid7
from hearth.users.models import User

# What a branch copies of each message (and `status`, with `streaming` made `interrupted`),
# ratings of every swipe included; not its prompt snapshots (they refer to the original
# chat's messages).
_COPIED = [
    getattr(Message, name)
    for name in (
        "role",
        "content",
        "swipes",
        "swipe_index",
        "swipe_info",
        "hidden",
        "rating",
        *(detail for detail in swipe_details.DETAILS if detail != "status"),
        "created_at",
    )
]


async def _hold(db: AsyncSession, chat: Chat, message: Message) -> None:
    """Take the chat's row for the rest of the transaction, then re-read `message`.

    A generation starts by an UPDATE of that row, so none can start between the checks that
    follow and the change they guard (on SQLite the row lock is the write lock). And the
    message is read as it is now, not as the request first found it: since then a reply may
    have started, ended or been regenerated in it, or it may have been deleted.

    PostgreSQL's FOR NO KEY UPDATE: it excludes that UPDATE and other holds, but not the
    key-share lock a foreign key check takes on the chat (FOR UPDATE would: a background
    write of this chat's messages then waited on us while we waited on it, a deadlock).
    """
    await db.refresh(chat, ["active_message_id"], with_for_update={"key_share": True})
    await service.reread_message(db, message)


def _not_streaming(chat: Chat, message: Message) -> None:
    if message.status == "streaming" or chat.active_message_id == message.id:
        raise GenerationInProgress()


async def select_swipe(db: AsyncSession, chat: Chat, message: Message, index: int) -> Message:
    await _hold(db, chat, message)
    _not_streaming(chat, message)
    swipes = list(message.swipes or [message.content])
    if index >= len(swipes):
        raise ValidationFailed.field("index", "There is no alternative with this index.")
    swipes[message.swipe_index] = message.content
    swipe_details.select(message, swipes, index)
    await db.flush()
    return message


async def edit_message(
    db: AsyncSession,
    chat: Chat,
    message: Message,
    *,
    content: str | None = None,
    hidden: bool | None = None,
    rating: int | None = None,
    clear_rating: bool = False,
) -> Message:
    await _hold(db, chat, message)
    if content is not None:
        _not_streaming(chat, message)
        message.content = content
        swipes = list(message.swipes or [content])
        if 0 <= message.swipe_index < len(swipes):
            swipes[message.swipe_index] = content
        message.swipes = swipes
    if hidden is not None:
        message.hidden = hidden
    if rating is not None or clear_rating:
        _rate(message, rating)
    await db.flush()
    return message


async def rate_message(
    db: AsyncSession, chat: Chat, message: Message, rating: int | None
) -> Message:
    await _hold(db, chat, message)
    _rate(message, rating)
    await db.flush()
    return message


def _rate(message: Message, rating: int | None) -> None:
    if message.role != "assistant":
        raise InvalidChatOperation("Only a reply of the character can be rated.")
    message.rating = rating


async def delete_message(db: AsyncSession, chat: Chat, message: Message, *, cascade: bool) -> int:
    """Delete the message (and, with `cascade`, every later one); returns how many."""
    await _hold(db, chat, message)
    if chat.active_message_id is not None:
        active = chat.active_message_id
        if active == message.id or (cascade and active > message.id):
            raise GenerationInProgress()
    condition = Message.id >= message.id if cascade else Message.id == message.id
    result = await db.execute(
        delete(Message)
        .where(Message.chat_id == chat.id, condition)
        .execution_options(synchronize_session=False)
    )
    db.expunge(message)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# A branch's title is its chat's with this after it, in its owner's language.
_BRANCH = {"en": "branch", "ru": "ветка", "es": "rama"}


async def branch_chat(db: AsyncSession, user: User, chat: Chat, message_id: uuid.UUID) -> Chat:
    """A new chat holding copies of the messages up to `message_id` (included)."""
    point = await service.get_message(db, chat, message_id)
    now = utcnow()
    branch = Chat(
        id=uuid7(),
        user_id=user.id,
        character_id=chat.character_id,
        persona_id=chat.persona_id,
        model=chat.model,
        title=f"{chat.title} ({_BRANCH.get(user.locale, _BRANCH['en'])})"[:200],
        author_note=chat.author_note,
        author_note_depth=chat.author_note_depth,
        author_note_frequency=chat.author_note_frequency,
        turns=chat.turns,
        last_message_at=now,
        created_at=now,
    )
    db.add(branch)
    await db.flush()
    # One INSERT ... SELECT: the database copies the rows. Through Python (read, convert,
    # write back) a 50,000-message chat took 2.4 s, and on SQLite every other send waited
    # for the write lock meanwhile.
    source = select(
        _copy_ids(db.get_bind().dialect.name),
        literal(branch.id, Uuid),
        *_COPIED,
        case((Message.status == "streaming", "interrupted"), else_=Message.status),
        literal(now, UTCDateTime()),
    ).where(Message.chat_id == chat.id, Message.id <= point.id)
    columns = ["id", "chat_id", *(c.key for c in _COPIED), "status", "updated_at"]
    await db.execute(insert(MESSAGES).from_select(columns, source))
    await bump_chats(db, chat.character_id)
    return branch


def _copy_ids(dialect: str) -> ColumnElement[Any]:
    """Fresh ids in the originals' order: a new uuid7's first 96 bits, then the row's
    number among the copies (32 bits: more messages than a chat can hold)."""
    prefix = uuid7().hex[:24]
    number = func.row_number().over(order_by=Message.id)
    if dialect == "postgresql":
        return cast(literal(prefix) + func.lpad(func.to_hex(number), 8, "0"), Uuid)
    return func.printf("%s%08x", prefix, number)  # SQLite keeps a UUID as 32 hex digits


async def count_messages(db: AsyncSession, chat_id: uuid.UUID) -> int:
    return int(await db.scalar(select(func.count()).where(Message.chat_id == chat_id)) or 0)
