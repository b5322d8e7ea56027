"""Fakes started once per session (each in its own thread), reset before every test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from hearth.llm.adapters import anthropic, http_client, openai_compat
from hearth.llm.adapters.anthropic import AnthropicProvider
from hearth.llm.adapters.gemini import GeminiProvider
from hearth.llm.adapters.openai_compat import OpenAICompatProvider
from hearth.llm.catalog import Catalog
from hearth.llm.settings import LLMSettings
from hearth.llm.types import ChatMessage
from tests.fakes import FakeAnthropic, FakeGemini, FakeOpenAI

OPENAI_KEY = "sk-test-openai-0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-test-0123456789abcdef"
GEMINI_KEY = "AIzaTestGemini0123456789abcdef"
SHORT_TIMEOUT = 1.0

MESSAGES = [
    ChatMessage("system", "You are Mira, a lighthouse keeper."),
    ChatMessage("user", "Hello there"),
]


@pytest.fixture(scope="session")
def _openai_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="session")
def _anthropic_server() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


@pytest.fixture(scope="session")
def _gemini_server() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


@pytest.fixture(autouse=True)
async def _close_http_clients(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """Closes the SDK clients a test made: an aiohttp session left open warns when collected
    (the app closes its providers at shutdown; tests make many and drop them)."""
    made: list[Any] = []

    def recording(**options: Any) -> Any:
        made.append(http_client.build_http_client(**options))
        return made[-1]

    for module in (openai_compat, anthropic):
        monkeypatch.setattr(module, "build_http_client", recording)
    yield
    for client in made:
        await client.aclose()


@pytest.fixture
def openai_fake(_openai_server: FakeOpenAI) -> FakeOpenAI:
    _openai_server.reset()
    return _openai_server


@pytest.fixture
def anthropic_fake(_anthropic_server: FakeAnthropic) -> FakeAnthropic:
    _anthropic_server.reset()
    return _anthropic_server


@pytest.fixture
def gemini_fake(_gemini_server: FakeGemini) -> FakeGemini:
    _gemini_server.reset()
    return _gemini_server


def openai_provider(fake: FakeOpenAI, **overrides: Any) -> OpenAICompatProvider:
    options: dict[str, Any] = {
        "name": "openai",
        "kind": "openai",
        "base_url": fake.base_url,
        "api_key": OPENAI_KEY,
        "catalog": Catalog(),
        "timeout": SHORT_TIMEOUT,
        **overrides,
    }
    return OpenAICompatProvider(**options)


def anthropic_provider(fake: FakeAnthropic, **overrides: Any) -> AnthropicProvider:
    options: dict[str, Any] = {
        "name": "anthropic",
        "api_key": ANTHROPIC_KEY,
        "base_url": fake.base_url,
        "catalog": Catalog(),
        "timeout": SHORT_TIMEOUT,
        **overrides,
    }
    return AnthropicProvider(**options)


def gemini_provider(fake: FakeGemini, **overrides: Any) -> GeminiProvider:
    options: dict[str, Any] = {
        "name": "gemini",
        "api_key": GEMINI_KEY,
        "base_url": fake.base_url,
        "catalog": Catalog(),
        "timeout": SHORT_TIMEOUT,
        **overrides,
    }
    return GeminiProvider(**options)


def llm_settings(**values: Any) -> LLMSettings:
    """Settings from `values` only: neither the environment nor a .env file leaks in."""
    blank: dict[str, Any] = {
        name: None
        for name in (
            "openai_api_key",
            "openrouter_api_key",
            "anthropic_api_key",
            "gemini_api_key",
            "yandex_api_key",
            "yandex_folder_id",
            "local_base_url",
            "local_api_key",
            "local_model",
            "default_model",
            "proxy",
            "openai_base_url",
            "openrouter_base_url",
            "anthropic_base_url",
            "gemini_base_url",
            "yandex_base_url",
        )
    }
    blank.update(fallback_models=[], demo_delay_ms=0, timeout_seconds=SHORT_TIMEOUT)
    return LLMSettings(_env_file=None, **{**blank, **values})  # type: ignore[call-arg]
