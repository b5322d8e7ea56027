"""The one door to the LLMs: resolve `provider/model`, stream with fallback, know prices."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from hearth.llm.base import Provider
from hearth.llm.breaker import CircuitBreaker
from hearth.llm.catalog import DEFAULT_MODELS, Catalog
from hearth.llm.errors import LLMError, Unavailable, UnknownModel
from hearth.llm.model_list import ModelLister
from hearth.llm.registry import ProviderConfig, build_provider, configs_from_settings
from hearth.llm.retry import RetryPolicy
from hearth.llm.settings import LLMSettings
from hearth.llm.types import (
    ChatMessage,
    Completion,
    GatewayEvent,
    GenerationParams,
    ModelInfo,
    StreamEnd,
    StreamStart,
    TextDelta,
    Usage,
    split_model_id,
)

log = logging.getLogger(__name__)

DEMO_MODEL_ID = "demo/demo"
DEMO_CONFIG = ProviderConfig("demo", "demo")


@dataclass(frozen=True, slots=True)
class Price:
    input_per_million: float
    output_per_million: float

    def cost(self, usage: Usage) -> float:
        return (
            usage.prompt_tokens * self.input_per_million
            + usage.completion_tokens * self.output_per_million
        ) / 1_000_000


@dataclass(slots=True)
class _Entry:
    config: ProviderConfig
    provider: Provider


class LLMGateway:
    def __init__(
        self,
        settings: LLMSettings,
        *,
        breaker: CircuitBreaker | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.catalog = Catalog(settings.model_overrides)
        self.breaker = breaker or CircuitBreaker(clock=clock)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._lister = ModelLister(self.catalog, clock)
        self._entries: dict[str, _Entry] = {}
        self._retired: list[Provider] = []
        self.env_configs = {c.name: c for c in configs_from_settings(settings)}
        for config in [*self.env_configs.values(), DEMO_CONFIG]:
            self.add_provider(config)

    # -- configuration ---------------------------------------------------------------

    def add_provider(self, config: ProviderConfig, provider: Provider | None = None) -> None:
        """Register (or replace) a provider; `provider` lets tests hand in a ready adapter."""
        built = provider or build_provider(
            config,
            catalog=self.catalog,
            proxy=self.settings.proxy,
            timeout=self.settings.timeout_seconds,
            demo_delay=self.settings.demo_delay_ms / 1000,
        )
        old = self._entries.pop(config.name, None)
        if old is not None:
            # The old SDK client is dropped; closing it needs a loop, so aclose() does it.
            self._retired.append(old.provider)
        self._entries[config.name] = _Entry(config, built)
        self._lister.forget(config.name)
        self.breaker.record_success(config.name)

    def remove_provider(self, name: str) -> None:
        """Forget a runtime provider; an env provider it had replaced comes back."""
        entry = self._entries.pop(name, None)
        if entry is not None:
            self._retired.append(entry.provider)
            self._lister.forget(name)
        if entry is not None and entry.config.source == "database" and name in self.env_configs:
            self.add_provider(self.env_configs[name])

    @property
    def provider_configs(self) -> list[ProviderConfig]:
        """Configured real providers (the demo excluded), in preference order."""
        return [e.config for e in self._entries.values() if e.config.kind != "demo"]

    @property
    def has_real_provider(self) -> bool:
        return bool(self.provider_configs)

    @property
    def default_model(self) -> str:
        """HEARTH_DEFAULT_MODEL if its provider is configured, else the first real provider's
        default, else the demo: the demo is never chosen while a real provider exists."""
        wanted = self.settings.default_model
        if wanted and self._serves(wanted):
            return wanted
        for config in self.provider_configs:
            model = config.default_model or DEFAULT_MODELS.get(config.kind, "default")
            return f"{config.name}/{model}"
        return DEMO_MODEL_ID

    def default_model_for(self, provider_name: str) -> str:
        """The model a provider is checked with: the global default if it is this provider's."""
        if self.default_model.startswith(f"{provider_name}/"):
            return self.default_model
        entry = self._entries.get(provider_name)
        if entry is None:
            raise UnknownModel(f"provider {provider_name!r} is not configured", provider_name)
        config = entry.config
        return f"{config.name}/{config.default_model or DEFAULT_MODELS.get(config.kind, 'default')}"

    def _serves(self, model_id: str) -> bool:
        provider, sep, model = model_id.partition("/")
        return bool(sep and model) and provider in self._entries

    def resolve(self, model_id: str) -> tuple[Provider, str]:
        """The provider serving `model_id` and the model name it expects."""
        try:
            name, model = split_model_id(model_id)
        except ValueError as exc:
            raise UnknownModel(str(exc), "gateway") from None
        entry = self._entries.get(name)
        if entry is None:
            raise UnknownModel(f"provider {name!r} is not configured", name)
        return entry.provider, model

    def provider(self, name: str) -> Provider | None:
        entry = self._entries.get(name)
        return entry.provider if entry else None

    def provider_config(self, name: str) -> ProviderConfig | None:
        entry = self._entries.get(name)
        return entry.config if entry else None

    # -- model facts -------------------------------------------------------------------

    def _kind(self, model_id: str) -> str:
        entry = self._entries.get(model_id.partition("/")[0])
        return entry.config.kind if entry else model_id.partition("/")[0]

    def context_length(self, model_id: str) -> int:
        return self.catalog.spec(self._kind(model_id), model_id).context_length

    def price(self, model_id: str) -> Price:
        spec = self.catalog.spec(self._kind(model_id), model_id)
        return Price(spec.input_price, spec.output_price)

    async def list_models(self) -> list[ModelInfo]:
        """Models of configured providers (with `available`), then the labelled demo."""
        wanted = [self.default_model, *self.settings.fallback_models]
        entries = list(self._entries.values())
        lists = await asyncio.gather(
            *(
                self._lister.models_of(
                    e.config, e.provider, [w for w in wanted if w.startswith(f"{e.config.name}/")]
                )
                for e in entries
            )
        )
        models: list[ModelInfo] = []
        for entry, listed in zip(entries, lists, strict=True):
            if self.breaker.state(entry.config.name) == "open":
                listed = [_unavailable(m) for m in listed]
            models.extend(listed)
        return sorted(models, key=lambda m: m.is_demo)  # the demo last

    # -- generation --------------------------------------------------------------------

    def fallback_chain(self, model_id: str | None) -> list[str]:
        chain: list[str] = []
        for candidate in [model_id or self.default_model, *self.settings.fallback_models]:
            if candidate not in chain:
                chain.append(candidate)
        return chain

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        model_id: str | None = None,
        params: GenerationParams | None = None,
    ) -> AsyncIterator[GatewayEvent]:
        """`StreamStart` (who serves), text deltas, `StreamEnd`.

        Before the first token a failing model is retried (transient errors) and then
        replaced by the next of HEARTH_FALLBACK_MODELS; after it, errors propagate.
        """
        params = params or GenerationParams()
        failures: list[LLMError] = []
        for candidate in self.fallback_chain(model_id):
            try:
                provider, model = self.resolve(candidate)
            except UnknownModel as exc:
                failures.append(exc)
                continue
            name = provider.name
            if not self.breaker.allow(name):
                failures.append(_circuit_open(name, self.breaker.retry_in(name)))
                continue
            attempt = 0
            while True:
                attempt += 1
                events = provider.stream(messages, model=model, params=params)
                try:
                    first = await anext(events)
                except LLMError as exc:
                    await _close(events)
                    self._record(name, exc)
                    log.warning(
                        "llm.attempt_failed model=%s attempt=%d code=%s reason=%s",
                        candidate,
                        attempt,
                        exc.code,
                        exc.explanation,
                    )
                    if not exc.falls_back:
                        exc.attempts = [*failures, exc]
                        raise
                    delay = self.retry.delay(exc, attempt)
                    if delay is not None:
                        await self._sleep(delay)
                        continue
                    failures.append(exc)
                    break
                try:
                    yield StreamStart(name, model)
                    yield first
                    async for event in events:
                        yield event
                except LLMError as exc:
                    self._record(name, exc)
                    log.warning("llm.stream_broken model=%s code=%s", candidate, exc.code)
                    raise
                finally:
                    await _close(events)
                self.breaker.record_success(name)
                return
        raise _exhausted(failures)

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model_id: str | None = None,
        params: GenerationParams | None = None,
    ) -> Completion:
        served: StreamStart | None = None
        parts: list[str] = []
        async for event in self.stream(messages, model_id=model_id, params=params):
            if isinstance(event, StreamStart):
                served = event
            elif isinstance(event, TextDelta):
                parts.append(event.text)
            elif isinstance(event, StreamEnd):
                model = served.model_id if served else None
                return Completion("".join(parts), event.usage, event.finish_reason, model)
        raise Unavailable("stream ended without StreamEnd", "gateway")

    def _record(self, name: str, error: LLMError) -> None:
        # Only provider-side failures count; a bad request proves the provider answers.
        if error.falls_back and not isinstance(error, UnknownModel):
            self.breaker.record_failure(name)
        else:
            self.breaker.record_success(name)

    async def aclose(self) -> None:
        providers = [e.provider for e in self._entries.values()] + self._retired
        self._retired = []
        for provider in providers:
            await provider.aclose()


async def _close(events: AsyncIterator[object]) -> None:
    aclose = getattr(events, "aclose", None)
    if aclose is not None:
        await aclose()


def _circuit_open(name: str, retry_in: float) -> Unavailable:
    return Unavailable(
        f"skipped: failed repeatedly, next try in {retry_in:.0f}s",
        name,
        explanation="skipped after repeated failures (circuit open)",
    )


def _exhausted(failures: list[LLMError]) -> LLMError:
    """The requested model's own error (the most telling), carrying every attempt."""
    error = failures[0] if failures else UnknownModel("no model to try", "gateway")
    error.attempts = list(failures)
    return error


def _unavailable(info: ModelInfo) -> ModelInfo:
    return replace(info, available=False)
