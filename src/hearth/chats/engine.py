"""The chat engine of one running app: hub, runner, recovery; built in the lifespan."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hearth.chats.hub import MemoryHub, RedisHub, StreamHub
from hearth.chats.models import Message
from hearth.chats.recovery import discard_broken_imports, recover_interrupted
from hearth.chats.runner import GenerationRunner
from hearth.chats.trash import purge_trash
from hearth.chats.usage import NoQuota, UsageHook
from hearth.chats.workers import LocalWorkers, RedisWorkers, Workers
from hearth.core.clock import utcnow
from hearth.core.db import Database
from hearth.core.errors import outage
from hearth.llm.gateway import LLMGateway

log = logging.getLogger(__name__)
# With Redis, two sweeps in a row are needed: a dead worker's replies are marked
# `interrupted` 10-20 s after its heartbeat lapses (without Redis, at the first sweep).
SWEEP_SECONDS = 10.0
PURGE_SECONDS = 3600.0  # the trash: chats trashed over `trash.TRASH_DAYS` ago go for good


@dataclass
class ChatEngine:
    state: Any  # the app's `app.state`: the gateway and usage hook are read from it
    hub: StreamHub
    runner: GenerationRunner
    workers: Workers
    _sweeper: asyncio.Task[None] | None = field(default=None, repr=False)
    _purger: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def gateway(self) -> LLMGateway:
        gateway = getattr(self.state, "llm", None)
        if gateway is None:
            from hearth.llm.settings import LLMSettings

            gateway = self.state.llm = LLMGateway(LLMSettings())
        return gateway

    @property
    def usage_hook(self) -> UsageHook:
        hook = getattr(self.state, "usage_hook", None)
        return hook if hook is not None else NoQuota()

    async def aclose(self) -> None:
        rounds = [task for task in (self._sweeper, self._purger) if task is not None]
        for task in rounds:
            task.cancel()
        # Their cancellation is returned, not raised; a cancellation of this close is raised.
        await asyncio.gather(*rounds, return_exceptions=True)
        await self.runner.aclose()
        await self.workers.aclose()  # after the runner's last writes: until then it is alive
        await self.hub.aclose()


async def start_chat_engine(state: Any, database: Database, redis: Any = None) -> ChatEngine:
    """Start the runner, which announces this worker, then recover what dead workers left
    `streaming`."""
    worker_id = uuid.uuid4().hex
    settings = getattr(state, "settings", None)
    key_prefix = f"{getattr(settings, 'redis_prefix', 'hearth')}:chat:"
    hub: StreamHub
    workers: Workers
    if redis is not None:
        # A read blocks for well under the client's socket timeout, which would end it.
        block_ms = int(min(1.0, getattr(settings, "redis_timeout_seconds", 3.0) / 2) * 1000)
        hub = RedisHub(redis, prefix=f"{key_prefix}gen:", block_ms=block_ms)
        workers = RedisWorkers(redis, key_prefix, worker_id)
    else:
        hub = MemoryHub()
        data_dir = getattr(settings, "data_dir", None) or Path("data")
        workers = LocalWorkers(data_dir / "workers", worker_id)
    engine = ChatEngine(state=state, hub=hub, runner=None, workers=workers)  # type: ignore[arg-type]
    engine.runner = GenerationRunner(
        database, hub, lambda: engine.gateway, lambda: engine.usage_hook, workers=workers
    )
    await engine.runner.start()  # announces this worker: not to be taken for a dead one
    check = SweepCheck(engine.runner)
    await _sweep_once(database, check, hub)
    engine._sweeper = asyncio.create_task(_sweep(database, check, hub), name="chat-recovery")
    engine._purger = asyncio.create_task(_purge(database), name="chat-trash-purge")
    return engine


class SweepCheck:
    """Whether the sweep should leave a `streaming` message, or a chat being imported, alone:
    its worker is alive and, if it is this worker, still writes it.

    What a worker left counts as orphaned at once when that worker is dead for sure (a
    worker of this machine without Redis: at start-up, what the process it replaces left),
    else only when two sweeps in a row find it so. One of this worker's own replies that it
    does not run is one whose end could not be stored (e.g. the database failed then), but
    the first sweep may have met it between its commit and its launch. Another worker may
    only seem dead: a Redis that restarted empty has lost its heartbeat until the next one.
    """

    def __init__(self, runner: GenerationRunner) -> None:
        self.runner = runner
        self._idle: set[uuid.UUID] = set()  # found not written by the previous sweep
        self._found: set[uuid.UUID] = set()

    async def still_written(self, message: Message) -> bool:
        if message.worker_id != self.runner.worker_id:
            return await self._seems_alive(message.id, message.worker_id)
        return self.runner.is_running(message.id) or self._not_twice(message.id)

    async def still_importing(self, chat_id: uuid.UUID, worker_id: str) -> bool:
        # This worker's own imports delete their chat when they fail (and if that delete
        # fails too, the chat waits, hidden from its owner, for this worker's successor).
        return worker_id == self.runner.worker_id or await self._seems_alive(chat_id, worker_id)

    async def _seems_alive(self, key: uuid.UUID, worker_id: str | None) -> bool:
        if await self.runner.workers.alive(worker_id):
            return True
        return not self.runner.workers.certain and self._not_twice(key)

    def _not_twice(self, key: uuid.UUID) -> bool:
        """Not found orphaned by the previous sweep too (this one counts it)."""
        self._found.add(key)
        return key not in self._idle

    def sweep_done(self) -> None:
        self._idle, self._found = self._found, set()


async def _sweep(database: Database, check: SweepCheck, hub: StreamHub) -> None:
    """Recover what a worker that died while the others ran on left `streaming`, and what
    this worker stopped writing without storing its end."""
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        await _sweep_once(database, check, hub)


async def _sweep_once(database: Database, check: SweepCheck, hub: StreamHub) -> None:
    try:
        await recover_interrupted(database, check.still_written, hub.end_orphan)
        await discard_broken_imports(database, check.still_importing)
    except Exception as exc:  # never stops start-up or the sweeps: the next one tries again
        _failed("chat.recovery", exc)
    check.sweep_done()


async def _purge(database: Database) -> None:
    """Empty the trash of what stayed there long enough: now (a server may not run an hour
    at a time), then every `PURGE_SECONDS`."""
    while True:
        try:
            await purge_trash(database, utcnow())
        except Exception as exc:  # the next round tries again
            _failed("chat.trash_purge", exc)
        await asyncio.sleep(PURGE_SECONDS)


def _failed(work: str, exc: Exception) -> None:
    """Log a failed round of background work, unless the engine is closing."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        # Cancelled mid-statement, the session's clean-up can fail in its turn, and that
        # error replaces the cancellation: swallowed, the loop would go on and hold up the
        # engine's close (seen at once with the purge, which starts with the engine).
        raise asyncio.CancelledError from exc
    failed = outage(exc)
    if failed is None:
        log.exception("%s_failed", work)
    else:
        log.warning("%s_postponed reason=%s", work, failed)
