"""`hearth llm check`: ask every configured provider for one word and say plainly what happened."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass

from hearth.llm.errors import LLMError
from hearth.llm.gateway import LLMGateway
from hearth.llm.models import LLMProviderRecord
from hearth.llm.sdk_import import prepare_provider
from hearth.llm.types import ChatMessage, GenerationParams

PROBE = [ChatMessage("user", "Reply with the single word: OK")]
PROBE_PARAMS = GenerationParams(temperature=0.0, max_tokens=5)

ENV_HINT = """\
No LLM provider is configured: Hearth answers with the offline demo model only.
Set at least one of these (then run `hearth llm check` again):
  OPENAI_API_KEY                         OpenAI
  ANTHROPIC_API_KEY                      Anthropic Claude
  GEMINI_API_KEY                         Google Gemini
  OPENROUTER_API_KEY                     OpenRouter
  YANDEX_API_KEY + YANDEX_FOLDER_ID      YandexGPT
  HEARTH_LOCAL_LLM_BASE_URL              a local OpenAI-compatible server
                                         (e.g. http://127.0.0.1:11434/v1 for Ollama)
Optional: HEARTH_DEFAULT_MODEL, HEARTH_FALLBACK_MODELS, HEARTH_LLM_PROXY."""
ALL_DISABLED_HINT = """\
Every stored provider is disabled: Hearth answers with the offline demo model only.
Enable one in the admin console (Admin > Providers), or configure one in the environment."""
DISABLED_STATUS = "disabled, not contacted"


@dataclass(frozen=True, slots=True)
class ProviderCheck:
    provider: str
    model: str
    ok: bool
    status: str  # "OK" or the typed error's plain-words explanation
    latency_ms: int | None
    code: str | None = None  # the typed error's code when it failed
    detail: str | None = None  # the provider's own (key-free) message
    disabled: bool = False  # stored but switched off by an administrator: never called

    @property
    def failed(self) -> bool:
        """It was called and did not answer well (a disabled provider has not failed)."""
        return not self.ok and not self.disabled


def disabled_checks(
    gateway: LLMGateway, records: Iterable[LLMProviderRecord]
) -> list[ProviderCheck]:
    """A row for each stored provider an administrator disabled, listed so nobody wonders
    where it went, never contacted. One named like a provider the gateway serves (from the
    environment) is left out: that one serves, and is checked."""
    rows = []
    for record in records:
        if record.enabled or gateway.provider_config(record.name) is not None:
            continue
        default_model = (record.extra or {}).get("default_model")
        model = f"{record.name}/{default_model}" if default_model else "-"
        rows.append(ProviderCheck(record.name, model, False, DISABLED_STATUS, None, disabled=True))
    return rows


async def _prepare(gateway: LLMGateway, name: str) -> None:
    """The provider's SDK imported and client built: not part of the measured latency."""
    config = gateway.provider_config(name)
    if config is not None:
        provider, _model = gateway.resolve(gateway.default_model_for(name))
        await prepare_provider(config.kind, provider)


async def check_provider(
    gateway: LLMGateway, name: str, *, wait_seconds: float = 30.0
) -> ProviderCheck:
    await _prepare(gateway, name)
    return await _probe(gateway, name, wait_seconds)


async def _probe(gateway: LLMGateway, name: str, wait_seconds: float) -> ProviderCheck:
    model_id = gateway.default_model_for(name)
    provider, model = gateway.resolve(model_id)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(wait_seconds):
            await provider.complete(PROBE, model=model, params=PROBE_PARAMS)
    except LLMError as exc:
        return ProviderCheck(
            name, model_id, False, exc.explanation, _ms(started), exc.code, exc.message
        )
    except TimeoutError:
        return ProviderCheck(
            name, model_id, False, "no answer in time", _ms(started), "llm_timeout"
        )
    return ProviderCheck(name, model_id, True, "OK", _ms(started))


async def check_providers(
    gateway: LLMGateway, *, wait_seconds: float = 30.0
) -> list[ProviderCheck]:
    """Probe every configured real provider concurrently; the demo is not checked.

    Every SDK is ready before the first probe starts: importing one takes 0.6-2 s of CPU
    (in its thread, holding the interpreter most of that time), which counted in the
    latency of a probe already running.
    """
    names = [config.name for config in gateway.provider_configs]
    await asyncio.gather(*(_prepare(gateway, n) for n in names))
    return list(await asyncio.gather(*(_probe(gateway, n, wait_seconds) for n in names)))


def render_checks(checks: list[ProviderCheck]) -> str:
    if not checks:
        return ENV_HINT
    rows = [("PROVIDER", "MODEL", "STATUS", "LATENCY")]
    for check in checks:
        latency = f"{check.latency_ms} ms" if check.latency_ms is not None else "-"
        rows.append((check.provider, check.model, check.status, latency))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    ]
    failed = [c for c in checks if c.failed]
    if failed:
        lines.append("")
        lines += [f"{c.provider}: {c.detail}" for c in failed if c.detail]
    if all(c.disabled for c in checks):
        lines += ["", ALL_DISABLED_HINT]
    return "\n".join(lines)


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
