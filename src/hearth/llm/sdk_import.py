"""The provider SDKs, imported off the event loop before they are first needed.

An import costs 0.7-1.4 s of CPU (PROTOCOLS.md). Left to the first request of a worker, it
holds up every request of that worker meanwhile; left to `hearth llm check`, it would be
counted as the provider's latency.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hearth.llm.base import Provider

# Imported by an SDK's first request, not by importing it: the HTTP client's transport and
# TLS modules, and for OpenAI the chat resource (70-80 ms on the loop otherwise).
_HTTP = ("httpcore2", "truststore")
_OPENAI = (
    "openai",
    "openai.resources.chat.chat",
    "openai.resources.chat.completions.completions",
    *_HTTP,
)

# What each kind of provider imports on first use.
SDK_MODULES: dict[str, tuple[str, ...]] = {
    "openai": _OPENAI,
    "openrouter": _OPENAI,
    "yandex": _OPENAI,
    "local": _OPENAI,
    "anthropic": ("anthropic", "opentelemetry.propagate", *_HTTP),
    "gemini": (
        "google.genai",
        "google.auth.aio.credentials",
        "anyio._backends._asyncio",
        "anyio.streams.stapled",
        *_HTTP,
    ),
}


async def import_sdk(kind: str) -> None:
    """Import the SDK of a provider `kind` in a thread (nothing for kinds without one)."""
    if kind in SDK_MODULES:
        await asyncio.to_thread(_import_all, SDK_MODULES[kind])


async def prepare_provider(kind: str, provider: Provider) -> None:
    """Its SDK imported and its client built, both off the event loop."""
    await import_sdk(kind)
    await provider.warm_up()


def _import_all(modules: tuple[str, ...]) -> None:
    for module in modules:
        importlib.import_module(module)
