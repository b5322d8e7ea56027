"""A database that fails for a moment as a reply ends: the end is written again, whole."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from hearth.chats import runner as runner_module
from tests.chats.helpers import messages, new_chat, send_json
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply
from tests.limits.helpers import ledger


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "FINAL_RETRY_PAUSES", (0.01, 0.01))


@pytest.fixture
def failing_final_writes(app: FastAPI) -> Iterator[list[str]]:
    """The next writes of a reply's end fail as a busy or dropped database would, after the
    charges for it were written in the same transaction; how many is the list's length."""
    failures: list[str] = []
    engine = app.state.db.inline_engine.sync_engine

    def fail(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if failures and statement.startswith("UPDATE messages") and "finish_reason" in statement:
            raise OperationalError(statement, {}, Exception(failures.pop()))

    event.listen(engine, "before_cursor_execute", fail)
    yield failures
    event.remove(engine, "before_cursor_execute", fail)


async def test_a_reply_whose_end_meets_a_database_failure_is_stored_and_charged_once(
    app: FastAPI,
    client: httpx.AsyncClient,
    fake_llm: FakeOpenAI,
    quick_retries: None,
    failing_final_writes: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["Still ", "here"], prompt_tokens=40))
    failing_final_writes.append("database is locked")

    with caplog.at_level(logging.WARNING, logger="hearth.chats.runner"):
        sent = await send_json(client, me, chat["id"])

    assert sent.status_code == 200, sent.text
    assert failing_final_writes == []
    assert "chat.finals_retry" in caplog.text
    [_, _, reply] = await messages(client, me, chat["id"])
    assert (reply["status"], reply["content"]) == ("complete", "Still here")
    [entry] = await ledger(app, me.user["id"])
    assert (entry.message_id, entry.units) == (uuid.UUID(reply["id"]), 42)
    usage = (await client.get("/me/usage", headers=me.headers)).json()
    assert (usage["units_used"], usage["units_reserved"]) == (42, 0)
    again = await send_json(client, me, chat["id"], "And now?")
    assert again.status_code == 200


async def test_a_reply_end_that_keeps_failing_is_given_up_after_the_retries(
    app: FastAPI,
    client: httpx.AsyncClient,
    fake_llm: FakeOpenAI,
    quick_retries: None,
    failing_final_writes: list[str],
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["Lost"]))
    failing_final_writes.extend(["disk I/O error"] * 3)

    sent = await send_json(client, me, chat["id"])

    assert sent.status_code == 503
    assert "Traceback" not in sent.text
    [_, _, reply] = await messages(client, me, chat["id"])
    assert reply["status"] == "streaming"  # until the recovery sweep marks it interrupted
    assert await ledger(app, me.user["id"]) == []
    usage = (await client.get("/me/usage", headers=me.headers)).json()
    assert usage["units_used"] == 0
