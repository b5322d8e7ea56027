"""Sending a message: the reply streams as SSE, or comes back whole as JSON."""

from __future__ import annotations

import asyncio
from typing import Any

import aiosqlite
import fastapi.dependencies.utils
import httpx
import pytest
from fastapi import FastAPI

from tests.chats.helpers import deltas_text, llm_called, messages, new_chat, send_json, send_sse
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply


async def test_send_streams_user_message_start_deltas_and_done(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["Hi", " there", "!"]))

    events = await send_sse(client, me, chat["id"], "Hello")

    assert [e.event for e in events] == ["user_message", "start", "delta", "delta", "delta", "done"]
    first = events[0].id
    # Each delta numbered by where its text ends (see hearth.chats.hub).
    assert [e.id - first for e in events] == [0, 1, 3, 9, 10, 11]
    assert events[0].data["content"] == "Hello"
    assert events[1].data["message_id"] == events[-1].data["id"]
    assert deltas_text(events) == "Hi there!"
    done = events[-1].data
    assert done["status"] == "complete"
    assert done["content"] == "Hi there!"
    assert done["usage"] == {"prompt_tokens": 11, "completion_tokens": 3, "cost": 0.0}
    assert done["model"] == "local/fake-model"


async def test_send_with_accept_json_returns_the_finished_pair(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["Fine", ", thanks."]))

    response = await send_json(client, me, chat["id"], "How are you?")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user_message"]["content"] == "How are you?"
    assert body["assistant_message"]["content"] == "Fine, thanks."
    assert body["assistant_message"]["status"] == "complete"
    stored = await messages(client, me, chat["id"])
    assert [m["content"] for m in stored] == [
        chat["first_message"]["content"],
        "How are you?",
        "Fine, thanks.",
    ]


async def test_assistant_message_records_model_usage_and_latency(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["a", "b"], prompt_tokens=40))

    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]

    assert reply["provider"] == "local"
    assert reply["usage"]["prompt_tokens"] == 40
    assert reply["usage"]["completion_tokens"] == 2
    assert reply["finish_reason"] == "stop"
    assert reply["ttft_ms"] is not None and reply["duration_ms"] >= reply["ttft_ms"]


async def test_character_counts_chats_and_messages(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    created = await client.get(f"/characters/{chat['character_id']}", headers=me.headers)
    await send_json(client, me, chat["id"], "one")

    character = await client.get(f"/characters/{chat['character_id']}", headers=me.headers)

    assert character.json()["stats"]["chats"] == 1
    assert character.json()["stats"]["messages"] == 2  # the user's message and the reply
    # Being talked to is not an edit of the character.
    assert character.json()["updated_at"] == created.json()["updated_at"]


async def test_failed_reply_with_accept_json_carries_the_error(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(status=400, error_message="bad request"))

    body = (await send_json(client, me, chat["id"], "hi")).json()

    assert body["user_message"]["content"] == "hi"
    assert body["assistant_message"]["status"] == "error"
    assert body["assistant_message"]["error"]["code"] == "llm_bad_request"


async def test_a_reply_that_failed_before_its_first_word_is_left_out_of_later_prompts(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(status=400), Reply(tokens=["Fine."]))
    failed = (await send_json(client, me, chat["id"], "first")).json()["assistant_message"]
    assert failed["content"] == ""

    await send_json(client, me, chat["id"], "second")

    sent = fake_llm.requests[-1].json()["messages"]
    assert [m["content"] for m in sent if m["role"] != "system"][-2:] == ["first", "second"]
    assert all(m["content"] for m in sent)


async def test_nul_characters_are_dropped_before_the_message_is_stored_echoed_or_sent(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)

    only_nul = await send_json(client, me, chat["id"], "\x00\x00")
    assert only_nul.status_code == 422
    body = (await send_json(client, me, chat["id"], "a\x00b")).json()

    assert body["user_message"]["content"] == "ab"
    assert fake_llm.requests[-1].json()["messages"][-1]["content"] == "ab"
    assert [m["content"] for m in await messages(client, me, chat["id"])][-2] == "ab"


async def test_a_send_and_its_reply_never_wait_on_a_worker_thread(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hot path stays on the event loop: no SQLite statement goes to a connection's
    thread, no dependency to the threadpool (each trip costs a loop turn under load)."""
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["warm"]))
    await send_json(client, me, chat["id"])  # the pools open their connections
    trips: list[str] = []

    def counting(owner: Any, name: str) -> None:
        real = getattr(owner, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            trips.append(name)
            return await real(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)

    counting(aiosqlite.Connection, "_execute")
    counting(fastapi.dependencies.utils, "run_in_threadpool")
    fake_llm.script(Reply(tokens=["Hi", " again"]))

    response = await send_json(client, me, chat["id"], "Hello again")

    assert response.json()["assistant_message"]["content"] == "Hi again"
    assert trips == []


async def test_a_json_send_waiting_for_its_reply_holds_no_database_connection(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    """Bots wait for whole replies, which can take minutes: a connection held meanwhile
    would let a few dozen of them exhaust the pool for everyone."""
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["late"], first_token_delay=0.5))
    database = app.state.db

    waiting = asyncio.create_task(send_json(client, me, chat["id"]))
    await llm_called(fake_llm)
    engines = {database.engine, database.inline_engine, database.read_engine}
    held = sum(engine.pool.checkedout() for engine in engines)
    response = await waiting

    assert response.json()["assistant_message"]["content"] == "late"
    assert held == 0
