"""Many clients changing the same chats at once (`bench/chat_chaos.py`, for a few seconds)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest
from bench.chat_chaos import Tally, exercise
from fastapi import FastAPI
from sqlalchemy import func, select

from hearth.chats.models import Chat, Message
from tests.admin.helpers import make_admin
from tests.chats.helpers import new_chat
from tests.factories import PASSWORD, create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"send_rate": "100000/minute", "send_ip_rate": "100000/minute"}


async def test_clients_changing_the_same_chats_at_once_break_nothing(
    app: FastAPI,
    live_client: httpx.AsyncClient,
    fake_llm: FakeOpenAI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Replies of ~0.6 s: long enough that stops and second sends meet them on a slow machine
    # (at 0.24 s, one run in five saw no stop land while a reply ran).
    fake_llm.default_reply = Reply(tokens=["word "] * 12, delay=0.05)
    chats = []
    for _ in range(2):
        account = await create_account(live_client)
        for _ in range(2):
            chat = await new_chat(live_client, account)
            chats.append((account.access_token, chat["id"]))

    tally = await exercise_and_check(
        app, caplog, http=live_client, chats=chats, actors=3, seconds=8, seed=7
    )

    # The clients did meet: replies ran while others were refused or deleted under them.
    assert tally.answers["send 200"] > 10
    assert tally.answers["send 409"] > 0
    assert tally.answers["stop 200"] > 0


async def test_an_operator_blocking_and_changing_the_accounts_meanwhile_breaks_nothing(
    app: FastAPI,
    live_client: httpx.AsyncClient,
    fake_llm: FakeOpenAI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Blocks of the accounts and the characters, plans, balances, reports and moderation
    rules, while the clients go on (and sign in again after a block)."""
    fake_llm.default_reply = Reply(tokens=["word "] * 12, delay=0.02)
    chats = []
    for _ in range(2):
        account = await create_account(live_client)
        chat = await new_chat(live_client, account)
        chats.append((account.access_token, chat["id"]))
    admin = await create_account(live_client)
    await make_admin(app, admin.user["id"])

    tally = await exercise_and_check(
        app,
        caplog,
        http=live_client,
        chats=chats,
        actors=3,
        seconds=8,
        seed=11,
        admin_token=admin.access_token,
        password=PASSWORD,
    )

    assert tally.answers["block_user 200"] > 0
    assert tally.answers["login 200"] > 0  # blocked clients came back
    assert tally.answers["send 200"] > 0


async def exercise_and_check(
    app: FastAPI, caplog: pytest.LogCaptureFixture, **clients: Any
) -> Tally:
    """Run the clients (`exercise`), then check that nothing broke: no 5xx or cut
    connection, nothing left streaming or locked, no error logged."""
    with caplog.at_level(logging.ERROR):
        tally = await exercise(**clients)
        running, locked = await replies_left(app)
    assert tally.problems == []
    assert (running, locked) == (0, 0)
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == []
    return tally


async def replies_left(app: FastAPI, seconds: float = 15) -> tuple[int, int]:
    """Messages still `streaming` and chats still locked, once the replies had time to end."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        async with app.state.db.sessionmaker() as session:
            running = await session.scalar(
                select(func.count()).where(Message.status == "streaming")
            )
            locked = await session.scalar(
                select(func.count()).where(Chat.active_message_id.is_not(None))
            )
        if not (running or locked) or loop.time() > deadline:
            return int(running or 0), int(locked or 0)
        await asyncio.sleep(0.1)
