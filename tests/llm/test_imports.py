"""Start-up stays fast: importing the gateway (or the app) loads no provider SDK."""

from __future__ import annotations

import subprocess
import sys

import pytest

SDKS = ("openai", "anthropic", "google.genai", "httpx2")


@pytest.mark.parametrize(
    "module", ["hearth.llm.gateway", "hearth.llm.router", "hearth.llm.cli", "hearth.app"]
)
def test_importing_does_not_import_provider_sdks(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"loaded = [m for m in {SDKS!r} if m in sys.modules]\n"
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


FIRST_REPLY = """
import asyncio, sys
from hearth.llm.sdk_import import prepare_provider
from hearth.llm.types import ChatMessage, GenerationParams
from tests.fakes import {fake}
from tests.llm.conftest import {make}

async def main():
    with {fake}() as server:
        provider = {make}(server)
        await prepare_provider({kind!r}, provider)
        adapter = sys.modules[type(provider).__module__]
        built = []
        adapter.build_http_client = lambda **options: built.append(options)
        before = set(sys.modules)
        await provider.complete(
            [ChatMessage("user", "Hi")], model="fake-model", params=GenerationParams()
        )
        await provider.aclose()
    print(len(built))
    print(",".join(sorted(set(sys.modules) - before)))

asyncio.run(main())
"""


@pytest.mark.parametrize(
    ("kind", "fake", "make"),
    [
        ("openai", "FakeOpenAI", "openai_provider"),
        ("anthropic", "FakeAnthropic", "anthropic_provider"),
        ("gemini", "FakeGemini", "gemini_provider"),
    ],
)
def test_after_the_preload_a_first_reply_imports_and_builds_nothing_on_the_event_loop(
    kind: str, fake: str, make: str
) -> None:
    code = FIRST_REPLY.format(kind=kind, fake=fake, make=make)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    clients_built, imported = result.stdout.split("\n")[:2]
    assert clients_built == "0"  # the SDK client (and its TLS context) was built in a thread
    assert set(filter(None, imported.split(","))) <= {"importlib.readers"}  # 0.1 ms, stdlib
