"""The prompt inspector: a reply's recorded prompt, its history read back from the chat."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.chats.models import Chat, Message, PromptSnapshot
from hearth.chats.prompt import text_checksum

# Ids per statement: a long-context prompt refers to about a thousand messages.
READ_BATCH = 500


async def recorded_prompt(db: AsyncSession, chat: Chat, message: Message) -> dict[str, Any] | None:
    """The snapshot of the prompt that produced `message` as it reads now (its current swipe),
    its messages as text again.

    A message the snapshot refers to is read from the chat; one changed or deleted since is
    marked, since the prompt then said something else.
    """
    snapshot = await db.scalar(
        select(PromptSnapshot.snapshot).where(
            PromptSnapshot.message_id == message.id,
            PromptSnapshot.swipe_index == message.swipe_index,
        )
    )
    if not snapshot:
        return None
    entries: list[dict[str, Any]] = snapshot.get("messages", [])
    texts = await _texts(db, chat.id, [uuid.UUID(e["ref"]) for e in entries if "ref" in e])
    return {**snapshot, "messages": [_resolved(entry, texts) for entry in entries]}


async def _texts(
    db: AsyncSession, chat_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    found: dict[uuid.UUID, str] = {}
    for start in range(0, len(ids), READ_BATCH):
        rows = await db.execute(
            select(Message.id, Message.content).where(
                Message.chat_id == chat_id, Message.id.in_(ids[start : start + READ_BATCH])
            )
        )
        found.update((row.id, row.content) for row in rows)
    return found


def _resolved(entry: dict[str, Any], texts: dict[uuid.UUID, str]) -> dict[str, Any]:
    if "ref" not in entry:  # text that was only in the prompt
        return {"role": entry["role"], "content": entry.get("content", "")}
    text = texts.get(uuid.UUID(entry["ref"]))
    if text is None:
        return {"role": entry["role"], "content": "", "changed": "deleted"}
    if text_checksum(text) != entry.get("checksum"):
        return {"role": entry["role"], "content": text, "changed": "edited"}
    # As sent: with its macros filled in, where it had any.
    return {"role": entry["role"], "content": entry.get("content", text)}
