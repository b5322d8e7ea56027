"""With HEARTH_REDIS_URL set: the hub is Redis Streams; another worker can re-attach and stop."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hearth.chats.hub import RedisHub
from hearth.chats.runner import GenerationRunner
from hearth.chats.workers import RedisWorkers
from tests.chats.helpers import deltas_text, new_chat, parse_sse, send_json, wait_status
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

PREFIX = f"hearth-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"redis_url": "redis://127.0.0.1:6379/0", "redis_prefix": PREFIX}


def other_worker_hub(app: FastAPI) -> RedisHub:
    hub = app.state.chat_engine.hub
    assert isinstance(hub, RedisHub)
    return RedisHub(app.state.redis, prefix=hub.prefix, block_ms=200)


async def test_another_worker_reattaches_from_redis_after_an_event_id(
    client: httpx.AsyncClient, app: FastAPI, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["a", "b", "c", "d"]))
    events = parse_sse(
        (
            await client.post(
                f"/chats/{chat['id']}/messages", json={"content": "Hi"}, headers=me.headers
            )
        ).text
    )
    message_id = events[1].data["message_id"]

    seen = events[2].id  # user_message, start, "a"
    replay = [e async for e in other_worker_hub(app).subscribe(message_id, after=seen)]

    assert [e.id for e in replay] == [seen + 1, seen + 2, seen + 3, seen + 4]
    assert "".join(e.data.get("text", "") for e in replay[:-1]) == "bcd"
    assert replay[-1].event == "done"
    assert deltas_text(events) == "abcd"


async def first_words_written(runner: GenerationRunner, seconds: float = 10) -> uuid.UUID:
    """The running generation's id, once it has streamed some text (a busy machine may take
    longer than any fixed sleep to get there)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not any(live.chars for live in runner._live.values()):
        assert loop.time() < deadline, "no generation started streaming"
        await asyncio.sleep(0.02)
    return next(iter(runner._live))


async def test_stop_from_another_worker_reaches_the_generation(
    client: httpx.AsyncClient, app: FastAPI, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=[f"w{n} " for n in range(40)], delay=0.05))
    sending = asyncio.create_task(send_json(client, me, chat["id"]))
    engine: Any = app.state.chat_engine
    message_id = await first_words_written(engine.runner)
    elsewhere = GenerationRunner(
        app.state.db,
        other_worker_hub(app),
        lambda: engine.gateway,
        lambda: engine.usage_hook,
        workers=RedisWorkers(app.state.redis, f"{PREFIX}:chat:", "elsewhere"),
    )

    assert await elsewhere.request_stop(message_id)
    response = await sending

    assert response.json()["assistant_message"]["status"] == "stopped"
    stored = await wait_status(client, me, chat["id"], str(message_id))
    assert stored["status"] == "stopped" and stored["content"]


async def test_a_stop_request_through_redis_is_answered_once_and_can_be_cleared(
    app: FastAPI,
) -> None:
    running = RedisWorkers(app.state.redis, f"{PREFIX}:chat:", "running")
    asking = RedisWorkers(app.state.redis, f"{PREFIX}:chat:", "asking")
    stopped, regenerated = uuid.uuid4(), uuid.uuid4()
    await asking.ask_stop(stopped)
    await asking.ask_stop(regenerated)

    await running.clear_stop(regenerated)  # its generation ended before the request was read

    assert await running.stops_among([stopped, regenerated]) == [stopped]
    assert await running.stops_among([stopped, regenerated]) == []
