"""Blocking a user also stops the reply being written for them."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hearth.chats import turns
from tests.admin.helpers import make_admin
from tests.chats.conftest import fake_llm, fake_llm_server, live_client, llm
from tests.chats.helpers import llm_called, messages, new_chat, send_json
from tests.factories import Account, create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

__all__ = ["fake_llm", "fake_llm_server", "live_client", "llm"]


async def admin_and_chatter(
    app: FastAPI, client: httpx.AsyncClient
) -> tuple[Account, Account, dict[str, Any]]:
    """An admin, and a user with a chat."""
    boss = await create_account(client)
    await make_admin(app, boss.user["id"])
    user = await create_account(client)
    return boss, user, await new_chat(client, user)


async def test_blocking_a_user_stops_their_running_reply_and_keeps_its_text(
    app: FastAPI, live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    boss, user, chat = await admin_and_chatter(app, live_client)
    fake_llm.script(Reply(tokens=[f"w{n} " for n in range(200)], delay=0.05))
    task = asyncio.create_task(send_json(live_client, user, chat["id"], "Tell me a long story"))
    await llm_called(fake_llm)
    await asyncio.sleep(0.3)  # a few words written

    blocked = await live_client.post(f"/admin/users/{user.user['id']}/block", headers=boss.headers)

    assert blocked.status_code == 200
    await asyncio.wait_for(task, 10)
    history = await live_client.get(f"/admin/chats/{chat['id']}", headers=boss.headers)
    (reply,) = [m for m in history.json()["messages"] if m["content"].startswith("w0 ")]
    assert reply["status"] == "stopped"
    assert len(reply["content"]) < len("".join(f"w{n} " for n in range(200)))


async def test_blocking_through_a_report_stops_the_authors_running_reply(
    app: FastAPI, live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    boss, author, chat = await admin_and_chatter(app, live_client)
    reporter = await create_account(live_client)
    report = await live_client.post(
        "/reports",
        json={"target_type": "character", "target_id": chat["character_id"], "reason": "spam"},
        headers=reporter.headers,
    )
    fake_llm.script(Reply(tokens=[f"w{n} " for n in range(200)], delay=0.05))
    task = asyncio.create_task(send_json(live_client, author, chat["id"], "Tell me a story"))
    await llm_called(fake_llm)
    await asyncio.sleep(0.3)

    resolved = await live_client.post(
        f"/admin/reports/{report.json()['id']}/resolve",
        json={"block_user": True},
        headers=boss.headers,
    )

    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    reply = (await asyncio.wait_for(task, 10)).json()["assistant_message"]
    assert reply["status"] == "stopped"
    assert len(reply["content"]) < len("".join(f"w{n} " for n in range(200)))
    signed_out = await live_client.get("/me", headers=author.headers)
    assert signed_out.json()["error"]["code"] == "account_blocked"


async def test_a_block_that_lands_while_a_send_is_prepared_refuses_the_send(
    app: FastAPI,
    live_client: httpx.AsyncClient,
    fake_llm: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    boss, user, chat = await admin_and_chatter(app, live_client)
    greeting_only = await messages(live_client, user, chat["id"])

    read_window = turns.read_window

    async def block_then_read(*args: Any, **kwargs: Any) -> Any:
        # The send is authenticated, its chat not yet locked.
        response = await live_client.post(
            f"/admin/users/{user.user['id']}/block", headers=boss.headers
        )
        assert response.status_code == 200
        return await read_window(*args, **kwargs)

    monkeypatch.setattr(turns, "read_window", block_then_read)

    refused = await live_client.post(
        f"/chats/{chat['id']}/messages",
        json={"content": "Hello"},
        headers={**user.headers, "Accept": "application/json"},
    )

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "account_blocked"
    assert not fake_llm.requests
    history = await live_client.get(f"/admin/chats/{chat['id']}", headers=boss.headers)
    assert len(history.json()["messages"]) == len(greeting_only)


async def test_a_block_that_comes_while_a_send_commits_waits_and_stops_its_reply(
    app: FastAPI,
    live_client: httpx.AsyncClient,
    fake_llm: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    boss, user, chat = await admin_and_chatter(app, live_client)
    fake_llm.script(Reply(tokens=[f"w{n} " for n in range(200)], delay=0.05))
    blocking: list[asyncio.Task[httpx.Response]] = []
    lock_chat = turns._lock_chat

    async def lock_then_block(*args: Any, **kwargs: Any) -> None:
        await lock_chat(*args, **kwargs)  # the chat is locked, the send not yet committed
        block = live_client.post(f"/admin/users/{user.user['id']}/block", headers=boss.headers)
        blocking.append(asyncio.create_task(block))
        await asyncio.sleep(0.5)  # time enough for the block to commit, were it not held

    monkeypatch.setattr(turns, "_lock_chat", lock_then_block)

    sent = await send_json(live_client, user, chat["id"], "Tell me a long story")

    assert sent.status_code == 200, sent.text
    assert (await blocking[0]).status_code == 200
    reply = sent.json()["assistant_message"]
    assert reply["status"] == "stopped"
    assert len(reply["content"]) < len("".join(f"w{n} " for n in range(200)))
