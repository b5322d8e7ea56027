"""Requests that meet a reply starting, ending or changing after they read the chat.

A request reads the chat and the message first and changes them last; another request or
the runner may act in between. Each test gives a service the view a request had before the
other acted, then checks that what it does still holds for the chat as it is now.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.chats import editing, service, turns
from hearth.chats import runner as runner_module
from hearth.chats.engine import SweepCheck
from hearth.chats.errors import GenerationInProgress, MessageNotFound
from hearth.chats.models import Message
from hearth.chats.recovery import recover_interrupted
from hearth.users.models import User
from tests.chats.helpers import (
    llm_called,
    messages,
    new_chat,
    open_send,
    send_json,
    wait_status,
)
from tests.factories import Account, create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

SLOW = Reply(tokens=["one ", "two ", "three ", "four ", "five"], delay=0.2)


@asynccontextmanager
async def as_read_before(
    app: FastAPI, account: Account, chat_id: str, message_id: str
) -> AsyncIterator[tuple[AsyncSession, Any, Message]]:
    """A session holding the chat and message as an endpoint reads them first."""
    async with app.state.db.sessionmaker() as session:
        user = await session.get(User, uuid.UUID(account.user["id"]))
        assert user is not None
        chat = await service.get_chat(session, user, uuid.UUID(chat_id))
        message = await service.get_message(session, chat, uuid.UUID(message_id))
        yield session, chat, message
        await session.rollback()


async def test_a_cascade_delete_read_before_a_reply_started_refuses_to_remove_it(
    app: FastAPI, live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    greeting = chat["first_message"]["id"]
    fake_llm.script(SLOW)

    async with (
        as_read_before(app, me, chat["id"], greeting) as (session, stale, message),
        await open_send(live_client, me.headers, chat["id"]) as sending,
    ):
        await llm_called(fake_llm)
        with pytest.raises(GenerationInProgress):
            await editing.delete_message(session, stale, message, cascade=True)
        await session.rollback()
        await sending.aread()

    stored = await messages(live_client, me, chat["id"])
    assert [(m["role"], m["status"]) for m in stored] == [
        ("assistant", "complete"),
        ("user", "complete"),
        ("assistant", "complete"),
    ]
    assert stored[-1]["content"] == "one two three four five"


async def test_an_edit_read_before_a_regeneration_started_refuses_to_overwrite_it(
    app: FastAPI, live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(Reply(tokens=["First"]), SLOW)
    reply = (await send_json(live_client, me, chat["id"])).json()["assistant_message"]

    async with as_read_before(app, me, chat["id"], reply["id"]) as (session, stale, message):
        url = f"/chats/{chat['id']}/messages/{reply['id']}/regenerate"
        async with live_client.stream("POST", url, headers=me.headers) as regenerating:
            await wait_until(lambda: len(fake_llm.requests) == 2)  # the send's, then this
            with pytest.raises(GenerationInProgress):
                await editing.edit_message(session, stale, message, content="Edited")
            await session.rollback()
            await regenerating.aread()

    stored = await wait_status(live_client, me, chat["id"], reply["id"])
    assert stored["swipes"] == ["First", "one two three four five"]
    assert stored["swipe_index"] == 1


async def test_an_edit_holding_the_chat_lets_a_background_write_of_its_reply_through(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    """The flush loop writes a reply's text, then its prompt, in one transaction; the second
    write makes PostgreSQL check the keys the rows refer to. The edit's hold of the chat must
    not stop that check: the edit would next wait on the reply's row, a deadlock."""
    if app.state.db.is_sqlite:
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    me = await create_account(client)
    chat = await new_chat(client, me)
    sent = (await send_json(client, me, chat["id"])).json()
    reply_id = uuid.UUID(sent["assistant_message"]["id"])
    write_reply = update(Message).where(Message.id == reply_id)

    async with (
        app.state.db.sessionmaker() as background,
        as_read_before(app, me, chat["id"], sent["user_message"]["id"]) as (session, held, mine),
    ):
        await background.execute(write_reply.values(content="Hello again"))
        await editing.edit_message(session, held, mine, hidden=True)

        snapshot = {"b_id": reply_id, "b_swipe": 0, "b_snapshot": {}}
        await asyncio.wait_for(
            background.execute(runner_module._write_snapshot("postgresql"), [snapshot]), 10
        )

        await background.commit()
        await session.commit()

    [_, user, reply] = await messages(client, me, chat["id"])
    assert (user["hidden"], reply["content"]) == (True, "Hello again")


async def test_changes_to_a_message_deleted_meanwhile_are_404(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]

    async with as_read_before(app, me, chat["id"], reply["id"]) as (session, stale, message):
        deleted = await client.delete(
            f"/chats/{chat['id']}/messages/{reply['id']}", headers=me.headers
        )
        assert deleted.status_code == 204
        changes = [
            editing.edit_message(session, stale, message, content="Edited"),
            editing.edit_message(session, stale, message, hidden=True),
            editing.rate_message(session, stale, message, 4),
            editing.select_swipe(session, stale, message, 0),
            editing.delete_message(session, stale, message, cascade=False),
        ]
        for change in changes:
            with pytest.raises(MessageNotFound):
                await change
            await session.rollback()

    assert [m["role"] for m in await messages(client, me, chat["id"])] == ["assistant", "user"]


