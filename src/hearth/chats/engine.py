"""The chat engine of one running app: hub, runner, recovery; built in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from hearth.chats.hub import MemoryHub, RedisHub, StreamHub
from hearth.chats.recovery import recover_interrupted, redis_worker_alive
from hearth.chats.runner import GenerationRunner
from hearth.chats.usage import NoQuota, UsageHook
from hearth.core.db import Database
from hearth.llm.gateway import LLMGateway

log = logging.getLogger(__name__)
SWEEP_SECONDS = 30.0


@dataclass
class ChatEngine:
    state: Any  # the app's `app.state`: the gateway and usage hook are read from it
    hub: StreamHub
    runner: GenerationRunner
    redis: Any = None
    _sweeper: asyncio.Task[None] | None = field(default=None, repr=False)

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
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await self.runner.aclose()
        await self.hub.aclose()


async def start_chat_engine(state: Any, database: Database, redis: Any = None) -> ChatEngine:
    """Recover what a dead process left `streaming`, then start the runner."""
    worker_id = uuid.uuid4().hex
    settings = getattr(state, "settings", None)
    key_prefix = f"{getattr(settings, 'redis_prefix', 'hearth')}:chat:"
    hub: StreamHub = RedisHub(redis, prefix=f"{key_prefix}gen:") if redis else MemoryHub()
    engine = ChatEngine(state=state, hub=hub, runner=None, redis=redis)  # type: ignore[arg-type]
    engine.runner = GenerationRunner(
        database,
        hub,
        lambda: engine.gateway,
        lambda: engine.usage_hook,
        worker_id=worker_id,
        redis=redis,
        redis_prefix=key_prefix,
    )
    alive = redis_worker_alive(redis, engine.runner.worker_key_prefix) if redis else None
    try:
        await recover_interrupted(database, alive)
    except Exception:  # e.g. Redis down: never block start-up; the sweep tries again
        log.exception("chat.recovery_failed")
    await engine.runner.start()
    if redis is not None:
        engine._sweeper = asyncio.create_task(_sweep(database, alive), name="chat-recovery")
    return engine


async def _sweep(database: Database, alive: Any) -> None:
    """With several workers, one may die while the others run on: recover its messages."""
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await recover_interrupted(database, alive)
        except Exception:
            log.exception("chat.recovery_sweep_failed")
