"""Atomic reservation: concurrent holds never overshoot the day's units."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
from fastapi import FastAPI

from hearth.chats.usage import Settlement, UsageRequest
from hearth.config import Settings
from hearth.core.errors import AppError
from hearth.limits.counters import RedisCounters
from hearth.limits.hook import QuotaHook
from hearth.limits.period import quota_day
from hearth.llm.types import Usage
from tests.chats.helpers import create_character, create_chat, send_json
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply
from tests.limits.conftest import REDIS_URL
from tests.limits.helpers import error_code, ledger, set_daily_units

UNITS_PER_REPLY = 100
DEFAULT_UNITS = Settings.model_fields["daily_units"].default


async def _hold_many(hook: QuotaHook, user_id: uuid.UUID, attempts: int) -> list[object]:
    async def one() -> object:
        request = UsageRequest(user_id, uuid.uuid4(), "local/fake-model", UNITS_PER_REPLY)
        try:
            return await hook.reserve(request)
        except AppError as exc:
            return exc.code

    return list(await asyncio.gather(*(one() for _ in range(attempts))))


async def test_hundred_concurrent_holds_with_room_for_ten_let_ten_through(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    me = await create_account(client)
    await set_daily_units(app, me.user["id"], 10 * UNITS_PER_REPLY + UNITS_PER_REPLY // 2)

    outcomes = await _hold_many(app.state.usage_hook, uuid.UUID(me.user["id"]), 100)

    assert sum(1 for o in outcomes if not isinstance(o, str)) == 10
    assert set(o for o in outcomes if isinstance(o, str)) == {"quota_busy"}  # held by the ten
    usage = (await client.get("/me/usage", headers=me.headers)).json()
    assert usage["units_reserved"] == 10 * UNITS_PER_REPLY
    assert usage["units_remaining"] == UNITS_PER_REPLY // 2


@pytest.fixture
async def redis_hook(app: FastAPI, redis_prefix: str) -> AsyncIterator[QuotaHook]:
    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"{redis_prefix}-{uuid.uuid4().hex[:6]}"
    hook = QuotaHook(
        app.state.settings,
        app.state.db,
        RedisCounters(client, prefix),
        price_of=lambda model_id: app.state.llm.price(model_id),
    )
    yield hook
    keys = [key async for key in client.scan_iter(f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_hundred_concurrent_holds_in_redis_let_ten_through(
    app: FastAPI, client: httpx.AsyncClient, redis_hook: QuotaHook
) -> None:
    me = await create_account(client)
    await set_daily_units(app, me.user["id"], 10 * UNITS_PER_REPLY + UNITS_PER_REPLY // 2)

    outcomes = await _hold_many(redis_hook, uuid.UUID(me.user["id"]), 100)

    assert sum(1 for o in outcomes if not isinstance(o, str)) == 10


async def test_redis_counter_starts_from_the_ledger_when_missing(
    app: FastAPI, client: httpx.AsyncClient, redis_hook: QuotaHook
) -> None:
    me = await create_account(client)
    user_id = uuid.UUID(me.user["id"])
    await set_daily_units(app, me.user["id"], 3 * UNITS_PER_REPLY)
    held = await redis_hook.reserve(UsageRequest(user_id, uuid.uuid4(), "m/m", UNITS_PER_REPLY))
    await redis_hook.settle_all([Settlement(held, Usage(150, 50))])
    await redis_hook.counters.redis.delete(  # type: ignore[attr-defined]
        redis_hook.counters.key(user_id, held.day)  # type: ignore[attr-defined]
    )

    outcomes = await _hold_many(redis_hook, user_id, 3)

    assert outcomes.count("quota_busy") == 2  # 200 of 300 were already used, 100 is held


async def test_settle_replaces_the_hold_with_real_usage(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    me = await create_account(client)
    hook: QuotaHook = app.state.usage_hook
    held = await hook.reserve(
        UsageRequest(uuid.UUID(me.user["id"]), uuid.uuid4(), "local/fake-model", 500)
    )

    await hook.settle_all([Settlement(held, Usage(30, 12))])

    usage = (await client.get("/me/usage", headers=me.headers)).json()
    assert usage["units_used"] == 42
    assert usage["units_reserved"] == 0
    assert usage["units_remaining"] == DEFAULT_UNITS - 42


async def _settle_three_together(hook: QuotaHook, me: str, other: str) -> None:
    """Two replies of `me` and one of `other` end together: one transaction, one batch."""
    holds = [
        await hook.reserve(UsageRequest(uuid.UUID(user), uuid.uuid4(), "local/fake-model", 500))
        for user in (me, me, other)
    ]
    used = [Usage(30, 12), Usage(5, 3), Usage(100, 1)]
    async with hook.database.sessionmaker() as session:
        await hook.settle_all(
            [Settlement(held, usage) for held, usage in zip(holds, used, strict=True)],
            session=session,
        )
        await session.commit()


async def test_replies_that_end_together_are_settled_together(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    me, other = await create_account(client), await create_account(client)

    await _settle_three_together(app.state.usage_hook, me.user["id"], other.user["id"])

    mine = (await client.get("/me/usage", headers=me.headers)).json()
    theirs = (await client.get("/me/usage", headers=other.headers)).json()
    assert (mine["units_used"], mine["units_reserved"]) == (42 + 8, 0)
    assert (theirs["units_used"], theirs["units_reserved"]) == (101, 0)
    assert sorted(e.units for e in await ledger(app, me.user["id"])) == [8, 42]


async def test_replies_that_end_together_are_settled_together_in_redis(
    app: FastAPI, client: httpx.AsyncClient, redis_hook: QuotaHook
) -> None:
    me, other = await create_account(client), await create_account(client)

    await _settle_three_together(redis_hook, me.user["id"], other.user["id"])

    async with app.state.db.sessionmaker() as session:
        day = _today(redis_hook)
        mine = await redis_hook.counters.read(session, uuid.UUID(me.user["id"]), day)
        theirs = await redis_hook.counters.read(session, uuid.UUID(other.user["id"]), day)
    assert (mine.used, mine.reserved, theirs.used, theirs.reserved) == (50, 0, 101, 0)


async def _settle_rolled_back_then_again(hook: QuotaHook, user_id: uuid.UUID) -> None:
    """The chat engine's end-of-reply write fails once, after the charge, and is made again."""
    held = await hook.reserve(UsageRequest(user_id, uuid.uuid4(), "local/fake-model", 500))
    settlement = Settlement(held, Usage(30, 12))
    async with hook.database.sessionmaker() as session:
        await hook.settle_all([settlement], session=session)
        await session.rollback()
    async with hook.database.sessionmaker() as session:
        await hook.settle_all([settlement], session=session)
        await session.commit()