async def test_a_regeneration_keeps_an_edit_made_after_it_read_the_reply(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["First"]))
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]
    engine = app.state.chat_engine

    async with as_read_before(app, me, chat["id"], reply["id"]) as (session, stale, message):
        edited = await client.patch(
            f"/chats/{chat['id']}/messages/{reply['id']}",
            json={"content": "Edited"},
            headers=me.headers,
        )
        assert edited.status_code == 200
        user = await session.get(User, uuid.UUID(me.user["id"]))
        assert user is not None
        prepared = await turns.prepare_rerun(
            session,
            user,
            stale,
            message,
            "reply",
            engine.gateway,
            engine.usage_hook,
            engine.runner.worker_id,
        )

        assert prepared.assistant.swipes == ["Edited", ""]


async def test_a_reply_deleted_with_its_row_while_it_streams_frees_its_chat(
    app: FastAPI, live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    """As when its chat or account is deleted under it: no endpoint deletes a running reply."""
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(SLOW, Reply(tokens=["Again"]))
    waiting = asyncio.create_task(send_json(live_client, me, chat["id"], "Hello"))
    await llm_called(fake_llm)
    async with app.state.db.sessionmaker() as session:
        await session.execute(
            delete(Message).where(
                Message.chat_id == uuid.UUID(chat["id"]), Message.status == "streaming"
            )
        )
        await session.commit()

    answered = await waiting
    assert answered.status_code == 404
    assert answered.json()["error"]["code"] == "message_not_found"
    again = await send_json(live_client, me, chat["id"], "Still there?")
    assert again.status_code == 200, again.text
    assert again.json()["assistant_message"]["content"] == "Again"


async def test_a_stop_that_comes_before_the_generation_first_runs_ends_it_stopped(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    """The stop endpoint and the flush loop (a stop through another worker) can run between
    the task's creation and its first step."""
    me = await create_account(client)
    chat = await new_chat(client, me)
    engine = app.state.chat_engine
    async with app.state.db.sessionmaker() as session:
        user = await session.get(User, uuid.UUID(me.user["id"]))
        assert user is not None
        live_chat = await service.get_live_chat(session, user, uuid.UUID(chat["id"]))
        assert engine.runner.claim_chat(live_chat.id)
        prepared = await turns.prepare_send(
            session,
            user,
            live_chat,
            "Hello",
            engine.gateway,
            engine.usage_hook,
            engine.runner.worker_id,
        )
        await session.commit()
    key = str(prepared.assistant.id)
    await engine.hub.open(key)

    engine.runner.launch(prepared.job)
    await engine.runner.request_stop(prepared.assistant.id)

    events = [event async for event in engine.hub.subscribe(key, 0)]
    assert events[-1].event == "done"
    assert events[-1].data["status"] == "stopped"
    assert fake_llm.requests == []
    again = await send_json(client, me, chat["id"], "Hello again")
    assert again.status_code == 200, again.text
    assert again.json()["assistant_message"]["status"] == "complete"


async def wait_until(condition: Any, seconds: float = 10) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "the condition never held"
        await asyncio.sleep(0.01)


async def test_a_reply_whose_end_could_not_be_stored_is_recovered_by_the_second_sweep(
    app: FastAPI,
    client: httpx.AsyncClient,
    fake_llm: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    runner = app.state.chat_engine.runner
    fake_llm.script(Reply(tokens=["Once ", "upon ", "a time"], delay=0.4), Reply(tokens=["Again"]))

    async def database_down(batch: Any) -> Any:
        raise ConnectionError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr(runner, "_write_finals", database_down)
        patched.setattr(runner_module, "FINAL_RETRY_PAUSES", ())
        failed = await send_json(client, me, chat["id"])
    assert failed.status_code == 503
    [_, _, reply] = await messages(client, me, chat["id"])
    assert reply["status"] == "streaming"

    check = SweepCheck(runner)
    first = await recover_interrupted(app.state.db, check.still_written)
    check.sweep_done()
    second = await recover_interrupted(app.state.db, check.still_written)

    assert (first, second) == (0, 1)
    [_, _, recovered] = await messages(client, me, chat["id"])
    assert recovered["status"] == "interrupted"
    assert recovered["content"] and "Once upon a time".startswith(recovered["content"])
    again = await send_json(client, me, chat["id"], "Still there?")
    assert again.json()["assistant_message"]["content"] == "Again"


async def test_a_branch_of_a_reply_being_written_keeps_its_text_when_regenerated(
    live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(SLOW, Reply(tokens=["Fresh"]))

    async with await open_send(live_client, me.headers, chat["id"]) as sending:
        reply = await first_words_stored(live_client, me, chat["id"])
        branched = await live_client.post(
            f"/chats/{chat['id']}/branch", json={"message_id": reply["id"]}, headers=me.headers
        )
        await sending.aread()
    branch = branched.json()
    [*_, copy] = await messages(live_client, me, branch["id"])
    assert copy["status"] == "interrupted" and copy["content"]

    regenerated = await live_client.post(
        f"/chats/{branch['id']}/messages/{copy['id']}/regenerate",
        headers={**me.headers, "Accept": "application/json"},
    )

    assert regenerated.json()["swipes"] == [copy["content"], "Fresh"]


async def first_words_stored(
    client: httpx.AsyncClient, account: Account, chat_id: str, seconds: float = 10
) -> dict[str, Any]:
    """The newest message, once some of its text is stored (the runner writes it twice a
    second)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        newest = (await messages(client, account, chat_id))[-1]
        if newest["content"]:
            return newest
        assert loop.time() < deadline, "no text was stored"
        await asyncio.sleep(0.05)
