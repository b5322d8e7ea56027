"""Export (SillyTavern JSONL, Markdown) and import (SillyTavern JSONL) of chats.

SillyTavern's chat file: a first line of metadata (`user_name`, `character_name`,
`create_date`, `chat_metadata`), then one line per message (`name`, `is_user`, `is_system`,
`send_date`, `mes`, `swipes`, `swipe_id`, `extra`). Exports are produced in bounded batches,
so a long chat is never held in memory whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.characters import service as characters
from hearth.characters.counters import bump_chats
from hearth.chats import service
from hearth.chats.models import CHATS, MESSAGES, Chat, Message
from hearth.core.clock import utcnow
from hearth.core.errors import ValidationFailed
from hearth.core.ids import uuid7
from hearth.users.models import User

BATCH = 500
MAX_IMPORT_LINES = 100_000
ST_DATE = "%Y-%m-%d@%Hh%Mm%Ss"
_HEADER_KEYS = {"user_name", "character_name", "create_date", "chat_metadata"}


async def _batches(
    sessionmaker: async_sessionmaker[AsyncSession], chat_id: uuid.UUID
) -> AsyncIterator[list[Message]]:
    cursor: uuid.UUID | None = None
    while True:
        # A short session per batch: a slow download holds no transaction open.
        async with sessionmaker() as db:
            query = select(Message).where(Message.chat_id == chat_id)
            if cursor is not None:
                query = query.where(Message.id > cursor)
            batch = list((await db.scalars(query.order_by(Message.id).limit(BATCH))).all())
        if not batch:
            return
        yield batch
        cursor = batch[-1].id
        if len(batch) < BATCH:
            return


def _line(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False) + "\n").encode()


async def export_jsonl(
    sessionmaker: async_sessionmaker[AsyncSession],
    chat: Chat,
    user_name: str,
    character_name: str,
) -> AsyncIterator[bytes]:
    yield _line(
        {
            "user_name": user_name,
            "character_name": character_name,
            "create_date": chat.created_at.strftime(ST_DATE),
            "chat_metadata": {
                "note_prompt": chat.author_note,
                "note_depth": chat.author_note_depth,
                "note_interval": chat.author_note_frequency,
                "hearth": {"title": chat.title, "model": chat.model},
            },
        }
    )
    async for batch in _batches(sessionmaker, chat.id):
        for m in batch:
            is_user = m.role == "user"
            entry: dict[str, Any] = {
                "name": user_name
                if is_user
                else ("System" if m.role == "system" else character_name),
                "is_user": is_user,
                "is_system": m.hidden or m.role == "system",
                "send_date": m.created_at.isoformat(),
                "mes": m.content,
                "extra": {"hearth_role": m.role, "hidden": m.hidden, "status": m.status},
            }
            if m.role == "assistant":
                swipes = list(m.swipes or [m.content])
                if 0 <= m.swipe_index < len(swipes):
                    swipes[m.swipe_index] = m.content
                entry["swipes"] = swipes
                entry["swipe_id"] = m.swipe_index
                if m.model:
                    entry["extra"]["model"] = m.model
            yield _line(entry)


async def export_markdown(
    sessionmaker: async_sessionmaker[AsyncSession],
    chat: Chat,
    user_name: str,
    character_name: str,
) -> AsyncIterator[bytes]:
    yield f"# {chat.title or character_name}\n\n".encode()
    async for batch in _batches(sessionmaker, chat.id):
        parts = []
        for m in batch:
            who = {"user": user_name, "assistant": character_name}.get(m.role, "System")
            parts.append(f"**{who}:** {m.content}\n\n")
        yield "".join(parts).encode()


def _send_date(raw: Any) -> datetime:
    """When a message was sent, or now for a date that is missing or no calendar holds."""
    try:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            stamp = raw / 1000 if raw > 10**11 else raw
            return datetime.fromtimestamp(stamp, UTC)
        if isinstance(raw, str):
            for parse in (datetime.fromisoformat, lambda s: datetime.strptime(s, ST_DATE)):
                try:
                    value = parse(raw)
                except ValueError:
                    continue
                return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        pass  # NaN, or past the year 9999
    return utcnow()


def parse_jsonl(data: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed.field("file", "The file is not UTF-8 text.") from exc
    # Lines end at "\n" only: text inside a line may hold U+2028, U+0085 and the like,
    # which the export writes as they are and str.splitlines() would break at.
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) > MAX_IMPORT_LINES:
        raise ValidationFailed.field("file", f"At most {MAX_IMPORT_LINES} messages.")
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ValidationFailed.field("file", f"Line {number} is not JSON.") from exc
        if not isinstance(row, dict):
            raise ValidationFailed.field("file", f"Line {number} is not an object.")
        rows.append(_storable(row))
    if not rows:
        raise ValidationFailed.field("file", "The file is empty.")
    header: dict[str, Any] = {}
    if "mes" not in rows[0]:
        header = rows.pop(0)
        if not _HEADER_KEYS & header.keys():
            raise ValidationFailed.field("file", "The file is not a SillyTavern chat.")
    return header, rows


def _storable(value: Any) -> Any:
    """The row with lone surrogates (JSON escapes of half a character) made U+FFFD: no
    database can store them."""
    if isinstance(value, str):
        if value.isascii():
            return value
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


def _role(row: dict[str, Any]) -> tuple[str, bool]:
    extra = row.get("extra") if isinstance(row.get("extra"), dict) else {}
    role = (extra or {}).get("hearth_role")
    if role in ("user", "assistant", "system"):
        return role, bool((extra or {}).get("hidden", False))
    if row.get("is_user"):
        return "user", bool(row.get("is_system"))
    return "assistant", bool(row.get("is_system"))


async def import_jsonl(
    db: AsyncSession, user: User, character_id: uuid.UUID | None, data: bytes, worker_id: str
) -> Chat:
    """A chat of `character_id` (else of the character the file names) from a SillyTavern
    file. `worker_id`, this process's, marks a long chat until its last message is in:
    recovery deletes it if this worker dies first."""
    # A character the user may not chat with is refused before the file is parsed.
    character = await characters.get_for_chat(db, character_id, user) if character_id else None
    chat_id, now = uuid7(), utcnow()
    # Up to 20 MB of JSON, parsed and checked in a thread: on the event loop, a 50,000-line
    # file stopped every stream of the process for 170 ms.
    header, messages = await asyncio.to_thread(_parse_chat, data, chat_id, now)
    if character is None:
        named = await characters.id_by_name(db, user, header.get("character_name"))
        character = await characters.get_for_chat(db, named, user)
    meta = header.get("chat_metadata") if isinstance(header.get("chat_metadata"), dict) else {}
    meta = meta or {}
    hearth_meta = meta.get("hearth") if isinstance(meta.get("hearth"), dict) else {}
    chat = Chat(
        id=chat_id,
        user_id=user.id,
        character_id=character.id,
        title=str((hearth_meta or {}).get("title") or f"{character.name} (imported)")[:200],
        author_note=str(meta.get("note_prompt") or ""),
        author_note_depth=_small_int(meta.get("note_depth"), 4),
        author_note_frequency=_small_int(meta.get("note_interval"), 1),
        last_message_at=max(messages[-1]["created_at"], now) if messages else now,
        created_at=now,
    )
    db.add(chat)
    if len(messages) > BATCH:
        await _insert_apart(db, chat, messages, worker_id)
        return chat
    await db.flush()
    if messages:  # a file of only a header is an empty chat
        await db.execute(insert(MESSAGES), messages)
    await bump_chats(db, character.id)
    return chat


async def _insert_apart(
    db: AsyncSession, chat: Chat, messages: list[dict[str, Any]], worker_id: str
) -> None:
    """The messages of a long chat, a transaction per batch, the chat hidden meanwhile.

    In one transaction, 50,000 messages held SQLite's write lock for 0.9 s, and every send
    of every user waited that long. Should a batch fail, the chat goes; should the server
    die meanwhile, recovery deletes it once it knows this worker dead (`chats/engine.py`).
    """
    chat_id = chat.id  # the rollback below expires `chat`
    chat.import_worker_id = worker_id
    await db.commit()
    try:
        for start in range(0, len(messages), BATCH):
            # Rows, not entities: 50,000 messages took 4 s through the ORM.
            await db.execute(insert(MESSAGES), messages[start : start + BATCH])
            await db.commit()
        # Shown and counted here, not in the request's commit: had that one failed, the chat
        # would stay hidden for good (a live worker's imports are never swept).
        chat.import_worker_id = None
        await bump_chats(db, chat.character_id)
        await db.commit()
    except BaseException:
        await db.rollback()
        with contextlib.suppress(Exception):  # the error that got here is the one to report
            await db.execute(delete(CHATS).where(CHATS.c.id == chat_id))  # messages cascade
            await db.commit()
        raise


def _parse_chat(
    data: bytes, chat_id: uuid.UUID, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The file's header and its messages as rows of `chat_id`, oldest first."""
    header, rows = parse_jsonl(data)
    ids = service.ids_after(None, len(rows))
    messages: list[dict[str, Any]] = []
    for index, (new_id, row) in enumerate(zip(ids, rows, strict=True), start=1):
        content = row.get("mes")
        if not isinstance(content, str):
            raise ValidationFailed.field("file", f"Message {index} has no text (`mes`).")
        role, hidden = _role(row)
        swipes_raw = row.get("swipes")
        swipes = (
            [str(s) for s in swipes_raw] if isinstance(swipes_raw, list) and swipes_raw else None
        )
        swipe_index = _small_int(row.get("swipe_id"), 0)
        if swipes is None or swipe_index >= len(swipes):
            swipes, swipe_index = ([content] if role == "assistant" else None), 0
        messages.append(
            {
                "id": new_id,
                "chat_id": chat_id,
                "role": role,
                "content": content,
                "status": "complete",
                "swipes": swipes,
                "swipe_index": swipe_index,
                "hidden": hidden,
                "created_at": _send_date(row.get("send_date")),
                "updated_at": now,
            }
        )
    return header, messages


def _small_int(value: Any, default: int) -> int:
    try:
        return max(0, min(int(value), 100))
    except (TypeError, ValueError, OverflowError):
        return default
