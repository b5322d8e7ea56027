"""Operator statistics: counts, new users per day, tokens and cost per day and per model."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from tests.admin.helpers import built_in_character
from tests.chats.helpers import create_character, create_chat, send_json
from tests.factories import Account, create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply
from tests.limits.helpers import set_price


async def test_stats_count_users_content_and_usage_per_day_and_model(
    app: FastAPI, client: httpx.AsyncClient, admin: Account, fake_llm: FakeOpenAI
) -> None:
    someone = await create_account(client)
    character = await create_character(client, someone)
    chat = await create_chat(client, someone, character["id"])
    set_price(app, "local/fake-model", 1.0, 2.0)
    fake_llm.script(Reply(tokens=["a", "b"], prompt_tokens=40))
    assert (await send_json(client, someone, chat["id"])).status_code == 200

    stats = (await client.get("/admin/stats", params={"days": 7}, headers=admin.headers)).json()

    today = datetime.now(UTC).date().isoformat()
    assert (stats["users"], stats["characters"], stats["chats"]) == (2, 1, 1)
    assert stats["messages"] == 3  # greeting, the user's message, the reply
    assert stats["active_users"] == 1
    assert stats["new_users_per_day"] == [{"day": today, "count": 2}]
    (day,) = stats["usage_per_day"]
    assert day["day"] == today
    assert (day["tokens"], day["cost"], day["replies"]) == (42, 40 * 1 + 2 * 2, 1)
    assert stats["usage_per_model"] == [
        {
            "model": "local/fake-model",
            "prompt_tokens": 40,
            "completion_tokens": 2,
            "tokens": 42,
            "cost": 44,
            "replies": 1,
        }
    ]


async def test_stats_leave_out_the_system_account_and_tell_built_in_characters_apart(
    app: FastAPI, client: httpx.AsyncClient, admin: Account
) -> None:
    await built_in_character(app)

    stats = (await client.get("/admin/stats", headers=admin.headers)).json()

    today = datetime.now(UTC).date().isoformat()
    assert stats["users"] == 1  # the admin
    assert stats["new_users_per_day"] == [{"day": today, "count": 1}]
    assert (stats["characters"], stats["built_in_characters"]) == (1, 1)