async def test_a_settlement_rolled_back_and_written_again_is_charged_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    me = await create_account(client)

    await _settle_rolled_back_then_again(app.state.usage_hook, uuid.UUID(me.user["id"]))

    usage = (await client.get("/me/usage", headers=me.headers)).json()
    assert (usage["units_used"], usage["units_reserved"]) == (42, 0)
    assert [e.units for e in await ledger(app, me.user["id"])] == [42]


async def test_a_settlement_rolled_back_and_written_again_is_counted_once_in_redis(
    app: FastAPI, client: httpx.AsyncClient, redis_hook: QuotaHook
) -> None:
    me = await create_account(client)
    user_id = uuid.UUID(me.user["id"])

    await _settle_rolled_back_then_again(redis_hook, user_id)

    async with app.state.db.sessionmaker() as session:
        day = await redis_hook.counters.read(session, user_id, _today(redis_hook))
    assert (day.used, day.reserved) == (42, 0)
    assert [e.units for e in await ledger(app, me.user["id"])] == [42]


async def test_a_reply_ending_while_redis_is_out_is_still_charged_in_the_ledger(
    app: FastAPI,
    client: httpx.AsyncClient,
    redis_hook: QuotaHook,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    me = await create_account(client)
    held = await redis_hook.reserve(
        UsageRequest(uuid.UUID(me.user["id"]), uuid.uuid4(), "local/fake-model", 500)
    )

    async def out(*_: Any, **__: Any) -> None:
        raise redis.ConnectionError("Connection refused.")

    monkeypatch.setattr(redis_hook.counters, "_settle", out)
    async with app.state.db.sessionmaker() as session:
        await redis_hook.settle_all([Settlement(held, Usage(30, 12))], session=session)
        await session.commit()

    assert [e.units for e in await ledger(app, me.user["id"])] == [42]
    assert "limits.counters_unavailable" in caplog.text


async def test_hundred_concurrent_sends_with_room_for_ten_replies_let_ten_through(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    app.state.settings.send_rate = app.state.settings.send_ip_rate = "1000/minute"
    me = await create_account(client)
    character = await create_character(client, me)
    chats = [await create_chat(client, me, character["id"]) for _ in range(100)]
    await set_daily_units(app, me.user["id"], 0)
    probe = await send_json(client, me, chats[0]["id"])
    needed = probe.json()["error"]["details"]["units_needed"]
    await set_daily_units(app, me.user["id"], 10 * needed + needed // 2)
    # Each reply really uses what was held, so a finished reply frees no room either.
    fake_llm.script(*[Reply(tokens=["Hi"], prompt_tokens=needed - 1) for _ in range(100)])

    responses = await asyncio.gather(*(send_json(client, me, c["id"]) for c in chats))

    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 10, statuses
    refused = [r for r in responses if r.status_code != 200]
    assert {r.status_code for r in refused} == {429}
    # Refused while the ten were in flight (busy), or after they had used it all.
    assert {error_code(r) for r in refused} <= {"quota_busy", "quota_exceeded"}
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    assert all("units_needed" in r.json()["error"]["details"] for r in refused)
    assert len(await ledger(app, me.user["id"])) == 10


async def test_refused_send_stores_no_message(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    chat = await create_chat(client, me, character["id"])
    await set_daily_units(app, me.user["id"], 0)

    response = await send_json(client, me, chat["id"], "Are you there?")

    assert response.status_code == 429
    listed = await client.get(f"/chats/{chat['id']}/messages", headers=me.headers)
    assert [m["content"] for m in listed.json()["items"]] == [chat["first_message"]["content"]]
    assert fake_llm.requests == []


async def _reserve_then_roll_back(app: FastAPI, hook: QuotaHook, user_id: uuid.UUID) -> None:
    async with app.state.db.sessionmaker() as session:
        request = UsageRequest(user_id, uuid.uuid4(), "m/m", UNITS_PER_REPLY, session=session)
        held = await hook.reserve(request)
        assert held.state == "pending"
        await session.rollback()
        assert held.state == "void"


async def test_a_hold_inside_a_rolled_back_request_is_undone(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    me = await create_account(client)

    await _reserve_then_roll_back(app, app.state.usage_hook, uuid.UUID(me.user["id"]))

    usage = (await client.get("/me/usage", headers=me.headers)).json()
    assert usage["units_reserved"] == 0


async def test_a_redis_hold_inside_a_rolled_back_request_is_given_back(
    app: FastAPI, client: httpx.AsyncClient, redis_hook: QuotaHook
) -> None:
    me = await create_account(client)
    user_id = uuid.UUID(me.user["id"])

    await _reserve_then_roll_back(app, redis_hook, user_id)

    for _ in range(50):  # the compensation runs as a task right after the rollback
        async with app.state.db.sessionmaker() as session:
            day = await redis_hook.counters.read(session, user_id, _today(redis_hook))
        if day.reserved == 0:
            break
        await asyncio.sleep(0.02)
    assert day.reserved == 0


def _today(hook: QuotaHook) -> Any:
    return quota_day(hook.clock(), hook.settings.quota_reset_hour)


async def _units_needed(app: FastAPI, client: httpx.AsyncClient, me: Any, chat_id: str) -> int:
    await set_daily_units(app, me.user["id"], 0)
    probe = await send_json(client, me, chat_id)
    return int(probe.json()["error"]["details"]["units_needed"])


async def test_a_send_held_back_by_replies_in_flight_is_told_to_retry_soon(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await create_chat(client, me, (await create_character(client, me))["id"])
    needed = await _units_needed(app, client, me, chat["id"])
    await set_daily_units(app, me.user["id"], needed + needed // 2)
    hook: QuotaHook = app.state.usage_hook
    await hook.reserve(UsageRequest(uuid.UUID(me.user["id"]), uuid.uuid4(), "m/m", needed))

    response = await send_json(client, me, chat["id"])

    assert (response.status_code, error_code(response)) == (429, "quota_busy")
    assert response.headers["Retry-After"] == "10"
    assert response.json()["error"]["details"]["units_used"] == 0


async def test_a_send_larger_than_what_is_left_today_waits_for_the_renewal(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await create_chat(client, me, (await create_character(client, me))["id"])
    needed = await _units_needed(app, client, me, chat["id"])
    await set_daily_units(app, me.user["id"], needed + needed // 2)
    fake_llm.script(Reply(tokens=["Hi"], prompt_tokens=needed))
    assert (await send_json(client, me, chat["id"])).status_code == 200

    response = await send_json(client, me, chat["id"])

    assert (response.status_code, error_code(response)) == (429, "quota_exceeded")
    details = response.json()["error"]["details"]
    assert 0 < details["units_remaining"] < details["units_needed"]
    assert int(response.headers["Retry-After"]) == details["retry_after"] > 60
    assert "renews" in response.json()["error"]["message"]


async def test_a_send_larger_than_the_whole_daily_allowance_is_told_so(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await create_chat(client, me, (await create_character(client, me))["id"])
    needed = await _units_needed(app, client, me, chat["id"])
    await set_daily_units(app, me.user["id"], needed - 1)

    response = await send_json(client, me, chat["id"])

    assert (response.status_code, error_code(response)) == (429, "quota_too_small")
    assert "Retry-After" not in response.headers
    assert response.json()["error"]["details"]["units_limit"] == needed - 1
