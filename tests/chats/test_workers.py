"""Workers on one machine without Redis (`hearth serve --workers N`): each knows whether the
others are alive, and a stop request reaches the worker that runs the reply."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select, update

from hearth.app import create_app
from hearth.chats import engine as engine_module
from hearth.chats import messages_router
from hearth.chats.engine import SweepCheck, start_chat_engine
from hearth.chats.models import Chat, Message
from hearth.chats.recovery import recover_interrupted
from hearth.chats.workers import STOP_TTL_SECONDS, LocalWorkers
from hearth.config import Settings
from hearth.core.ids import uuid7
from tests.chats.conftest import gateway_for
from tests.chats.helpers import new_chat, rerun_json, send_json
from tests.chats.test_redis_engine import first_words_written
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

HOLD_LOCK = """
import asyncio, sys, time
from pathlib import Path
from hearth.chats.workers import LocalWorkers
asyncio.run(LocalWorkers(Path(sys.argv[1]), sys.argv[2]).start())
print("ready", flush=True)
time.sleep(60)
"""


def locks(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".lock"))


@pytest.fixture
async def folder(tmp_path: Path) -> Path:
    return tmp_path / "workers"


async def test_a_worker_is_alive_until_its_process_is_killed(folder: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLD_LOCK, str(folder), "w1", stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    assert await asyncio.wait_for(process.stdout.readline(), 30) == b"ready\n"
    observer = LocalWorkers(folder, "w2")
    await observer.start()

    assert await observer.alive("w1")
    assert await observer.alive("w1")  # looking does not take the lock away

    os.kill(process.pid, signal.SIGKILL)  # no clean-up runs: the kernel drops the lock
    await process.wait()

    assert not await observer.alive("w1")
    assert not (folder / "w1.lock").exists()
    assert await observer.alive("w2")
    await observer.aclose()


async def test_a_starting_worker_clears_the_locks_of_dead_ones(folder: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLD_LOCK, str(folder), "w1", stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    assert await asyncio.wait_for(process.stdout.readline(), 30) == b"ready\n"
    os.kill(process.pid, signal.SIGKILL)
    await process.wait()

    starting = LocalWorkers(folder, "w2")
    await starting.start()

    assert locks(folder) == ["w2.lock"]
    await starting.aclose()
    assert locks(folder) == []


async def test_unknown_or_malformed_worker_ids_are_not_alive(folder: Path) -> None:
    observer = LocalWorkers(folder, "w1")
    await observer.start()

    assert not await observer.alive(None)
    assert not await observer.alive("neverstarted")
    assert not await observer.alive("../w1")
    await observer.aclose()


async def test_a_stop_request_reaches_the_worker_of_that_reply_once(folder: Path) -> None:
    running, asking = LocalWorkers(folder, "w1"), LocalWorkers(folder, "w2")
    await running.start()
    await asking.start()
    stopped, other = uuid.uuid4(), uuid.uuid4()

    await asking.ask_stop(stopped)

    assert await asking.stops_among([other]) == []
    assert await running.stops_among([stopped, other]) == [stopped]
    assert await running.stops_among([stopped, other]) == []
    await running.aclose()
    await asking.aclose()


async def test_stop_requests_for_replies_that_ended_are_cleared(folder: Path) -> None:
    workers = LocalWorkers(folder, "w1")
    await workers.start()
    await workers.ask_stop(uuid.uuid4())
    fresh = uuid.uuid4()
    await workers.ask_stop(fresh)
    (stale,) = [p for p in (folder / "stop").iterdir() if p.name != str(fresh)]
    long_ago = time.time() - STOP_TTL_SECONDS - 1
    os.utime(stale, (long_ago, long_ago))

    assert await workers.stops_among([]) == []

    assert [p.name for p in (folder / "stop").iterdir()] == [str(fresh)]
    await workers.aclose()


async def test_a_stop_asked_as_a_reply_ended_does_not_end_its_regenerate(
    client: httpx.AsyncClient, app: FastAPI, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    words = [f"w{n} " for n in range(20)]
    fake_llm.script(Reply(tokens=["First"]), Reply(tokens=words, delay=0.05))
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]
    # Another worker saw it streaming and asked; it ended before the request was read.
    await app.state.chat_engine.runner.workers.ask_stop(uuid.UUID(reply["id"]))

    regenerated = (await rerun_json(client, me, chat["id"], reply["id"])).json()

    assert (regenerated["status"], regenerated["content"]) == ("complete", "".join(words))


async def test_stopping_a_reply_whose_worker_died_ends_it_at_once(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    (orphan,) = await streaming_replies(app, chat["id"], ["gone"])

    response = await client.post(f"/chats/{chat['id']}/messages/{orphan}/stop", headers=me.headers)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["content"]) == ("interrupted", "Once upon")
    assert await status_of(app, orphan) == "interrupted"


async def test_stopping_a_reply_whose_worker_died_a_moment_ago_ends_it_after_the_wait(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its heartbeat (with Redis, a key that outlives the worker) still said alive."""
    me = await create_account(client)
    chat = await new_chat(client, me)
    (orphan,) = await streaming_replies(app, chat["id"], ["just-died"])
    beats = iter([True])

    async def alive(worker_id: str | None) -> bool:
        return next(beats, False)

    monkeypatch.setattr(app.state.chat_engine.runner.workers, "alive", alive)
    monkeypatch.setattr(messages_router, "STOP_WAIT_SECONDS", 0.3)

    response = await client.post(f"/chats/{chat['id']}/messages/{orphan}/stop", headers=me.headers)

    assert (response.json()["status"], response.json()["content"]) == ("interrupted", "Once upon")
    assert await status_of(app, orphan) == "interrupted"


