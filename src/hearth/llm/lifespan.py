"""Build the app's gateway at start-up: env providers, then those stored by admins."""

from __future__ import annotations

import logging

from hearth.config import Settings
from hearth.core.db import Database
from hearth.llm.gateway import LLMGateway
from hearth.llm.sdk_import import prepare_provider
from hearth.llm.secret_box import SecretBox
from hearth.llm.settings import LLMSettings
from hearth.llm.store import load_stored_providers

log = logging.getLogger(__name__)


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
    """The SDKs of the configured providers, imported and their clients built off the event
    loop, while the app already answers."""
    for config in gateway.provider_configs:
        provider = gateway.provider(config.name)
        try:
            if provider is not None:
                await prepare_provider(config.kind, provider)
        except Exception:  # the first request will do it again, and say what is wrong
            log.warning("llm.preload_failed provider=%s", config.name, exc_info=True)
