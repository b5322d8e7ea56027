"""Two real `hearth serve` processes sharing PostgreSQL and Redis: quotas and rate limits
hold across them."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from hearth.core.db import build_engine
from hearth.limits.models import UserPlan
from tests.database import POSTGRES_ENV, create_schema, fresh_database
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply
from tests.limits.conftest import REDIS_URL
from tests.server import hearth_env, running_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason="needs PostgreSQL"),
]
PASSWORD = "two servers one quota"


@pytest.fixture
def llm() -> None:
    """These tests run their own server processes: no in-process app, so they run once
    (not once per database backend, which the shared autouse gateway fixture would cause)."""


@pytest.fixture
async def shared_database(tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database("postgres", tmp_path) as url:
        await create_schema(url)
        yield url


@pytest.fixture
def servers(
    tmp_path: Path, shared_database: str, redis_prefix: str, request: pytest.FixtureRequest
) -> Iterator[tuple[str, str, FakeOpenAI]]:
    extra: dict[str, str] = getattr(request, "param", {})
    with ExitStack() as stack:
        fake = stack.enter_context(FakeOpenAI())
        env = {
            "HEARTH_DATABASE_URL": shared_database,
            "HEARTH_REDIS_URL": REDIS_URL,
            "HEARTH_REDIS_PREFIX": f"{redis_prefix}-{uuid.uuid4().hex[:6]}",
            "HEARTH_SECRET_KEY": "two-processes-share-this-secret-key-for-tokens",
            "HEARTH_LOCAL_LLM_BASE_URL": fake.base_url,
            "HEARTH_LOCAL_LLM_MODEL": "fake-model",
            "HEARTH_DEFAULT_MODEL": "local/fake-model",
            "HEARTH_SEND_IP_RATE": "1000/minute",
            "HEARTH_SEND_RATE": "1000/minute",
            "HEARTH_AUTH_RATE": "1000/minute",
            **extra,
        }
        bases = []
        for name in ("a", "b"):
            data_dir = tmp_path / name / "data"
            data_dir.mkdir(parents=True)
            base, _ = stack.enter_context(
                running_server(data_dir, env=hearth_env(data_dir, **env), args=("--no-migrate",))
            )
            bases.append(f"{base}/api/v1")
        yield bases[0], bases[1], fake


async def _account(http: httpx.AsyncClient, base: str) -> tuple[str, dict[str, str]]:
    name = f"u{uuid.uuid4().hex[:10]}"
    body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
    registered = await http.post(f"{base}/auth/register", json=body)
    assert registered.status_code == 201, registered.text
    tokens = (
        await http.post(f"{base}/auth/login", json={"login": name, "password": PASSWORD})
    ).json()
    return registered.json()["id"], {"Authorization": f"Bearer {tokens['access_token']}"}


async def _chats(http: httpx.AsyncClient, base: str, headers: dict[str, str], n: int) -> list[str]:
    character = await http.post(
        f"{base}/characters",
        json={"name": "Aria", "greeting": "Hello!", "visibility": "private"},
        headers=headers,
    )
    assert character.status_code == 201, character.text
    ids = []
    for _ in range(n):
        made = await http.post(
            f"{base}/chats", json={"character_id": character.json()["id"]}, headers=headers
        )
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    return ids


async def _send(
    http: httpx.AsyncClient, base: str, headers: dict[str, str], chat_id: str
) -> httpx.Response:
    return await http.post(
        f"{base}/chats/{chat_id}/messages",
        json={"content": "Hello"},
        headers={**headers, "Accept": "application/json"},
    )


async def _set_units(database_url: str, user_id: str, units: int) -> None:
    engine = build_engine(database_url)
    try:
        async with async_sessionmaker(engine)() as session:
            row = await session.get(UserPlan, uuid.UUID(user_id))
            if row is None:
                row = UserPlan(user_id=uuid.UUID(user_id))
                session.add(row)
            row.daily_units = units
            await session.commit()
    finally:
        await engine.dispose()


async def test_hundred_sends_over_two_servers_with_room_for_ten_let_ten_through(
    servers: tuple[str, str, FakeOpenAI], shared_database: str
) -> None:
    a, b, fake = servers
    async with httpx.AsyncClient(timeout=60) as http:
        user_id, headers = await _account(http, a)
        chats = await _chats(http, a, headers, 100)
        await _set_units(shared_database, user_id, 0)
        probe = await _send(http, b, headers, chats[0])
        assert probe.status_code == 429, probe.text
        needed = probe.json()["error"]["details"]["units_needed"]
        await _set_units(shared_database, user_id, 10 * needed + needed // 2)
        # Each reply uses what it held: finished replies free no room.
        fake.script(*[Reply(tokens=["Hi"], prompt_tokens=needed - 1) for _ in range(100)])

        responses = await asyncio.gather(
            *(_send(http, (a, b)[i % 2], headers, chat) for i, chat in enumerate(chats))
        )

        statuses = [r.status_code for r in responses]
        assert statuses.count(200) == 10, statuses
        assert set(statuses) == {200, 429}
        assert {r.json()["error"]["code"] for r in responses if r.status_code == 429} <= {
            "quota_busy",
            "quota_exceeded",
        }
        assert all("Retry-After" in r.headers for r in responses if r.status_code == 429)
        usage = (await http.get(f"{a}/me/usage", headers=headers)).json()
        assert usage["units_used"] == 10 * needed
        assert usage["units_reserved"] == 0


@pytest.mark.parametrize("servers", [{"HEARTH_SEND_RATE": "3/minute"}], indirect=True)
async def test_send_rate_limit_is_shared_by_two_servers(
    servers: tuple[str, str, FakeOpenAI],
) -> None:
    a, b, _fake = servers
    async with httpx.AsyncClient(timeout=60) as http:
        _user_id, headers = await _account(http, a)
        chats = await _chats(http, a, headers, 4)
        outcomes: list[Any] = []
        for i, chat in enumerate(chats):
            outcomes.append(await _send(http, (a, b)[i % 2], headers, chat))

    assert [r.status_code for r in outcomes] == [200, 200, 200, 429]
    assert outcomes[3].json()["error"]["code"] == "rate_limited"
    assert int(outcomes[3].headers["Retry-After"]) >= 1
