"""`list_models` for the gateway: ask servers that can answer, cache, fall back to the table."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

from hearth.llm.base import Provider
from hearth.llm.catalog import Catalog
from hearth.llm.errors import BadRequest, LLMError
from hearth.llm.registry import ProviderConfig
from hearth.llm.types import ModelInfo

log = logging.getLogger(__name__)

CACHE_SECONDS = 300.0
ERROR_CACHE_SECONDS = 30.0  # a dead server is asked again soon, but not on every page view
LIST_TIMEOUT_SECONDS = 4.0
# OpenAI's /models also lists embeddings, audio and image models nobody can chat with.
_OPENAI_CHAT_PREFIXES = ("gpt-", "o1", "o3", "o4", "chatgpt")


class ModelLister:
    def __init__(self, catalog: Catalog, clock: Callable[[], float] = time.monotonic) -> None:
        self._catalog = catalog
        self._clock = clock
        self._cache: dict[str, tuple[float, list[ModelInfo]]] = {}

    def forget(self, provider_name: str) -> None:
        self._cache.pop(provider_name, None)

    async def models_of(
        self, config: ProviderConfig, provider: Provider, wanted: Iterable[str]
    ) -> list[ModelInfo]:
        """Models of one provider, always including `wanted` (default and fallback ids)."""
        cached = self._cache.get(config.name)
        if cached is not None and cached[0] > self._clock():
            models = cached[1]
        else:
            models, ttl = await self._ask(config, provider)
            self._cache[config.name] = (self._clock() + ttl, models)
        listed = {m.id for m in models}
        available = all(m.available for m in models) if models else True
        extra = [self.info(config, w, available=available) for w in wanted if w not in listed]
        return [*models, *extra]

    async def _ask(
        self, config: ProviderConfig, provider: Provider
    ) -> tuple[list[ModelInfo], float]:
        try:
            async with asyncio.timeout(LIST_TIMEOUT_SECONDS):
                models = await provider.list_models()
        except BadRequest:
            # The server has no /models (404): list what we know, it may still chat fine.
            return self._table(config, available=True), CACHE_SECONDS
        except (LLMError, TimeoutError) as exc:
            reason = exc.explanation if isinstance(exc, LLMError) else "no answer in time"
            log.warning("llm.models_unavailable provider=%s reason=%s", config.name, reason)
            return self._table(config, available=False), ERROR_CACHE_SECONDS
        if config.kind == "openai":
            models = [m for m in models if m.model.startswith(_OPENAI_CHAT_PREFIXES)]
        return models, CACHE_SECONDS

    def _table(self, config: ProviderConfig, *, available: bool) -> list[ModelInfo]:
        return [
            self.info(config, f"{config.name}/{m}", available=available)
            for m in self._catalog.known(config.kind)
        ]

    def info(self, config: ProviderConfig, model_id: str, *, available: bool = True) -> ModelInfo:
        spec = self._catalog.spec(config.kind, model_id)
        return ModelInfo(
            id=model_id,
            provider=config.name,
            label=spec.label or model_id.split("/", 1)[1],
            context_length=spec.context_length,
            input_price=spec.input_price,
            output_price=spec.output_price,
            available=available,
            is_demo=config.kind == "demo",
        )
