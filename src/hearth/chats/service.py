"""Chats: create, list, read, change, trash and restore; reading messages page by page.

Ownership is checked on every object: another user's chat is 404, never 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from hearth.characters import service as characters
from hearth.characters.counters import bump_chats
from hearth.characters.errors import CharacterNotFound
from hearth.characters.models import SUMMARY_ONLY, Character
from hearth.chats.errors import (
    CharacterBlocked,
    CharacterUnavailable,
    ChatInTrash,
    ChatNotFound,
    MessageNotFound,
)
from hearth.chats.macros import MacroContext, expand
from hearth.chats.models import Chat, Message
from hearth.chats.schemas import ChatCreate, ChatUpdate, SearchMatch
from hearth.core.clock import utcnow
from hearth.core.errors import ValidationFailed
from hearth.core.ids import uuid7
from hearth.core.pagination import (
    cursor_datetime,
    cursor_int,
    cursor_uuid,
    decode_cursor,
    encode_cursor,
)
from hearth.core.text_match import contains_folded, snippet_around
from hearth.users.models import Persona, User

MAX_PAGE = 100


def ids_after(previous: uuid.UUID | None, count: int) -> list[uuid.UUID]:
    """`count` uuid7s, each greater than the one before and than `previous`.

    Messages are ordered by id; two made in the same millisecond would otherwise compare
    by their random bits.
    """
    result: list[uuid.UUID] = []
    last = previous.int if previous is not None else -1
    for _ in range(count):
        candidate = uuid7()
        if candidate.int <= last:
            candidate = uuid.UUID(int=last + 1)
        result.append(candidate)
        last = candidate.int
    return result


async def newest_message_id(db: AsyncSession, chat_id: uuid.UUID) -> uuid.UUID | None:
    return await db.scalar(
        select(Message.id).where(Message.chat_id == chat_id).order_by(Message.id.desc()).limit(1)
    )


# -- loading with ownership ------------------------------------------------------------


def _ensure_owner(chat: Chat | None, user: User) -> Chat:
    """Another user's chat is as missing as one that does not exist (404, never 403), and
    so is a chat whose import is not over."""
    if chat is None or chat.user_id != user.id or chat.import_worker_id is not None:
        raise ChatNotFound()
    return chat


async def get_chat(db: AsyncSession, user: User, chat_id: uuid.UUID) -> Chat:
    return _ensure_owner(await db.get(Chat, chat_id), user)


async def get_open_chat(db: AsyncSession, user: User, chat_id: uuid.UUID) -> Chat:
    """A chat whose messages and settings may be changed: owned and not in the trash (a
    chat in the trash is kept as it was, to be restored or deleted)."""
    chat = await get_chat(db, user, chat_id)
    if chat.deleted_at is not None:
        raise ChatInTrash()
    return chat


_LIVE_CHAT = (  # built once: it is on the way to every reply's first token
    select(Chat)
    .outerjoin(Chat.character)
    .options(contains_eager(Chat.character))
    .where(Chat.id == bindparam("chat_id"))
)


async def get_live_chat(db: AsyncSession, user: User, chat_id: uuid.UUID) -> Chat:
    """A chat that may be changed: owned and not in the trash.

    Its character comes in the same query (`character_for_turn` then finds it in the
    session): every caller goes on to a turn, and that is one round trip fewer before it.
    """
    chat = _ensure_owner(await db.scalar(_LIVE_CHAT, {"chat_id": chat_id}), user)
    if chat.deleted_at is not None:
        raise ChatInTrash()
    return chat


async def get_message(db: AsyncSession, chat: Chat, message_id: uuid.UUID) -> Message:
    message = await db.get(Message, message_id)
    if message is None or message.chat_id != chat.id:
        raise MessageNotFound()
    return message


async def reread_message(db: AsyncSession, message: Message) -> None:
    """`message` as stored now (another request may have changed or deleted it since)."""
    try:
        await db.refresh(message)
    except InvalidRequestError:  # the row is gone
        raise MessageNotFound() from None


async def character_for_turn(db: AsyncSession, user: User, chat: Chat) -> Character:
    """The chat's character if the conversation may go on (blocked/deleted → read-only)."""
    character = await characters.get_including_deleted(db, chat.character_id)
    if character is None or character.deleted_at is not None:
        raise CharacterUnavailable()
    if character.is_blocked:
        raise CharacterBlocked()
    try:
        return await characters.get_for_chat(db, character.id, user)
    except CharacterNotFound:
        raise CharacterUnavailable() from None  # made private: the chat exists, it is read-only


