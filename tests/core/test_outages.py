"""When the database or Redis fails, a request gets 503 and a hint to retry, never a 500 or
a wait without end; what it would have written is not written."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import redis
from fastapi import FastAPI
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from starlette.types import Receive, Scope, Send

from hearth.app import create_app
from hearth.config import Settings
from hearth.core.middleware import RequestContextMiddleware
from hearth.users.models import User
from tests.factories import register

NEW_USER = {"username": "wren", "email": "wren@example.com", "password": "a-long-passphrase"}


async def count_users(app: FastAPI) -> int:
    async with app.state.db.sessionmaker() as db:
        return int(await db.scalar(select(func.count()).select_from(User)) or 0)


@pytest.fixture
async def silent_redis() -> AsyncIterator[str]:
    """A Redis address that accepts connections and never answers (a hung server)."""

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3600)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"redis://127.0.0.1:{port}/0"
    server.close()


async def register_through(settings: Settings, **update: Any) -> tuple[httpx.Response, int]:
    app = create_app(settings.model_copy(update=update))
    async with asyncio.timeout(20):  # a hang fails the test, not the suite
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                response = await http.post("/api/v1/auth/register", json=NEW_USER)
            return response, await count_users(app)


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response.headers["retry-after"] == "5"


async def test_a_refused_redis_answers_503_and_stores_nothing(settings: Settings) -> None:
    response, users = await register_through(settings, redis_url="redis://127.0.0.1:1/0")

    assert_unavailable(response)
    assert users == 0


async def test_a_redis_that_stops_answering_fails_the_request_at_its_timeout(
    settings: Settings, silent_redis: str
) -> None:
    response, users = await register_through(
        settings, redis_url=silent_redis, redis_timeout_seconds=0.3
    )

    assert_unavailable(response)
    assert users == 0


@pytest.fixture
def busy_user_inserts(app: FastAPI) -> Iterator[list[bool]]:
    """While the list holds True, creating a user fails as a database busy past its
    timeout, or dropped, would."""
    busy = [True]

    def fail(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if busy[0] and statement.startswith("INSERT INTO users"):
            raise OperationalError(statement, {}, Exception("database is locked"))

    engines = {app.state.db.engine.sync_engine, app.state.db.inline_engine.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", fail)
    yield busy
    for engine in engines:
        event.remove(engine, "before_cursor_execute", fail)


async def test_a_database_failure_answers_503_and_the_same_request_later_succeeds(
    app: FastAPI, client: httpx.AsyncClient, busy_user_inserts: list[bool]
) -> None:
    response = await client.post("/auth/register", json=NEW_USER)

    assert_unavailable(response)
    assert await count_users(app) == 0
    busy_user_inserts[0] = False
    assert (await register(client, **NEW_USER))["username"] == NEW_USER["username"]
    assert await count_users(app) == 1


async def test_a_stream_that_an_outage_cuts_is_ended_not_dropped() -> None:
    """Its client sees the end of the stream and re-attaches, as after any end."""

    async def streaming(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"event: start\n\n", "more_body": True})
        raise redis.ConnectionError("Connection refused.")

    transport = httpx.ASGITransport(app=RequestContextMiddleware(streaming))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/stream")

    assert response.status_code == 200
    assert response.content == b"event: start\n\n"
