"""HEARTH_LLM_PROXY reaches each SDK's HTTP client.

The fake server doubles as the proxy: the base URLs point at hosts that do not exist, so a
request can only arrive (in proxy form, with an absolute URL) if the client used the proxy.
"""

from __future__ import annotations

import pytest

from hearth.llm.gateway import LLMGateway
from hearth.llm.settings import LLMSettings
from hearth.llm.types import GenerationParams
from tests.fakes import FakeAnthropic, FakeGemini, FakeOpenAI
from tests.llm.collect import drain
from tests.llm.conftest import MESSAGES, anthropic_provider, gemini_provider, openai_provider


async def test_proxy_reaches_the_openai_client(openai_fake: FakeOpenAI) -> None:
    provider = openai_provider(
        openai_fake, base_url="http://openai.invalid/v1", proxy=openai_fake.origin
    )
    result = await drain(provider.stream(MESSAGES, model="m", params=GenerationParams()))
    assert result.text == "Hello, world!"
    assert openai_fake.requests[-1].target == "http://openai.invalid/v1/chat/completions"


async def test_proxy_reaches_the_anthropic_client(anthropic_fake: FakeAnthropic) -> None:
    provider = anthropic_provider(
        anthropic_fake, base_url="http://anthropic.invalid", proxy=anthropic_fake.origin
    )
    result = await drain(provider.stream(MESSAGES, model="c", params=GenerationParams()))
    assert result.text == "Hello, world!"
    assert anthropic_fake.requests[-1].target == "http://anthropic.invalid/v1/messages"


async def test_proxy_reaches_the_gemini_client(gemini_fake: FakeGemini) -> None:
    provider = gemini_provider(
        gemini_fake, base_url="http://gemini.invalid", proxy=gemini_fake.origin
    )
    result = await drain(provider.stream(MESSAGES, model="g", params=GenerationParams()))
    assert result.text == "Hello, world!"
    assert gemini_fake.requests[-1].via_proxy
    assert gemini_fake.requests[-1].target.startswith("http://gemini.invalid/")


async def test_proxy_env_var_reaches_the_client_through_the_gateway(
    openai_fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEARTH_LLM_PROXY", openai_fake.origin)
    monkeypatch.setenv("HEARTH_LOCAL_LLM_BASE_URL", "http://ollama.invalid:11434/v1")
    monkeypatch.setenv("HEARTH_LOCAL_LLM_MODEL", "llama3.2")
    gateway = LLMGateway(LLMSettings(_env_file=None))  # type: ignore[call-arg]
    result = await drain(gateway.stream(MESSAGES))
    assert result.text == "Hello, world!"
    assert openai_fake.requests[-1].target == "http://ollama.invalid:11434/v1/chat/completions"
