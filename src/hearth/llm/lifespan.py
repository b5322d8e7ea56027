"""Build the app's gateway at start-up: env providers, then those stored by admins."""

from __future__ import annotations

import asyncio
import importlib
import logging

from hearth.config import Settings
from hearth.core.db import Database
from hearth.llm.gateway import LLMGateway
from hearth.llm.secret_box import SecretBox
from hearth.llm.settings import LLMSettings
from hearth.llm.store import load_stored_providers

log = logging.getLogger(__name__)

# What each kind of provider imports on first use. An import costs 0.7-1.4 s of CPU
# (PROTOCOLS.md); left to the first request of a worker, it holds up every request of that
# worker meanwhile. So the SDKs of the configured providers are imported at start-up in a
# thread, while the app already answers.
SDK_MODULES = {
    "openai": "openai",
    "openrouter": "openai",
    "yandex": "openai",
    "local": "openai",
    "anthropic": "anthropic",
    "gemini": "google.genai",
}


async def start_gateway(
    settings: Settings, database: Database, llm_settings: LLMSettings | None = None
) -> LLMGateway:
    gateway = LLMGateway(llm_settings or LLMSettings())
    async with database.sessionmaker() as session:
        stored = await load_stored_providers(
            session, gateway, SecretBox(settings.resolved_secret_key)
        )
    real = [c.name for c in gateway.provider_configs]
    log.info(
        "llm.ready providers=%s stored=%d default_model=%s",
        ",".join(real) or "none (demo only)",
        stored,
        gateway.default_model,
    )
    return gateway


async def preload_sdks(gateway: LLMGateway) -> None:
    names = sorted({SDK_MODULES[c.kind] for c in gateway.provider_configs if c.kind in SDK_MODULES})
    for name in names:
        try:
            await asyncio.to_thread(importlib.import_module, name)
        except Exception:  # the first request will import it, and say what is wrong
            log.warning("llm.preload_failed module=%s", name, exc_info=True)
