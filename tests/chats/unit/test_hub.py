"""The stream hub: ordered ids, replay after an id, live follow, bounded, Redis across workers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from itertools import accumulate
from typing import Any

import pytest

from hearth.chats.hub import HubEvent, MemoryHub, RedisHub

REDIS_URL = "redis://127.0.0.1:6379/0"


def from_one() -> int:
    """Ids from 1, as these tests count them (a running server starts from the clock)."""
    return 1


async def collect(events: AsyncIterator[HubEvent]) -> list[HubEvent]:
    return [item async for item in events]


async def publish_run(hub: Any, key: str, words: list[str]) -> None:
    await hub.open(key)
    await hub.publish(key, "start", {"message_id": key})
    for word in words:
        await hub.publish(key, "delta", {"text": word})
    await hub.publish(key, "done", {"content": "".join(words)})


async def test_memory_hub_replays_only_events_after_the_given_id() -> None:
    hub = MemoryHub(first_id=from_one)
    await publish_run(hub, "m1", ["a", "b", "c"])

    replay = await collect(hub.subscribe("m1", after=2))

    assert [(e.id, e.event) for e in replay] == [(3, "delta"), (4, "delta"), (5, "done")]


async def test_memory_hub_subscriber_follows_live_events_to_the_end() -> None:
    hub = MemoryHub(first_id=from_one)
    await hub.open("m1")
    reader = asyncio.create_task(collect(hub.subscribe("m1")))
    await asyncio.sleep(0)
    for word in ["x", "y"]:
        await hub.publish("m1", "delta", {"text": word})
        await asyncio.sleep(0.01)
    await hub.publish("m1", "done", {})

    events = await asyncio.wait_for(reader, 2)

    assert [e.event for e in events] == ["delta", "delta", "done"]


async def test_memory_hub_forgets_finished_streams_after_retention() -> None:
    hub = MemoryHub(retention=0.05, first_id=from_one)
    await publish_run(hub, "m1", ["a"])
    assert await hub.knows("m1")
    await asyncio.sleep(0.1)
    assert not await hub.knows("m1")
    assert await collect(hub.subscribe("m1")) == []


async def test_memory_hub_buffer_is_bounded() -> None:
    hub = MemoryHub(max_events=10, first_id=from_one)
    await publish_run(hub, "m1", [str(n) for n in range(100)])
    replay = await collect(hub.subscribe("m1"))
    assert len(replay) == 10
    assert replay[-1].event == "done"


async def test_memory_hub_replay_after_an_id_of_a_long_bounded_stream() -> None:
    hub = MemoryHub(max_events=10, first_id=from_one)
    await publish_run(hub, "m1", ["x"] * 100)  # ids 1..102, 93..102 kept

    middle = await collect(hub.subscribe("m1", after=97))
    forgotten = await collect(hub.subscribe("m1", after=40))

    assert [e.id for e in middle] == [98, 99, 100, 101, 102]
    assert [e.id for e in forgotten] == list(range(93, 103))  # what is left, in order


async def test_memory_hub_finished_stream_replays_the_same_events_from_any_id() -> None:
    hub = MemoryHub(first_id=from_one)
    words = [f"w{n} " for n in range(30)]
    await hub.open("m1")
    await hub.publish("m1", "user_message", {"id": "u1", "content": "Hi"})
    await hub.publish("m1", "start", {"message_id": "m1"})
    for word in words:
        await hub.publish("m1", "delta", {"text": word})
    await hub.publish("m1", "done", {"content": "".join(words)})
    ends = list(accumulate((len(word) for word in words), initial=2))[1:]
    expected = [
        (1, "user_message", {"id": "u1", "content": "Hi"}),
        (2, "start", {"message_id": "m1"}),
        *((end, "delta", {"text": word}) for end, word in zip(ends, words, strict=True)),
        (ends[-1] + 1, "done", {"content": "".join(words)}),
    ]

    for seen in range(len(expected) + 1):
        after = expected[seen - 1][0] if seen else 0
        replay = await collect(hub.subscribe("m1", after=after))
        assert [(e.id, e.event, e.data) for e in replay] == expected[seen:]


async def test_a_delta_moves_the_ids_by_the_length_of_its_text() -> None:
    """So an id says how much of the reply a client holds (see `_poll_database`)."""
    hub = MemoryHub(first_id=from_one)
    await hub.open("m1")
    ids = [
        await hub.publish("m1", "start", {}),
        await hub.publish("m1", "delta", {"text": "Hello"}),
        await hub.publish("m1", "delta", {"text": ", мир"}),
        await hub.publish("m1", "done", {}),
    ]
    assert ids == [1, 6, 11, 12]


async def test_memory_hub_follower_waiting_at_the_end_gets_the_last_words_and_done() -> None:
    hub = MemoryHub(first_id=from_one)
    await hub.open("m1")
    await hub.publish("m1", "start", {"message_id": "m1"})
    await hub.publish("m1", "delta", {"text": "a"})
    follower = asyncio.create_task(collect(hub.subscribe("m1", after=2)))
    await asyncio.sleep(0)  # the follower now waits for the next event
    for word in ("b", "c"):
        await hub.publish("m1", "delta", {"text": word})
    await hub.publish("m1", "done", {"content": "abc"})

    replay = await follower
    assert [(e.id, e.event) for e in replay] == [(3, "delta"), (4, "delta"), (5, "done")]
    assert [e.data.get("text") for e in replay[:2]] == ["b", "c"]


async def test_a_later_generation_numbers_its_events_above_every_id_of_the_earlier_one() -> None:
    hub = MemoryHub(first_id=from_one)  # even where the clock gives nothing newer
    await publish_run(hub, "m1", ["a", "b"])
    await publish_run(hub, "m1", ["c"])  # a new swipe of the same message

    replay = await collect(hub.subscribe("m1", after=4))  # the earlier `done`

    assert [(e.id, e.event) for e in replay] == [(5, "start"), (6, "delta"), (7, "done")]


async def test_generations_number_their_events_from_the_clock() -> None:
    before = time.time_ns() // 1_000
    hub = MemoryHub()
    await publish_run(hub, "m1", ["a"])

    events = await collect(hub.subscribe("m1"))

    assert before <= events[0].id <= time.time_ns() // 1_000
    assert [e.id - events[0].id for e in events] == [0, 1, 2]


@pytest.fixture
async def redis_client() -> AsyncIterator[Any]:
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception:  # pragma: no cover - the environment has Redis; say so if not
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield client
    await client.aclose()


@pytest.fixture
def prefix() -> str:
    return f"hearth-test-{uuid.uuid4().hex[:10]}:"


async def test_redis_hub_lets_another_worker_reattach_after_an_id(
    redis_client: Any, prefix: str
) -> None:
    publisher = RedisHub(redis_client, prefix=prefix, first_id=from_one)
    other_worker = RedisHub(redis_client, prefix=prefix, first_id=from_one)
    await publish_run(publisher, "m1", ["a", "b", "c"])

    replay = await collect(other_worker.subscribe("m1", after=2))

    assert [(e.id, e.event, e.data) for e in replay] == [
        (3, "delta", {"text": "b"}),
        (4, "delta", {"text": "c"}),
        (5, "done", {"content": "abc"}),
    ]
    ttl = await redis_client.ttl(f"{prefix}m1")
    assert 0 < ttl <= publisher.retention
    await redis_client.delete(f"{prefix}m1")


async def test_redis_hub_follows_a_live_stream_from_another_worker(
    redis_client: Any, prefix: str
) -> None:
    publisher = RedisHub(redis_client, prefix=prefix, block_ms=200, first_id=from_one)
    other_worker = RedisHub(redis_client, prefix=prefix, block_ms=200, first_id=from_one)
    await publisher.open("m2")
    await publisher.publish("m2", "start", {})
    for _ in range(200):  # as the re-attach endpoint asks first
        if await other_worker.knows("m2"):
            break
        await asyncio.sleep(0.01)
    reader = asyncio.create_task(collect(other_worker.subscribe("m2", after=0)))
    for word in ["x", "y", "z"]:
        await asyncio.sleep(0.05)
        await publisher.publish("m2", "delta", {"text": word})
    await publisher.publish("m2", "done", {})

    events = await asyncio.wait_for(reader, 5)

    assert [e.id for e in events] == [1, 2, 3, 4, 5]
    assert "".join(e.data.get("text", "") for e in events) == "xyz"
    assert not other_worker.local.is_local("m2")
    await redis_client.delete(f"{prefix}m2")


async def test_redis_hub_follower_waits_past_its_clients_socket_timeout_in_short_reads(
    redis_client: Any, prefix: str
) -> None:
    """Each read blocks for less than the client's socket timeout (which ends the wait on a
    Redis that stopped answering), yet a silent stream gets one heartbeat per interval."""
    import redis.asyncio as redis

    impatient = redis.Redis.from_url(REDIS_URL, socket_timeout=0.3)
    publisher = RedisHub(redis_client, prefix=prefix, first_id=from_one)
    other_worker = RedisHub(impatient, prefix=prefix, block_ms=100, first_id=from_one)
    await publisher.open("m5")
    await publisher.publish("m5", "start", {})
    for _ in range(200):  # a publish does not wait for its write to Redis
        if await redis_client.xlen(f"{prefix}m5") == 1:
            break
        await asyncio.sleep(0.01)
    loop = asyncio.get_running_loop()

    batches = other_worker.follow("m5", after=1, heartbeat=0.8)
    started = loop.time()
    beat = await asyncio.wait_for(anext(batches), 3)

    assert beat == []
    assert loop.time() - started >= 0.79  # one per heartbeat, not one per read
    await publisher.publish("m5", "done", {})
    assert [e.event for e in await asyncio.wait_for(anext(batches), 3)] == ["done"]
    await batches.aclose()
    await impatient.aclose()
    await redis_client.delete(f"{prefix}m5")


async def test_redis_hub_ends_the_stream_of_a_reply_whose_worker_died(
    redis_client: Any, prefix: str
) -> None:
    """Its followers in other workers get the end that recovery stored, once."""
    dead = RedisHub(redis_client, prefix=prefix, first_id=from_one)
    other_worker = RedisHub(redis_client, prefix=prefix, block_ms=50, first_id=from_one)
    await dead.open("m6")
    await dead.publish("m6", "start", {})
    await dead.publish("m6", "delta", {"text": "Once"})
    for _ in range(200):  # a publish does not wait for its write to Redis
        if await redis_client.xlen(f"{prefix}m6") == 2:
            break
        await asyncio.sleep(0.01)
    follower = asyncio.create_task(collect(other_worker.subscribe("m6", after=0)))
    await asyncio.sleep(0.2)

    ended = {"code": "generation_interrupted", "assistant_message": {"content": "Once"}}
    await other_worker.end_orphan("m6", "error", ended)
    await other_worker.end_orphan("m6", "error", ended)  # a second sweep's: already ended

    events = await asyncio.wait_for(follower, 3)
    assert [(e.id, e.event) for e in events] == [(1, "start"), (5, "delta"), (6, "error")]
    assert events[-1].data == ended
    assert await redis_client.xlen(f"{prefix}m6") == 3
    await redis_client.delete(f"{prefix}m6")


@pytest.mark.parametrize("after", [5, 40])
async def test_redis_hub_reattach_at_or_past_the_end_of_a_finished_stream_ends_at_once(
    redis_client: Any, prefix: str, after: int
) -> None:
    """At its `done` (id 5), or with an id from a longer, earlier generation of the message:
    nothing is left to send, and the follower must not wait until the stream expires."""
    publisher = RedisHub(redis_client, prefix=prefix, first_id=from_one)
    other_worker = RedisHub(redis_client, prefix=prefix, first_id=from_one)
    await publish_run(publisher, "m4", ["a", "b", "c"])

    batches = await asyncio.wait_for(collect(other_worker.follow("m4", after, heartbeat=15)), 2)

    assert batches == []
    await redis_client.delete(f"{prefix}m4")


async def test_redis_hub_replays_a_newer_generation_whole_after_an_id_of_an_older_one(
    redis_client: Any, prefix: str
) -> None:
    first_worker = RedisHub(redis_client, prefix=prefix)
    second_worker = RedisHub(redis_client, prefix=prefix)  # knows nothing of the first run
    reader = RedisHub(redis_client, prefix=prefix)
    await publish_run(first_worker, "m7", ["old"])
    last_seen = (await collect(reader.subscribe("m7")))[-1].id
    await publish_run(second_worker, "m7", ["new", " reply"])

    replay = await collect(reader.subscribe("m7", after=last_seen))

    assert [e.event for e in replay] == ["start", "delta", "delta", "done"]
    assert replay[-1].data == {"content": "new reply"}
    await redis_client.delete(f"{prefix}m7")


async def test_a_worker_follows_a_newer_generation_written_elsewhere_not_its_own_old_one(
    redis_client: Any, prefix: str
) -> None:
    first_worker = RedisHub(redis_client, prefix=prefix)
    second_worker = RedisHub(redis_client, prefix=prefix)
    await publish_run(first_worker, "m8", ["old"])  # kept here for minutes after its end
    await publish_run(second_worker, "m8", ["regenerated"])

    replay = await collect(first_worker.subscribe("m8"))

    assert [e.event for e in replay] == ["start", "delta", "done"]
    assert replay[-1].data == {"content": "regenerated"}
    await redis_client.delete(f"{prefix}m8")


async def test_memory_hub_reattach_past_the_end_of_a_finished_stream_ends_at_once() -> None:
    hub = MemoryHub(first_id=from_one)
    await publish_run(hub, "m1", ["a", "b", "c"])

    assert await asyncio.wait_for(collect(hub.follow("m1", 40, heartbeat=15)), 2) == []


async def test_redis_hub_sends_what_many_replies_published_at_once_in_a_few_pipelines(
    redis_client: Any, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher = RedisHub(redis_client, prefix=prefix, first_id=from_one)
    other_worker = RedisHub(redis_client, prefix=prefix, first_id=from_one)
    pipelines = []
    real_pipeline = redis_client.pipeline
    monkeypatch.setattr(
        redis_client, "pipeline", lambda **kw: pipelines.append(1) or real_pipeline(**kw)
    )
    keys = [f"many{n}" for n in range(50)]

    for key in keys:
        await publisher.open(key)
        await publisher.publish(key, "delta", {"text": key})
    await asyncio.gather(*(publisher.publish(key, "done", {}) for key in keys))

    assert len(pipelines) <= 3
    for key in keys:
        replay = await collect(other_worker.subscribe(key))
        assert [(e.id, e.event, e.data) for e in replay] == [
            (len(key), "delta", {"text": key}),
            (len(key) + 1, "done", {}),
        ]
    await redis_client.delete(*(f"{prefix}{key}" for key in keys))


async def test_a_redis_outage_does_not_stop_a_reply_or_its_followers_in_this_worker(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import redis.asyncio as redis

    unreachable = redis.Redis.from_url("redis://127.0.0.1:1", socket_connect_timeout=0.5)
    hub = RedisHub(unreachable, prefix="nowhere:", first_id=from_one)
    await hub.open("m5")
    follower = asyncio.create_task(collect(hub.subscribe("m5")))

    await publish_run(hub, "m5", ["still ", "here"])
    await publish_run(hub, "m6", ["and ", "another"])

    events = await asyncio.wait_for(follower, 5)
    assert "".join(e.data.get("text", "") for e in events) == "still here"
    assert events[-1].event == "done"
    assert caplog.text.count("hub.redis_write_failed") == 1  # once per outage
    await hub.aclose()
    await unreachable.aclose()


async def test_redis_hub_stream_is_capped(redis_client: Any, prefix: str) -> None:
    hub = RedisHub(redis_client, prefix=prefix, max_events=50, first_id=from_one)
    await publish_run(hub, "m3", [str(n) for n in range(500)])
    length = await redis_client.xlen(f"{prefix}m3")
    assert length < 200  # MAXLEN ~ trims in whole nodes: approximately 50
    await redis_client.delete(f"{prefix}m3")


async def test_follow_batches_ready_events_and_beats_when_silent() -> None:
    hub = MemoryHub(first_id=from_one)
    await hub.open("m1")
    for word in ["a", "b", "c"]:
        await hub.publish("m1", "delta", {"text": word})
    batches = hub.follow("m1", after=0, heartbeat=0.05)

    first = await anext(batches)
    silence = await anext(batches)
    await hub.publish("m1", "done", {})
    last = await anext(batches)

    assert [e.id for e in first] == [1, 2, 3]
    assert silence == []
    assert [e.event for e in last] == ["done"]
    await batches.aclose()
