"""API keys never leave the process: not in logs, errors, model lists or check output."""

from __future__ import annotations

import logging

import pytest

from hearth.llm.check import check_providers, render_checks
from hearth.llm.gateway import LLMGateway
from tests.fakes import FakeAnthropic, FakeGemini, FakeOpenAI, Reply
from tests.llm.collect import drain
from tests.llm.conftest import ANTHROPIC_KEY, GEMINI_KEY, MESSAGES, OPENAI_KEY, llm_settings


def gateway_with_all(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic, gemini_fake: FakeGemini
) -> LLMGateway:
    return LLMGateway(
        llm_settings(
            openai_api_key=OPENAI_KEY,
            openai_base_url=openai_fake.base_url,
            anthropic_api_key=ANTHROPIC_KEY,
            anthropic_base_url=anthropic_fake.base_url,
            gemini_api_key=GEMINI_KEY,
            gemini_base_url=gemini_fake.base_url,
            fallback_models=["anthropic/claude-haiku-4-5", "gemini/gemini-2.5-flash"],
        )
    )


async def test_keys_never_appear_in_logs_even_at_debug_level(
    openai_fake: FakeOpenAI,
    anthropic_fake: FakeAnthropic,
    gemini_fake: FakeGemini,
    caplog: pytest.LogCaptureFixture,
) -> None:
    openai_fake.script(Reply(status=401, error_message=f"Incorrect API key provided: {OPENAI_KEY}"))
    anthropic_fake.script(Reply(status=401, error_message=f"invalid x-api-key {ANTHROPIC_KEY}"))
    caplog.set_level(logging.DEBUG)
    result = await drain(
        gateway_with_all(openai_fake, anthropic_fake, gemini_fake).stream(MESSAGES)
    )
    assert result.text == "Hello, world!"
    assert caplog.records, "expected the failed attempts to be logged"
    for key in (OPENAI_KEY, ANTHROPIC_KEY, GEMINI_KEY):
        assert key not in caplog.text


async def test_keys_never_appear_in_model_lists(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic, gemini_fake: FakeGemini
) -> None:
    models = await gateway_with_all(openai_fake, anthropic_fake, gemini_fake).list_models()
    dumped = repr(models)
    for key in (OPENAI_KEY, ANTHROPIC_KEY, GEMINI_KEY):
        assert key not in dumped


async def test_keys_never_appear_in_check_output(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic, gemini_fake: FakeGemini
) -> None:
    openai_fake.default_reply = Reply(
        status=401, error_message=f"Incorrect API key provided: {OPENAI_KEY}"
    )
    checks = await check_providers(gateway_with_all(openai_fake, anthropic_fake, gemini_fake))
    output = render_checks(checks) + repr(checks)
    for key in (OPENAI_KEY, ANTHROPIC_KEY, GEMINI_KEY):
        assert key not in output


def test_provider_config_repr_hides_the_key() -> None:
    gateway = LLMGateway(llm_settings(openai_api_key=OPENAI_KEY))
    assert OPENAI_KEY not in repr(gateway.provider_configs)
    assert OPENAI_KEY not in repr(gateway.settings)
