"""The ledger, refunds of failed replies, daily reset and prepaid balances."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from hearth.config import Settings
from tests.chats.helpers import create_character, create_chat, new_chat, send_json
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply
from tests.limits.helpers import (
    balance_and_sum,
    error_code,
    ledger,
    make_prepaid,
    set_daily_units,
    set_price,
    transactions,
)

DEFAULT_UNITS = Settings.model_fields["daily_units"].default


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"quota_reset_hour": 4, "unit_weights": {"local/fake-model-large": 3.0}}


async def test_usage_starts_with_the_default_daily_units(client: httpx.AsyncClient) -> None:
    me = await create_account(client)

    usage = (await client.get("/me/usage", headers=me.headers)).json()

    assert usage["units_used"] == 0
    assert usage["units_limit"] == DEFAULT_UNITS
    assert usage["units_remaining"] == DEFAULT_UNITS
    assert usage["balance"] == 0
    reset = datetime.fromisoformat(usage["reset_at"])
    assert reset.hour == 4 and reset.minute == 0
    assert timedelta(0) < reset - datetime.now(UTC) <= timedelta(days=1)


async def test_a_reply_writes_one_ledger_entry_with_tokens_units_and_integer_cost(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["Hi", "!"], prompt_tokens=20))

    response = await send_json(client, me, chat["id"])

    assert response.status_code == 200
    (entry,) = await ledger(app, me.user["id"])
    assert (entry.prompt_tokens, entry.completion_tokens, entry.units) == (20, 2, 22)
    assert str(entry.message_id) == response.json()["assistant_message"]["id"]
    assert str(entry.chat_id) == chat["id"]
    assert entry.model == "local/fake-model"
    assert entry.provider == "local"
    assert isinstance(entry.cost_micros, int)
    usage = (await client.get("/me/usage", headers=me.headers)).json()
    assert (usage["units_used"], usage["units_remaining"]) == (22, DEFAULT_UNITS - 22)


async def test_units_follow_the_weight_of_the_model(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    chat = await create_chat(client, me, character["id"], model="local/fake-model-large")
    fake_llm.script(Reply(tokens=["Hi"], prompt_tokens=9))

    assert (await send_json(client, me, chat["id"])).status_code == 200

    (entry,) = await ledger(app, me.user["id"])
    assert entry.units == 30


async def test_a_failed_reply_gives_its_units_back(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(status=500), Reply(status=500), Reply(status=500), Reply(status=500))

    await send_json(client, me, chat["id"])

    usage = (await client.get("/me/usage", headers=me.headers)).json()
    assert (usage["units_used"], usage["units_reserved"]) == (0, 0)
    assert await ledger(app, me.user["id"]) == []


async def test_a_failed_reply_refunds_the_prepaid_hold(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    await make_prepaid(app, me.user["id"], deposit=1_000_000)
    set_price(app, "local/fake-model", 2.0, 8.0)
    fake_llm.script(*[Reply(status=500)] * 4)

    await send_json(client, me, chat["id"])

    kinds = [(t.kind, t.amount_micros) for t in await transactions(app, me.user["id"])]
    assert kinds[0] == ("deposit", 1_000_000)
    assert kinds[1][0] == "usage" and kinds[1][1] < 0
    assert kinds[2] == ("refund", -kinds[1][1])
    assert await balance_and_sum(app, me.user["id"]) == (1_000_000, 1_000_000)


async def test_a_prepaid_reply_is_charged_its_real_cost(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    await make_prepaid(app, me.user["id"], deposit=1_000_000)
    set_price(app, "local/fake-model", 2.0, 8.0)
    fake_llm.script(Reply(tokens=["a", "b", "c"], prompt_tokens=100))

    assert (await send_json(client, me, chat["id"])).status_code == 200

    (entry,) = await ledger(app, me.user["id"])
    assert entry.cost_micros == 100 * 2 + 3 * 8
    assert await balance_and_sum(app, me.user["id"]) == (1_000_000 - 224, 1_000_000 - 224)
    usage = (await client.get("/me/usage", headers=me.headers)).json()
    assert usage["balance"] == 1_000_000 - 224


async def test_prepaid_balance_never_goes_negative_under_concurrent_sends(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    app.state.settings.send_rate = "1000/minute"
    me = await create_account(client)
    character = await create_character(client, me)
    chats = [await create_chat(client, me, character["id"]) for _ in range(12)]
    set_price(app, "local/fake-model", 10.0, 10.0)
    # Enough for a few holds only; the replies then cost more than was held.
    await make_prepaid(app, me.user["id"], deposit=40_000)
    fake_llm.script(*[Reply(tokens=["x"] * 50, prompt_tokens=3000) for _ in range(12)])

    responses = await asyncio.gather(*(send_json(client, me, c["id"]) for c in chats))

    codes = {r.status_code for r in responses}
    assert 402 in codes and 200 in codes
    assert {error_code(r) for r in responses if r.status_code == 402} == {"insufficient_balance"}
    current, total = await balance_and_sum(app, me.user["id"])
    assert current == total
    assert current >= 0


async def test_a_prepaid_plan_without_balance_refuses_the_send(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    await make_prepaid(app, me.user["id"], deposit=0)
    set_price(app, "local/fake-model", 1.0, 1.0)

    response = await send_json(client, me, chat["id"])

    assert response.status_code == 402
    assert error_code(response) == "insufficient_balance"
    assert fake_llm.requests == []


async def test_units_renew_at_the_reset_hour(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    await set_daily_units(app, me.user["id"], 2000)
    now = datetime(2026, 3, 10, 3, 30, tzinfo=UTC)  # half an hour before the 04:00 reset
    app.state.usage_hook.clock = lambda: now
    fake_llm.script(Reply(prompt_tokens=1990))
    assert (await send_json(client, me, chat["id"])).status_code == 200

    refused = await send_json(client, me, chat["id"])
    assert refused.status_code == 429
    assert refused.json()["error"]["details"]["reset_at"] == "2026-03-10T04:00:00+00:00"
    assert refused.headers["Retry-After"] == str(30 * 60)

    now = datetime(2026, 3, 10, 4, 0, 1, tzinfo=UTC)
    usage = (await client.get("/me/usage", headers=me.headers)).json()
    assert usage["units_used"] == 0
    assert usage["reset_at"] == "2026-03-11T04:00:00Z"
    assert (await send_json(client, me, chat["id"])).status_code == 200
