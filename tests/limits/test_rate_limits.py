"""Rate limits: sends, auth and uploads answer 429 with Retry-After once the window is full."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import redis.asyncio as redis
from fastapi import FastAPI
from PIL import Image

from hearth.app import create_app
from hearth.config import Settings
from hearth.limits.rate import RateLimiter
from tests.chats.helpers import create_character, create_chat, send_json
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.limits.conftest import REDIS_URL
from tests.limits.helpers import error_code


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"send_rate": "3/minute", "auth_rate": "4/minute", "upload_rate": "1/hour"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "teal").save(out, format="PNG")
    return out.getvalue()


async def test_fourth_send_in_a_minute_is_429_with_retry_after(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    chat = await create_chat(client, me, character["id"])
    for _ in range(3):
        assert (await send_json(client, me, chat["id"])).status_code == 200

    refused = await send_json(client, me, chat["id"])

    assert refused.status_code == 429
    assert error_code(refused) == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert len(fake_llm.requests) == 3


async def test_a_send_the_address_limit_refuses_does_not_count_against_the_user(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await create_chat(client, me, (await create_character(client, me))["id"])
    app.state.settings.send_ip_rate = "1/minute"  # a crowded address
    assert (await send_json(client, me, chat["id"])).status_code == 200
    assert (await send_json(client, me, chat["id"])).status_code == 429

    app.state.settings.send_ip_rate = "1000/minute"  # the crowd has gone
    statuses = [(await send_json(client, me, chat["id"])).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]  # the user's own 3 a minute: one used before


async def test_regenerate_counts_against_the_send_limit(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    chat = await create_chat(client, me, character["id"])
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]
    path = f"/chats/{chat['id']}/messages/{reply['id']}/regenerate"
    json_headers = {**me.headers, "Accept": "application/json"}
    for _ in range(2):
        assert (await client.post(path, headers=json_headers)).status_code == 200

    refused = await client.post(path, headers=json_headers)

    assert refused.status_code == 429
    assert "Retry-After" in refused.headers


async def test_impersonate_counts_against_the_send_limit(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    chat = await create_chat(client, me, character["id"])
    path = f"/chats/{chat['id']}/impersonate"
    for _ in range(3):
        assert (await client.post(path, headers=me.headers)).status_code == 200

    refused = await client.post(path, headers=me.headers)

    assert refused.status_code == 429
    assert len(fake_llm.requests) == 3


async def test_the_send_limit_is_per_user(client: httpx.AsyncClient, fake_llm: FakeOpenAI) -> None:
    me = await create_account(client)
    other = await create_account(client)
    character = await create_character(client, me)
    mine = await create_chat(client, me, character["id"])
    theirs = await create_chat(client, other, character["id"])
    for _ in range(3):
        await send_json(client, me, mine["id"])

    assert (await send_json(client, other, theirs["id"])).status_code == 200


async def test_auth_endpoints_follow_the_configured_rate(client: httpx.AsyncClient) -> None:
    me = await create_account(client)  # register + login: two of four
    body = {"login": me.user["username"], "password": me.password}
    assert (await client.post("/auth/login", json=body)).status_code == 200
    assert (await client.post("/auth/login", json=body)).status_code == 200

    refused = await client.post("/auth/login", json=body)

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1


async def test_second_upload_in_the_hour_is_429(client: httpx.AsyncClient) -> None:
    me = await create_account(client)
    files = {"file": ("a.png", _png(), "image/png")}
    assert (await client.put("/me/avatar", headers=me.headers, files=files)).status_code == 200

    refused = await client.put("/me/avatar", headers=me.headers, files=files)

    assert refused.status_code == 429
    # The sliding window counter's windows follow the clock's hours: the next upload is
    # allowed once this hour's window ends (in the hour's last minute, under 60 s away).
    until_the_hour = 3600 - time.time() % 3600
    assert abs(int(refused.headers["Retry-After"]) - until_the_hour) <= 2


@pytest.fixture
async def redis_apps(
    settings: Settings, redis_prefix: str
) -> AsyncIterator[tuple[FastAPI, FastAPI]]:
    """Two apps (as two workers would be) sharing one Redis."""
    shared = settings.model_copy(
        update={"redis_url": REDIS_URL, "redis_prefix": f"{redis_prefix}-{uuid.uuid4().hex[:6]}"}
    )
    first, second = create_app(shared), create_app(shared)
    async with first.router.lifespan_context(first), second.router.lifespan_context(second):
        yield first, second
    client = redis.Redis.from_url(REDIS_URL)
    keys = [key async for key in client.scan_iter(f"{shared.redis_prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_limits_in_redis_are_shared_by_workers(redis_apps: tuple[FastAPI, FastAPI]) -> None:
    first, second = redis_apps
    key = uuid.uuid4().hex
    assert (await first.state.limiter.hit("2/minute", "shared", key)).allowed
    assert (await second.state.limiter.hit("2/minute", "shared", key)).allowed

    verdict = await first.state.limiter.hit("2/minute", "shared", key)

    assert not verdict.allowed
    assert 1 <= verdict.retry_after <= 60


async def test_in_memory_limits_count_on_the_event_loop_without_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each send passes the per-address limit, which all clients behind one proxy share: a
    # hit that waited for a thread (or for a lock held across one) queued every send.
    trips: list[object] = []
    real_to_thread = asyncio.to_thread

    async def counting(func: Callable[..., object], /, *args: object) -> object:
        trips.append(func)
        return await real_to_thread(func, *args)

    monkeypatch.setattr(asyncio, "to_thread", counting)
    limiter = RateLimiter()
    # A day, not a minute: the sliding window weighs the last window's count down as the
    # new one goes on, so 50 hits just before a minute's end no longer filled "50/minute"
    # a few ms after it (this test failed so once in CI).
    for n in range(50):
        await limiter.enforce("50/day", "send-user", str(n))
        await limiter.enforce("50/day", "send-ip", "203.0.113.7")
    await asyncio.sleep(0.05)  # the storage's expiry pass, if any, runs meanwhile
    assert trips == []
    assert not (await limiter.check("50/day", "send-ip", "203.0.113.7")).allowed  # full
