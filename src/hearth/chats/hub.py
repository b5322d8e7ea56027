"""The stream hub: the events of each generation, replayable from any event id.

A generation publishes `user_message`, `start`, `delta`…, then one terminal `done` or
`error`. Ids increase within a generation: a delta's id is the previous id plus the length
of its text, every other event's the previous id plus one. So a client that lost its
connection re-attaches with `Last-Event-ID` and receives exactly the events it missed; and
an id tells how much of the reply's text the client holds, which lets a worker that does
not hold the stream (another process, without Redis) resume it from the stored text (the
message keeps its generation's `start` id).

A generation's first id is the wall clock in microseconds (`clock_ids`), above every id of
an earlier generation of the message (see `hearth.chats.turns.stream_start`): a
`Last-Event-ID` kept from that earlier one replays the new generation from its start
instead of from somewhere in its middle.

`MemoryHub` keeps a bounded buffer per generation in this process. `RedisHub` also writes
every event to a Redis Stream (XADD with MAXLEN and an expiry), so a client re-attaching
through another worker reads it from Redis; subscribers in the publishing process read the
local buffer and never wait on Redis. Its writes go out in batches, one pipeline for all
that is ready, and only a generation's end waits for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from hearth.core.errors import outage

log = logging.getLogger(__name__)

TERMINAL_EVENTS = frozenset({"done", "error"})
DEFAULT_MAX_EVENTS = 20_000
DEFAULT_RETENTION_SECONDS = 300.0
# Ids stay below this in every store (Redis stream ids are unsigned 64-bit, JSON readers in
# browsers exact to 2**53); a Last-Event-ID at or above it was not one of ours.
MAX_EVENT_ID = 2**53


def clock_ids() -> int:
    """The first id of a generation starting now."""
    return time.time_ns() // 1_000


def id_step(event: str, data: dict[str, Any]) -> int:
    """How far an event moves its generation's ids: a delta by its text's length."""
    if event == "delta":
        text = data.get("text")
        if isinstance(text, str) and text:
            return len(text)
    return 1


@dataclass(frozen=True, slots=True)
class HubEvent:
    id: int
    event: str
    data: dict[str, Any]

    @property
    def terminal(self) -> bool:
        return self.event in TERMINAL_EVENTS


class StreamHub(Protocol):
    async def open(self, key: str, first_id: int | None = None) -> None:
        """Start a fresh stream for `key` (a new generation of that message), its first
        event numbered `first_id` (by default the clock's)."""

    async def publish(self, key: str, event: str, data: dict[str, Any]) -> int:
        """Append an event; returns its id. A terminal event closes the stream."""

    def subscribe(self, key: str, after: int = 0) -> AsyncIterator[HubEvent]:
        """Events with id > `after`, live, until the terminal one. Empty if unknown."""

    def follow(
        self, key: str, after: int = 0, heartbeat: float | None = None
    ) -> AsyncIterator[list[HubEvent]]:
        """Like `subscribe`, in batches of what is ready at each wake-up (one write per
        batch for SSE); an empty batch after `heartbeat` seconds of silence."""

    async def knows(self, key: str, generation: int | None = None) -> bool:
        """Whether the stream of `key` is still held (running, or finished and retained);
        given `generation` (the `start` id the message stored), only one of that generation
        or a later one: a finished copy of an earlier one is not that message's stream."""

    async def end_orphan(self, key: str, event: str, data: dict[str, Any]) -> None:
        """End the stream of a reply whose worker died, with the end recovery stored, for
        its followers elsewhere; a stream already ended or gone is left alone."""

    async def aclose(self) -> None: ...


@dataclass
class _Stream:
    max_events: int
    last_id: int
    events: deque[HubEvent] = field(init=False)
    closed: bool = False
    # One future per waiting subscriber, resolved together by the next change.
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    # A finished stream's deltas, as bare texts and their ids (`_compact`).
    texts: tuple[str, ...] = ()
    text_ids: array[int] = field(default_factory=lambda: array("q"))

    def __post_init__(self) -> None:
        self.events = deque(maxlen=self.max_events)

    def append(self, event: str, data: dict[str, Any]) -> HubEvent:
        self.last_id += id_step(event, data)
        item = HubEvent(self.last_id, event, data)
        self.events.append(item)
        if item.terminal:
            self.closed = True
            self._compact()
        self.wake()
        return item

    def _compact(self) -> None:
        """Keep a finished reply's deltas as one tuple of strings and one array of ids, not
        an event and a dict each: a busy server retains every reply for minutes, and a
        60-token one took 17.6 kB and 71 objects for the garbage collector to scan;
        compacted, 3.2 kB and 11."""
        kinds = [item.event == "delta" for item in self.events]
        if True not in kinds:
            return
        first = kinds.index(True)
        count = kinds.count(True)
        if not all(kinds[first : first + count]):
            return  # not one run of deltas: keep the events as they are
        events = list(self.events)
        deltas = events[first : first + count]
        if any(item.data.keys() != {"text"} for item in deltas):
            return
        self.texts = tuple(item.data["text"] for item in deltas)
        self.text_ids = array("q", (item.id for item in deltas))
        self.events = deque(events[:first] + events[first + count :], maxlen=self.max_events)

    def after(self, last: int) -> list[HubEvent]:
        events = self.events
        if not events or events[-1].id <= last:
            return []
        if self.texts:
            return self._replay(last)
        # Taken from the right end: a live follower wants the newest few events, and
        # walking a long reply's buffer from the left made every wake cost O(length).
        newest: list[HubEvent] = []
        for item in reversed(events):
            if item.id <= last:
                break
            newest.append(item)
        newest.reverse()
        return newest

    def _replay(self, last: int) -> list[HubEvent]:
        """The events after `last` of a compacted stream, deltas rebuilt from their texts."""
        ids = self.text_ids
        start = bisect_right(ids, last)
        deltas = [
            HubEvent(ids[i], "delta", {"text": self.texts[i]}) for i in range(start, len(ids))
        ]
        head = [item for item in self.events if last < item.id < ids[0]]
        tail = [item for item in self.events if item.id > max(last, ids[-1])]
        return [*head, *deltas, *tail]

    def wait(self) -> asyncio.Future[None]:
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        return waiter

    def wake(self) -> None:
        waiters, self.waiters = self.waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


class MemoryHub:
    """Streams of this process only; finished ones are kept `retention` seconds.

    Heartbeats come from one timer for the whole hub (a tick every half heartbeat wakes the
    waiting subscribers, and those silent for a heartbeat or more send one), not from a
    timeout per wait: that would be a timer set and cancelled for every token of every
    stream.
    """

    def __init__(
        self,
        *,
        max_events: int = DEFAULT_MAX_EVENTS,
        retention: float = DEFAULT_RETENTION_SECONDS,
        first_id: Callable[[], int] = clock_ids,
    ) -> None:
        self.max_events = max_events
        self.retention = retention
        self.first_id = first_id
        self._streams: dict[str, _Stream] = {}
        self._evictions: dict[str, asyncio.TimerHandle] = {}
        self._listeners = 0  # subscribers that want heartbeats
        self._tick_seconds: float | None = None
        self._ticker: asyncio.TimerHandle | None = None

    async def open(self, key: str, first_id: int | None = None) -> None:
        self._cancel_eviction(key)
        old = self._streams.get(key)
        first = self.first_id() if first_id is None else first_id
        if old is not None:
            first = max(first, old.last_id + 1)
        self._streams[key] = _Stream(self.max_events, first - 1)
        if old is not None and not old.closed:
            old.closed = True  # a superseded stream ends its subscribers
            old.wake()

    def is_local(self, key: str) -> bool:
        return key in self._streams

    def ended_at(self, key: str) -> int | None:
        """The last id of the stream of `key` held here once it has ended; None while it
        runs, or when none is held."""
        stream = self._streams.get(key)
        return stream.last_id if stream is not None and stream.closed else None

    async def publish(self, key: str, event: str, data: dict[str, Any]) -> int:
        stream = self._streams.get(key)
        if stream is None:
            stream = self._streams[key] = _Stream(self.max_events, self.first_id() - 1)
        item = stream.append(event, data)
        if item.terminal:
            self._schedule_eviction(key)
        return item.id

    async def subscribe(self, key: str, after: int = 0) -> AsyncIterator[HubEvent]:
        async for batch in self.follow(key, after):
            for item in batch:
                yield item

    async def follow(
        self, key: str, after: int = 0, heartbeat: float | None = None
    ) -> AsyncIterator[list[HubEvent]]:
        stream = self._streams.get(key)
        if stream is None:
            return
        loop = asyncio.get_running_loop()
        if heartbeat:
            self._listen(heartbeat)
        try:
            last = after
            quiet_since = loop.time()
            while True:
                batch = stream.after(last)
                if batch:
                    terminal = next((i for i, e in enumerate(batch) if e.terminal), None)
                    if terminal is not None:
                        yield batch[: terminal + 1]
                        return
                    last = batch[-1].id
                    quiet_since = loop.time()
                    yield batch
                    continue
                if stream.closed:
                    return
                await stream.wait()
                if heartbeat and loop.time() - quiet_since >= heartbeat:
                    quiet_since = loop.time()
                    yield []
        finally:
            if heartbeat:
                self._listeners -= 1

    def _listen(self, heartbeat: float) -> None:
        self._listeners += 1
        tick = heartbeat / 2
        if self._tick_seconds is None or tick < self._tick_seconds:
            self._tick_seconds = tick
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().call_later(tick, self._tick)

    def _tick(self) -> None:
        self._ticker = None
        if not self._listeners or self._tick_seconds is None:
            self._tick_seconds = None
            return
        for stream in self._streams.values():
            stream.wake()
        self._ticker = asyncio.get_running_loop().call_later(self._tick_seconds, self._tick)

    async def knows(self, key: str, generation: int | None = None) -> bool:
        stream = self._streams.get(key)
        if stream is None:
            return False
        # Its ids are below every id of a later generation (which another worker, without
        # Redis, may have run since this one ended).
        return generation is None or not stream.closed or stream.last_id >= generation

    async def end_orphan(self, key: str, event: str, data: dict[str, Any]) -> None:
        """Nothing to do: the streams held here are this process's, and end with it."""

    def _schedule_eviction(self, key: str) -> None:
        self._cancel_eviction(key)
        loop = asyncio.get_running_loop()
        self._evictions[key] = loop.call_later(self.retention, self._evict, key)

    def _cancel_eviction(self, key: str) -> None:
        handle = self._evictions.pop(key, None)
        if handle is not None:
            handle.cancel()

    def _evict(self, key: str) -> None:
        self._evictions.pop(key, None)
        self._streams.pop(key, None)

    async def aclose(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        for handle in self._evictions.values():
            handle.cancel()
        self._evictions.clear()
        self._streams.clear()


class RedisHub:
    """Redis Streams for cross-worker re-attach, with the local buffer as the fast path."""

    def __init__(
        self,
        redis: Any,
        *,
        prefix: str = "hearth:gen:",
        max_events: int = DEFAULT_MAX_EVENTS,
        retention: float = DEFAULT_RETENTION_SECONDS,
        block_ms: int = 1_000,
        first_id: Callable[[], int] = clock_ids,
    ) -> None:
        """`block_ms`: how long one read waits for events; under the client's socket timeout."""
        self.redis = redis
        self.prefix = prefix
        self.max_events = max_events
        self.retention = retention
        self.block_ms = block_ms
        self.local = MemoryHub(max_events=max_events, retention=retention, first_id=first_id)
        # Writes not sent yet, in order: (stream, None) deletes it, (stream, event) appends.
        self._pending: list[tuple[str, HubEvent | None]] = []
        self._written: asyncio.Future[None] | None = None  # when the pending ones are out
        self._writer: asyncio.Task[None] | None = None
        self._failing = False

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    async def open(self, key: str, first_id: int | None = None) -> None:
        await self.local.open(key, first_id)
        self._write(self._key(key), None)

    async def publish(self, key: str, event: str, data: dict[str, Any]) -> int:
        """Waits for Redis only at a terminal event: a reply's tokens each waited a round
        trip, which cost a busy server 40 % more CPU than without Redis."""
        event_id = await self.local.publish(key, event, data)
        written = self._write(self._key(key), HubEvent(event_id, event, data))
        if event in TERMINAL_EVENTS:
            await asyncio.shield(written)
        return event_id

    def _write(self, name: str, item: HubEvent | None) -> asyncio.Future[None]:
        self._pending.append((name, item))
        loop = asyncio.get_running_loop()
        if self._written is None:
            self._written = loop.create_future()
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_pending(), name="hub-redis-writer")
        return self._written

    async def _write_pending(self) -> None:
        """One pipeline per round for everything published meanwhile, until nothing is left."""
        while self._pending:
            await asyncio.sleep(0)  # let the publishers of this loop turn add theirs
            batch, self._pending = self._pending, []
            written, self._written = self._written, None
            try:
                await self._send(batch)
                if self._failing:
                    self._failing = False
                    log.info("hub.redis_write_recovered")
            except Exception:
                # Followers in other workers miss these; the reply itself goes on (and is
                # stored): a Redis outage does not end replies. Said once per outage, not
                # for every batch of every stream.
                if not self._failing:
                    self._failing = True
                    log.warning("hub.redis_write_failed events=%d", len(batch), exc_info=True)
            finally:
                if written is not None and not written.done():
                    written.set_result(None)

    async def _send(self, batch: list[tuple[str, HubEvent | None]]) -> None:
        ttl: dict[str, int] = {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for name, item in batch:
                if item is None:
                    pipe.delete(name)
                    ttl.pop(name, None)
                    continue
                payload = json.dumps(
                    {"e": item.event, "d": item.data}, ensure_ascii=False, separators=(",", ":")
                )
                pipe.xadd(
                    name,
                    {"p": payload},
                    id=f"{item.id}-0",
                    maxlen=self.max_events,
                    approximate=True,
                )
                # Running streams live a while even if the publisher dies; finished ones less.
                ttl[name] = int(self.retention if item.terminal else 3600)
            for name, seconds in ttl.items():
                pipe.expire(name, seconds)
            await pipe.execute()

    async def subscribe(self, key: str, after: int = 0) -> AsyncIterator[HubEvent]:
        async for batch in self.follow(key, after):
            for item in batch:
                yield item

    async def follow(
        self, key: str, after: int = 0, heartbeat: float | None = None
    ) -> AsyncIterator[list[HubEvent]]:
        if await self._held_here(key):
            async for ready in self.local.follow(key, after, heartbeat):
                yield ready
            return
        name = self._key(key)
        last = after
        if await self._over(name, last):
            return
        loop = asyncio.get_running_loop()
        quiet_since = loop.time()
        while True:
            # Short blocks, not one per heartbeat: a read must end within the client's
            # socket timeout, which is what ends the wait on a Redis that stopped answering.
            reply = await self.redis.xread({name: f"{last}-0"}, count=500, block=self.block_ms)
            if not reply:
                if await self._over(name, last):
                    return
                if heartbeat and loop.time() - quiet_since >= heartbeat:
                    quiet_since = loop.time()
                    yield []
                continue
            quiet_since = loop.time()
            batch: list[HubEvent] = []
            for entry_id, fields in reply[0][1]:
                item = _from_redis(entry_id, fields)
                last = item.id
                batch.append(item)
                if item.terminal:
                    yield batch
                    return
            yield batch

    async def _over(self, name: str, last: int) -> bool:
        """Nothing will come after event `last`: the stream expired (its publisher is gone),
        or it ended at or before that event (a `Last-Event-ID` from an earlier generation of
        the message, or one at its end), where waiting would last until it expires."""
        newest = await self.redis.xrevrange(name, count=1)
        if not newest:
            return True
        item = _from_redis(*newest[0])
        return item.terminal and item.id <= last

    async def knows(self, key: str, generation: int | None = None) -> bool:
        # Every worker writes to Redis: its stream is the newest generation's.
        return await self._held_here(key) or bool(await self.redis.exists(self._key(key)))

    async def _held_here(self, key: str) -> bool:
        """Whether this worker's copy is the stream of `key`: it is writing it, or it wrote
        the newest generation. A newer one, started since by another worker (a regenerate
        there), is known only to Redis, where its ids are above every id of this copy."""
        ended = self.local.ended_at(key)
        if ended is None:
            return self.local.is_local(key)
        try:
            newest = await self.redis.xrevrange(self._key(key), count=1)
        except Exception as exc:
            if outage(exc) is None:
                raise
            return True  # Redis out: this copy is the best there is
        return not newest or _from_redis(*newest[0]).id <= ended

    async def end_orphan(self, key: str, event: str, data: dict[str, Any]) -> None:
        # Its followers in other workers would otherwise beat until the stream expires.
        name = self._key(key)
        newest = await self.redis.xrevrange(name, count=1)
        if newest and not (last := _from_redis(*newest[0])).terminal:
            await self._send([(name, HubEvent(last.id + 1, event, data))])

    async def aclose(self) -> None:
        if self._written is not None:  # the last events, so other workers see the ends
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await asyncio.shield(self._written)
        await self.local.aclose()


def _from_redis(entry_id: bytes | str, fields: dict[Any, Any]) -> HubEvent:
    raw_id = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
    body = json.loads(fields[b"p"] if b"p" in fields else fields["p"])
    return HubEvent(int(raw_id.split("-")[0]), body["e"], body["d"])
