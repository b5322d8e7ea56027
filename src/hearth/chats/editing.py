"""Changing stored messages: swipes, edits, deletion, hiding, rating; branching a chat."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.characters.counters import bump_chats
from hearth.chats import service
from hearth.chats.errors import GenerationInProgress, InvalidChatOperation
from hearth.chats.models import Chat, Message
from hearth.core.clock import utcnow
from hearth.core.errors import ValidationFailed
from hearth.core.ids import uuid7
from hearth.users.models import User

BRANCH_BATCH = 500


def _not_streaming(chat: Chat, message: Message) -> None:
    if message.status == "streaming" or chat.active_message_id == message.id:
        raise GenerationInProgress()


async def select_swipe(db: AsyncSession, chat: Chat, message: Message, index: int) -> Message:
    _not_streaming(chat, message)
    swipes = list(message.swipes or [message.content])
    if index >= len(swipes):
        raise ValidationFailed.field("index", "There is no alternative with this index.")
    swipes[message.swipe_index] = message.content
    message.swipes = swipes
    message.swipe_index = index
    message.content = swipes[index]
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
) -> Message:
    if content is not None:
        _not_streaming(chat, message)
        message.content = content
        swipes = list(message.swipes or [content])
        if 0 <= message.swipe_index < len(swipes):
            swipes[message.swipe_index] = content
        message.swipes = swipes
    if hidden is not None:
        message.hidden = hidden
    if rating is not None:
        await rate_message(db, message, rating)
    await db.flush()
    return message


async def rate_message(db: AsyncSession, message: Message, rating: int | None) -> Message:
    if message.role != "assistant":
        raise InvalidChatOperation("Only a reply of the character can be rated.")
    message.rating = rating
    await db.flush()
    return message


async def delete_message(db: AsyncSession, chat: Chat, message: Message, *, cascade: bool) -> int:
    """Delete the message (and, with `cascade`, every later one); returns how many."""
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
        title=f"{chat.title} (branch)"[:200],
        author_note=chat.author_note,
        author_note_depth=chat.author_note_depth,
        author_note_frequency=chat.author_note_frequency,
        turns=chat.turns,
        last_message_at=now,
        created_at=now,
    )
    db.add(branch)
    await db.flush()
    # Copied in bounded batches, oldest first, with fresh ordered ids.
    previous: uuid.UUID | None = None
    cursor: uuid.UUID | None = None
    while True:
        query = select(Message).where(Message.chat_id == chat.id, Message.id <= point.id)
        if cursor is not None:
            query = query.where(Message.id > cursor)
        batch = list((await db.scalars(query.order_by(Message.id).limit(BRANCH_BATCH))).all())
        if not batch:
            break
        ids = service.ids_after(previous, len(batch))
        for new_id, source in zip(ids, batch, strict=True):
            db.add(_copy(source, branch.id, new_id))
        previous, cursor = ids[-1], batch[-1].id
        await db.flush()
        if len(batch) < BRANCH_BATCH:
            break
    await bump_chats(db, chat.character_id)
    return branch


def _copy(source: Message, chat_id: uuid.UUID, new_id: uuid.UUID) -> Message:
    status = "interrupted" if source.status == "streaming" else source.status
    return Message(
        id=new_id,
        chat_id=chat_id,
        role=source.role,
        content=source.content,
        status=status,
        swipes=list(source.swipes) if source.swipes else None,
        swipe_index=source.swipe_index,
        hidden=source.hidden,
        model=source.model,
        provider=source.provider,
        prompt_tokens=source.prompt_tokens,
        completion_tokens=source.completion_tokens,
        cost=source.cost,
        ttft_ms=source.ttft_ms,
        duration_ms=source.duration_ms,
        finish_reason=source.finish_reason,
        error=source.error,
        created_at=source.created_at,
    )


async def count_messages(db: AsyncSession, chat_id: uuid.UUID) -> int:
    return int(await db.scalar(select(func.count()).where(Message.chat_id == chat_id)) or 0)
