"""The provider SDKs, imported off the event loop before they are first needed.

An import costs 0.7-1.4 s of CPU (PROTOCOLS.md). Left to the first request of a worker, it
holds up every request of that worker meanwhile; left to `hearth llm check`, it would be
counted as the provider's latency.
"""

from __future__ import annotations

import asyncio
import importlib

# What each kind of provider imports on first use.
SDK_MODULES = {
    "openai": "openai",
    "openrouter": "openai",
    "yandex": "openai",
    "local": "openai",
    "anthropic": "anthropic",
    "gemini": "google.genai",
}


async def import_sdk(kind: str) -> None:
    """Import the SDK of a provider `kind` in a thread (nothing for kinds without one)."""
    if kind in SDK_MODULES:
        await asyncio.to_thread(importlib.import_module, SDK_MODULES[kind])