async def persona_of(db: AsyncSession, user: User, persona_id: uuid.UUID | None) -> Persona | None:
    if persona_id is None:
        return None
    persona = await db.get(Persona, persona_id)
    if persona is None or persona.user_id != user.id:
        return None
    return persona


def user_name(user: User, persona: Persona | None) -> str:
    if persona is not None and persona.name:
        return persona.name
    return user.display_name or user.username


# -- chats -----------------------------------------------------------------------------


def greetings_of(character: Character) -> list[str]:
    """The greeting, then the alternate greetings (offered as swipes of the first message)."""
    options = [character.greeting, *(character.alternate_greetings or [])]
    return [g for g in options if isinstance(g, str) and g.strip()]


async def create_chat(
    db: AsyncSession, user: User, body: ChatCreate
) -> tuple[Chat, Message | None]:
    character = await characters.get_for_chat(db, body.character_id, user)
    persona: Persona | None
    if body.persona_id is not None:
        persona = await persona_of(db, user, body.persona_id)
        if persona is None:
            raise ValidationFailed.field("persona_id", "No such persona.")
    else:
        persona = await db.scalar(
            select(Persona).where(Persona.user_id == user.id, Persona.is_default.is_(True)).limit(1)
        )
    greetings = greetings_of(character)
    index = body.greeting_index or 0
    if index >= max(len(greetings), 1):
        raise ValidationFailed.field("greeting_index", "There is no greeting with this index.")
    now = utcnow()
    chat = Chat(
        id=uuid7(),
        user_id=user.id,
        character_id=character.id,
        persona_id=persona.id if persona else None,
        model=body.model,
        title=(body.title or character.name)[:200],
        last_message_at=now,
        created_at=now,
    )
    db.add(chat)
    first: Message | None = None
    if greetings:
        ctx = MacroContext(
            char=character.nickname or character.name,
            user=user_name(user, persona),
            pick_seed=str(chat.id),
            now=now,
            fields={
                "description": character.description,
                "personality": character.personality,
                "scenario": character.scenario,
                "persona": persona.description if persona else "",
            },
        )
        swipes = [expand(g, ctx) for g in greetings]
        first = Message(
            id=ids_after(None, 1)[0],
            chat_id=chat.id,
            role="assistant",
            content=swipes[index],
            status="complete",
            swipes=swipes,
            swipe_index=index,
            created_at=now,
        )
        db.add(first)
    await db.flush()
    await bump_chats(db, character.id)
    return chat, first


@dataclass
class ChatListItem:
    chat: Chat
    character: Character | None
    last_message: Message | None
    match: SearchMatch | None = None


def _owned(user: User) -> Select[Chat]:
    return select(Chat).where(Chat.user_id == user.id, Chat.import_worker_id.is_(None))


async def list_chats(
    db: AsyncSession,
    user: User,
    *,
    character_id: uuid.UUID | None = None,
    q: str | None = None,
    archived: bool | None = None,
    trashed: bool = False,
    cursor: str | None = None,
    limit: int = 20,
) -> tuple[list[ChatListItem], str | None]:
    """Pinned chats first, then newest activity first; `q` looks in titles and in the text
    of the messages."""
    limit = max(1, min(limit, MAX_PAGE))
    query = _owned(user).where(
        Chat.deleted_at.is_not(None) if trashed else Chat.deleted_at.is_(None)
    )
    if character_id is not None:
        query = query.where(Chat.character_id == character_id)
    if archived is not None:
        query = query.where(Chat.archived.is_(archived))
    needle = q.strip() if q else ""
    if needle:
        in_messages = (
            select(Message.id)
            .where(Message.chat_id == Chat.id, contains_folded(Message.content, needle))
            .exists()
        )
        query = query.where(or_(contains_folded(Chat.title, needle), in_messages))
    if cursor:
        pinned, at, last_id = decode_cursor(cursor, cursor_int, cursor_datetime, cursor_uuid)
        later = and_(
            Chat.pinned == bool(pinned),
            or_(Chat.last_message_at < at, and_(Chat.last_message_at == at, Chat.id < last_id)),
        )
        # After the last pinned chat of a page come the rest of the pinned ones, then all
        # the others.
        query = query.where(or_(later, Chat.pinned == False) if pinned else later)  # noqa: E712
    order = (Chat.pinned.desc(), Chat.last_message_at.desc(), Chat.id.desc())
    chats = list((await db.scalars(query.order_by(*order).limit(limit + 1))).all())
    next_cursor = None
    if len(chats) > limit:
        chats = chats[:limit]
        tail = chats[-1]
        next_cursor = encode_cursor(
            [int(tail.pinned), tail.last_message_at.isoformat(), str(tail.id)]
        )
    items = await _with_summaries(db, chats)
    if needle:
        await _with_matches(db, items, needle)
    return items, next_cursor


