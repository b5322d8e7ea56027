"""Keeps every worker's gateway in step with the providers and model choices admins store.

An admin's change reaches the worker that served the request at once; the others notice
here, by polling a cheap fingerprint of the stored rows, and reload only when it changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from hearth.admin.models import RuntimeSetting
from hearth.admin.providers import MODELS_KEY, apply_runtime_settings
from hearth.core.db import Database
from hearth.llm.gateway import LLMGateway
from hearth.llm.models import LLMProviderRecord
from hearth.llm.secret_box import SecretBox
from hearth.llm.store import load_stored_providers

log = logging.getLogger(__name__)


async def fingerprint(database: Database) -> tuple[Any, ...]:
    async with database.read_sessionmaker() as session:
        count, changed = (
            await session.execute(select(func.count(), func.max(LLMProviderRecord.updated_at)))
        ).one()
        models = await session.scalar(
            select(RuntimeSetting.updated_at).where(RuntimeSetting.key == MODELS_KEY)
        )
    return (count, changed, models)


class ProviderSync:
    def __init__(
        self,
        database: Database,
        box: SecretBox,
        gateway: Callable[[], LLMGateway],
        interval: float,
    ) -> None:
        self.database = database
        self.box = box
        self._gateway = gateway
        self.interval = interval
        self._seen: tuple[Any, ...] | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._seen = await fingerprint(self.database)
        self._task = asyncio.create_task(self._loop(), name="provider-sync")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def sync_once(self) -> bool:
        """Reload when the stored rows changed since the last look; True if it reloaded."""
        current = await fingerprint(self.database)
        if current == self._seen:
            return False
        gateway = self._gateway()
        async with self.database.read_sessionmaker() as session:
            await load_stored_providers(session, gateway, self.box)
        await apply_runtime_settings(self.database, gateway)
        self._seen = current
        log.info("llm.providers_reloaded default_model=%s", gateway.default_model)
        return True

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.sync_once()
            except Exception:  # a failed look is retried at the next tick; never fatal
                log.exception("llm.provider_sync_failed")
