"""The history window read from the database: newest first, in growing pages, bounded."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, select

from hearth.chats import turns
from hearth.chats.models import Message
from hearth.chats.service import ids_after
from hearth.chats.turns import read_window
from hearth.core.clock import utcnow
from hearth.llm.tokens import estimate_content_tokens
from tests.chats.helpers import as_sent, inspect_prompt, new_chat, send_json
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI

SIZE = 700  # more than the first pages (64 + 128 + 256) hold


async def long_chat(app: FastAPI, client: httpx.AsyncClient) -> tuple[uuid.UUID, list[Any]]:
    """A chat of SIZE messages after its greeting: every 7th hidden, the newest `streaming`."""
    account = await create_account(client)
    chat = await new_chat(client, account)
    chat_id = uuid.UUID(chat["id"])
    async with app.state.db.sessionmaker() as session:
        greeting = await session.scalar(select(Message.id).where(Message.chat_id == chat_id))
        now = utcnow()
        rows = [
            {
                "id": message_id,
                "chat_id": chat_id,
                "role": "user" if n % 2 else "assistant",
                "content": f"{n}: " + "word " * (n % 13),
                "status": "streaming" if n == SIZE - 1 else "complete",
                "hidden": n % 7 == 3,
                "swipe_index": 0,
                "created_at": now,
                "updated_at": now,
            }
            for n, message_id in enumerate(ids_after(greeting, SIZE))
        ]
        await session.execute(insert(Message), rows)
        await session.commit()
        stored = (
            await session.execute(
                select(Message.id, Message.role, Message.content, Message.hidden, Message.status)
                .where(Message.chat_id == chat_id)
                .order_by(Message.id.desc())
            )
        ).all()
    return chat_id, list(stored)


def expected_window(
    stored: list[Any], budget: int
) -> tuple[list[tuple[str, str, int]], bool, uuid.UUID]:
    """The reference: walk every message newest first, skip hidden and streaming ones."""
    picked: list[tuple[str, str, int]] = []
    spent = 0
    for row in stored:
        if row.hidden or row.status == "streaming":
            continue
        tokens = estimate_content_tokens(row.content)
        picked.append((row.role, row.content, tokens))
        spent += tokens
        if spent >= budget:
            return picked[::-1], True, stored[0].id
    return picked[::-1], False, stored[0].id


@pytest.mark.parametrize("budget", [50, 2_000, 9_000, 1_000_000])
@pytest.mark.parametrize("sessions", ["sessionmaker", "inline_sessionmaker"])
async def test_window_reads_the_newest_visible_messages_that_fit_the_budget(
    app: FastAPI, client: httpx.AsyncClient, budget: int, sessions: str
) -> None:
    """Through the send's inline session too, whose large pages go to SQLite's thread."""
    chat_id, stored = await long_chat(app, client)
    async with getattr(app.state.db, sessions)() as session:
        window = await read_window(session, chat_id, budget=budget)

    items, has_older, newest = expected_window(stored, budget)
    assert [(h.role, h.content, h.tokens) for h in window.history] == items
    assert window.has_older is has_older
    assert window.newest_id == newest  # the streaming reply counts as the newest message
    assert isinstance(window.newest_id, uuid.UUID)


async def test_window_before_and_through_a_message_start_at_that_message(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    chat_id, stored = await long_chat(app, client)
    pivot = stored[400]  # a row deep enough that the read crosses several pages
    async with app.state.db.sessionmaker() as session:
        before = await read_window(session, chat_id, budget=1_000_000, before=pivot.id)
        through = await read_window(session, chat_id, budget=1_000_000, through=pivot.id)

    older = stored[401:]
    assert [(h.role, h.content) for h in before.history] == [
        (r.role, r.content) for r in reversed(older) if not r.hidden
    ]
    assert before.newest_id == older[0].id
    assert [(h.role, h.content) for h in through.history] == [
        (r.role, r.content) for r in reversed(stored[400:]) if not r.hidden
    ]
    assert through.newest_id == pivot.id


async def test_a_long_history_is_assembled_off_the_event_loop_into_the_same_prompt(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    for n in range(3):
        await send_json(client, me, chat["id"], f"message {n}")
    inline = (await send_json(client, me, chat["id"], "inline")).json()["assistant_message"]
    monkeypatch.setattr(turns, "THREAD_ITEMS", 2)
    monkeypatch.setattr(turns, "THREAD_ROWS", 1)

    threaded = (await send_json(client, me, chat["id"], "threaded")).json()["assistant_message"]

    before = as_sent(await inspect_prompt(client, me, chat["id"], inline["id"]))
    after = as_sent(await inspect_prompt(client, me, chat["id"], threaded["id"]))
    assert after == fake_llm.requests[-1].json()["messages"]
    assert after[: len(before)] == before
    assert [m["content"] for m in after[len(before) :]] == [inline["content"], "threaded"]