def _newest_in_each(chat_ids: list[uuid.UUID], *where: ColumnElement[bool]) -> Select[uuid.UUID]:
    """The id of each chat's newest message (of those that meet `where`): one indexed
    LIMIT 1 lookup per chat, in one query."""
    newest = (
        select(Message.id)
        .where(Message.chat_id == Chat.id, *where)
        .order_by(Message.id.desc())
        .limit(1)
        .correlate(Chat)
        .scalar_subquery()
    )
    return select(newest).select_from(Chat).where(Chat.id.in_(chat_ids))


async def _with_summaries(db: AsyncSession, chats: Sequence[Chat]) -> list[ChatListItem]:
    if not chats:
        return []
    character_ids = {c.character_id for c in chats}
    found = await db.scalars(
        select(Character).options(SUMMARY_ONLY).where(Character.id.in_(character_ids))
    )
    by_id = {c.id: c for c in found}
    last_ids = _newest_in_each([c.id for c in chats])
    messages = await db.scalars(select(Message).where(Message.id.in_(last_ids)))
    last_by_chat = {m.chat_id: m for m in messages}
    return [ChatListItem(c, by_id.get(c.character_id), last_by_chat.get(c.id)) for c in chats]


async def _with_matches(db: AsyncSession, items: list[ChatListItem], needle: str) -> None:
    """Each chat's newest message that has `needle` (read newest first, up to the first)."""
    if not items:
        return
    found_ids = _newest_in_each(
        [i.chat.id for i in items], contains_folded(Message.content, needle)
    )
    rows = await db.execute(
        select(
            Message.id, Message.chat_id, Message.role, Message.created_at, Message.content
        ).where(Message.id.in_(found_ids))
    )
    by_chat = {
        row.chat_id: SearchMatch(
            message_id=row.id,
            role=row.role,
            created_at=row.created_at,
            snippet=snippet_around(row.content, needle),
        )
        for row in rows
    }
    for item in items:
        item.match = by_chat.get(item.chat.id)


async def chat_item(db: AsyncSession, chat: Chat) -> ChatListItem:
    return (await _with_summaries(db, [chat]))[0]


# A chat always has these; null in an update leaves them as they are (model and persona_id
# are different: null there means the default model, no persona).
_ALWAYS_SET = (
    "title",
    "pinned",
    "archived",
    "author_note",
    "author_note_depth",
    "author_note_frequency",
)


async def update_chat(db: AsyncSession, user: User, chat: Chat, body: ChatUpdate) -> Chat:
    values = body.model_dump(exclude_unset=True)
    new_persona = values.get("persona_id")
    if new_persona is not None and await persona_of(db, user, new_persona) is None:
        raise ValidationFailed.field("persona_id", "No such persona.")
    for name in _ALWAYS_SET:
        if name in values and values[name] is None:
            values.pop(name)
    for name, value in values.items():
        setattr(chat, name, value)
    await db.flush()
    return chat


# -- messages ----------------------------------------------------------------------------


async def page_messages(
    db: AsyncSession, chat: Chat, *, before: uuid.UUID | None, limit: int
) -> tuple[list[Message], str | None]:
    """Newest first; `next_cursor` is the id to pass as `before` for the older page."""
    limit = max(1, min(limit, MAX_PAGE))
    query = select(Message).where(Message.chat_id == chat.id)
    if before is not None:
        query = query.where(Message.id < before)
    rows = list((await db.scalars(query.order_by(Message.id.desc()).limit(limit + 1))).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = str(rows[-1].id)
    return rows, next_cursor