async def streaming_replies(app: FastAPI, chat_id: str, worker_ids: list[str]) -> list[uuid.UUID]:
    """Replies being written, as far as the database says, by these workers."""
    ids = [uuid7() for _ in worker_ids]
    async with app.state.db.sessionmaker() as session:
        for message_id, worker_id in zip(ids, worker_ids, strict=True):
            session.add(
                Message(
                    id=message_id,
                    chat_id=uuid.UUID(chat_id),
                    role="assistant",
                    content="Once upon",
                    status="streaming",
                    swipes=["Once upon"],
                    worker_id=worker_id,
                )
            )
        await session.commit()
    return ids


async def status_of(app: FastAPI, message_id: uuid.UUID) -> str:
    async with app.state.db.sessionmaker() as session:
        message = await session.get(Message, message_id)
        assert message is not None
        return message.status


async def until(read: Callable[[], Awaitable[str]], expected: str, seconds: float = 10) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while await read() != expected:
        assert loop.time() < deadline, f"never {expected}"
        await asyncio.sleep(0.02)


async def test_the_sweep_spares_a_reply_whose_worker_seemed_dead_only_once(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As after Redis restarted empty: a sibling's heartbeat is missing until its next."""
    me = await create_account(client)
    chat = await new_chat(client, me)
    flaky, gone = await streaming_replies(app, chat["id"], ["flaky", "gone"])
    runner = app.state.chat_engine.runner
    heartbeats: set[str] = set()

    async def alive(worker_id: str | None) -> bool:
        return worker_id in heartbeats

    monkeypatch.setattr(runner.workers, "alive", alive)
    monkeypatch.setattr(runner.workers, "certain", False)  # a heartbeat, not a lock
    check = SweepCheck(runner)

    first = await recover_interrupted(app.state.db, check.still_written)
    check.sweep_done()
    heartbeats.add("flaky")
    second = await recover_interrupted(app.state.db, check.still_written)

    assert (first, second) == (0, 1)
    async with app.state.db.sessionmaker() as session:
        assert (await session.get(Message, flaky)).status == "streaming"  # type: ignore[union-attr]
        assert (await session.get(Message, gone)).status == "interrupted"  # type: ignore[union-attr]


async def test_a_worker_starting_with_redis_recovers_a_silent_siblings_reply_at_a_later_sweep(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when Redis restarted empty just before: every sibling's heartbeat is missing."""
    monkeypatch.setattr(engine_module, "SWEEP_SECONDS", 0.05)
    me = await create_account(client)
    chat = await new_chat(client, me)
    flaky, gone = await streaming_replies(app, chat["id"], ["flaky", "gone"])
    prefix = f"hearth-test-{uuid.uuid4().hex[:8]}"
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    state = SimpleNamespace(settings=settings.model_copy(update={"redis_prefix": prefix}))

    engine = await start_chat_engine(state, app.state.db, redis)
    at_start = {message_id: await status_of(app, message_id) for message_id in (flaky, gone)}
    await redis.set(f"{prefix}:chat:worker:flaky", "1", ex=10)  # its next beat
    await until(lambda: status_of(app, gone), "interrupted")

    assert at_start == {flaky: "streaming", gone: "streaming"}
    assert await status_of(app, flaky) == "streaming"
    await engine.aclose()
    await redis.delete(f"{prefix}:chat:worker:flaky")
    await redis.aclose()


async def test_a_sweep_that_meets_a_redis_outage_waits_for_the_next_with_a_warning(
    client: httpx.AsyncClient,
    app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    (reply,) = await streaming_replies(app, chat["id"], ["elsewhere"])
    runner = app.state.chat_engine.runner

    async def redis_down(worker_id: str | None) -> bool:
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(runner.workers, "alive", redis_down)
    check = SweepCheck(runner)

    with caplog.at_level(logging.WARNING):
        await engine_module._sweep_once(app.state.db, check, app.state.chat_engine.hub)

    assert await status_of(app, reply) == "streaming"
    assert [r.getMessage() for r in caplog.records if r.name == "hearth.chats.engine"] == [
        "chat.recovery_postponed reason=redis: ConnectionError Connection refused"
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_recovery_spares_the_replies_a_live_sibling_is_writing(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    sibling = LocalWorkers(settings.data_dir / "workers", uuid.uuid4().hex)
    await sibling.start()
    live, orphan = await streaming_replies(app, chat["id"], [sibling.worker_id, "0dead0"])

    workers = app.state.chat_engine.workers
    announced: list[tuple[str, str, dict[str, Any]]] = []

    async def announce(key: str, event: str, data: dict[str, Any]) -> None:
        announced.append((key, event, data))

    recovered = await recover_interrupted(
        app.state.db, lambda message: workers.alive(message.worker_id), announce
    )

    assert recovered == 1
    [(key, event, data)] = announced  # the end, for followers of its stream elsewhere
    assert (key, event, data["code"]) == (str(orphan), "error", "generation_interrupted")
    assert data["assistant_message"]["status"] == "interrupted"
    assert data["assistant_message"]["content"] == "Once upon"
    async with app.state.db.sessionmaker() as session:
        assert (await session.get(Message, live)).status == "streaming"  # type: ignore[union-attr]
        assert (await session.get(Message, orphan)).status == "interrupted"  # type: ignore[union-attr]
    await sibling.aclose()


async def test_recovery_deletes_the_import_a_dead_worker_left_and_spares_live_ones(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    me = await create_account(client)
    sibling = LocalWorkers(settings.data_dir / "workers", uuid.uuid4().hex)
    await sibling.start()
    engine = app.state.chat_engine
    importers = {"dead": "0dead0", "sibling": sibling.worker_id, "own": engine.runner.worker_id}
    chats = {name: uuid.UUID((await new_chat(client, me))["id"]) for name in importers}
    async with app.state.db.sessionmaker() as session:
        for name, worker_id in importers.items():
            await session.execute(
                update(Chat).where(Chat.id == chats[name]).values(import_worker_id=worker_id)
            )
        await session.commit()

    await engine_module._sweep_once(app.state.db, SweepCheck(engine.runner), engine.hub)

    async with app.state.db.sessionmaker() as session:
        left = set(await session.scalars(select(Chat.id)))
        greetings = set(await session.scalars(select(Message.chat_id)))
    assert left == greetings == {chats["sibling"], chats["own"]}
    await sibling.aclose()


@pytest.fixture
async def second_worker(
    settings: Settings, fake_llm: FakeOpenAI
) -> AsyncIterator[httpx.AsyncClient]:
    """Another app on the same database and data folder, as `--workers 2` would run."""
    other = create_app(settings)
    async with other.router.lifespan_context(other):
        other.state.llm = gateway_for(fake_llm.base_url)
        transport = httpx.ASGITransport(app=other, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as http:
            yield http
        await other.state.llm.aclose()


async def test_stop_through_the_api_of_another_worker_answers_the_stopped_reply(
    client: httpx.AsyncClient,
    app: FastAPI,
    second_worker: httpx.AsyncClient,
    fake_llm: FakeOpenAI,
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=[f"w{n} " for n in range(60)], delay=0.05))
    sending = asyncio.create_task(send_json(client, me, chat["id"]))
    message_id = await first_words_written(app.state.chat_engine.runner)

    stopped = await second_worker.post(
        f"/chats/{chat['id']}/messages/{message_id}/stop", headers=me.headers
    )

    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["status"] == "stopped"
    sent = (await sending).json()["assistant_message"]
    assert sent["status"] == "stopped"
    assert stopped.json()["content"] == sent["content"] != ""
