"""Blocking a user also stops the reply being written for them."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from tests.admin.helpers import make_admin
from tests.chats.conftest import fake_llm, fake_llm_server, live_client, llm
from tests.chats.helpers import llm_called, new_chat, send_json
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

__all__ = ["fake_llm", "fake_llm_server", "live_client", "llm"]


async def test_blocking_a_user_stops_their_running_reply_and_keeps_its_text(
    app: FastAPI, live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    boss = await create_account(live_client)
    await make_admin(app, boss.user["id"])
    user = await create_account(live_client)
    chat = await new_chat(live_client, user)
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
