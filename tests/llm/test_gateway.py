"""The gateway: default model, fallback before the first token only, retries, breaker."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from hearth.llm.breaker import CircuitBreaker
from hearth.llm.errors import AuthError, BadRequest, QuotaExceeded, Unavailable, UnknownModel
from hearth.llm.gateway import LLMGateway
from hearth.llm.retry import RetryPolicy
from hearth.llm.settings import ModelOverride
from hearth.llm.types import StreamEnd, StreamStart
from tests.fakes import FakeAnthropic, FakeOpenAI, Reply
from tests.llm.collect import drain
from tests.llm.conftest import ANTHROPIC_KEY, MESSAGES, OPENAI_KEY, llm_settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def two_provider_gateway(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic, **options: Any
) -> LLMGateway:
    settings = llm_settings(
        openai_api_key=OPENAI_KEY,
        openai_base_url=openai_fake.base_url,
        anthropic_api_key=ANTHROPIC_KEY,
        anthropic_base_url=anthropic_fake.base_url,
        default_model="openai/gpt-4o-mini",
        fallback_models=["anthropic/claude-haiku-4-5"],
    )
    options.setdefault("sleep", Sleeps())
    return LLMGateway(settings, **options)


def test_demo_is_the_default_only_when_no_real_provider_is_configured() -> None:
    assert LLMGateway(llm_settings()).default_model == "demo/demo"
    gateway = LLMGateway(llm_settings(gemini_api_key="g-key"))
    assert gateway.default_model == "gemini/gemini-2.5-flash"


def test_default_model_setting_is_ignored_when_its_provider_is_not_configured() -> None:
    gateway = LLMGateway(llm_settings(anthropic_api_key="a-key", default_model="openai/gpt-4o"))
    assert gateway.default_model == "anthropic/claude-haiku-4-5"


def test_default_model_setting_wins_when_its_provider_is_configured() -> None:
    gateway = LLMGateway(
        llm_settings(
            openai_api_key="k", anthropic_api_key="a", default_model="anthropic/claude-opus-4-6"
        )
    )
    assert gateway.default_model == "anthropic/claude-opus-4-6"


def test_fallback_models_are_read_in_order_from_a_comma_separated_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEARTH_FALLBACK_MODELS", "openai/gpt-4o, anthropic/claude-sonnet-4-6 ,")
    from hearth.llm.settings import LLMSettings

    assert LLMSettings(_env_file=None).fallback_models == [  # type: ignore[call-arg]
        "openai/gpt-4o",
        "anthropic/claude-sonnet-4-6",
    ]


async def test_stream_starts_by_naming_the_model_that_serves(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic
) -> None:
    result = await drain(two_provider_gateway(openai_fake, anthropic_fake).stream(MESSAGES))
    assert result.events[0] == StreamStart("openai", "gpt-4o-mini")
    assert result.text == "Hello, world!"
    assert isinstance(result.events[-1], StreamEnd)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=401),
        Reply(status=429, error_code="insufficient_quota"),
        Reply(status=503),
        Reply(hang=True),
        Reply(status=429),
    ],
    ids=["auth", "quota", "unavailable", "timeout", "rate_limited"],
)
async def test_failure_before_first_token_falls_back_to_the_next_model(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic, reply: Reply
) -> None:
    openai_fake.default_reply = reply
    result = await drain(two_provider_gateway(openai_fake, anthropic_fake).stream(MESSAGES))
    assert result.error is None
    assert result.events[0] == StreamStart("anthropic", "claude-haiku-4-5")
    assert result.text == "Hello, world!"


async def test_failure_after_first_token_propagates_without_switching(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic
) -> None:
    read = threading.Event()
    openai_fake.script(Reply(tokens=["Once ", "upon"], cut_after=1, cut_when=read))
    result = await drain(
        two_provider_gateway(openai_fake, anthropic_fake).stream(MESSAGES),
        once_read=("Once ", read),
    )
    assert result.events[0] == StreamStart("openai", "gpt-4o-mini")
    assert result.text == "Once "
    assert isinstance(result.error, Unavailable)
    assert anthropic_fake.requests == []


async def test_bad_request_is_not_hidden_by_fallback(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic
) -> None:
    openai_fake.script(Reply(status=400, error_message="max_tokens is too large"))
    result = await drain(two_provider_gateway(openai_fake, anthropic_fake).stream(MESSAGES))
    assert isinstance(result.error, BadRequest)
    assert anthropic_fake.requests == []


async def test_transient_failure_is_retried_with_backoff_before_first_token(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic
) -> None:
    openai_fake.script(Reply(status=503))
    sleeps = Sleeps()
    gateway = two_provider_gateway(openai_fake, anthropic_fake, sleep=sleeps)
    result = await drain(gateway.stream(MESSAGES))
    assert result.events[0] == StreamStart("openai", "gpt-4o-mini")
    assert len(openai_fake.requests) == 2
    assert sleeps.delays == [0.5]


async def test_auth_failure_is_not_retried(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic
) -> None:
    openai_fake.default_reply = Reply(status=401)
    await drain(two_provider_gateway(openai_fake, anthropic_fake).stream(MESSAGES))
    assert len(openai_fake.requests) == 1


async def test_when_every_model_fails_the_requested_models_error_is_raised_with_all_attempts(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic
) -> None:
    openai_fake.default_reply = Reply(status=401)
    anthropic_fake.default_reply = Reply(status=402)
    result = await drain(two_provider_gateway(openai_fake, anthropic_fake).stream(MESSAGES))
    assert isinstance(result.error, AuthError)
    assert [type(e) for e in result.error.attempts] == [AuthError, QuotaExceeded]
    assert result.events == []


async def test_unconfigured_model_falls_back_to_the_chain(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic
) -> None:
    gateway = two_provider_gateway(openai_fake, anthropic_fake)
    result = await drain(gateway.stream(MESSAGES, model_id="gemini/gemini-2.5-flash"))
    assert result.events[0] == StreamStart("anthropic", "claude-haiku-4-5")


async def test_unknown_model_without_fallback_is_unknown_model() -> None:
    result = await drain(LLMGateway(llm_settings()).stream(MESSAGES, model_id="nope/x"))
    assert isinstance(result.error, UnknownModel)


async def test_circuit_opens_after_consecutive_failures_and_skips_the_provider(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic
) -> None:
    clock = Clock()
    gateway = two_provider_gateway(
        openai_fake,
        anthropic_fake,
        breaker=CircuitBreaker(threshold=2, cooldown=30, clock=clock),
        retry=RetryPolicy(attempts=1),
    )
    openai_fake.default_reply = Reply(status=500)
    for _ in range(2):
        await drain(gateway.stream(MESSAGES))
    assert len(openai_fake.requests) == 2

    result = await drain(gateway.stream(MESSAGES))
    assert len(openai_fake.requests) == 2  # skipped while open
    assert result.events[0] == StreamStart("anthropic", "claude-haiku-4-5")


async def test_circuit_half_opens_after_cooldown_and_closes_on_success(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic
) -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown=30, clock=clock)
    gateway = two_provider_gateway(
        openai_fake, anthropic_fake, breaker=breaker, retry=RetryPolicy(attempts=1)
    )
    openai_fake.script(Reply(status=500))
    await drain(gateway.stream(MESSAGES))
    assert breaker.state("openai") == "open"

    clock.now += 31
    result = await drain(gateway.stream(MESSAGES))
    assert result.events[0] == StreamStart("openai", "gpt-4o-mini")
    assert breaker.state("openai") == "closed"


async def test_complete_reports_the_model_that_served(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic
) -> None:
    openai_fake.default_reply = Reply(status=401)
    completion = await two_provider_gateway(openai_fake, anthropic_fake).complete(MESSAGES)
    assert completion.text == "Hello, world!"
    assert completion.model_id == "anthropic/claude-haiku-4-5"


def test_known_model_has_table_context_length_and_price() -> None:
    gateway = LLMGateway(llm_settings(openai_api_key="k"))
    assert gateway.context_length("openai/gpt-4o-mini") == 128_000
    assert gateway.price("openai/gpt-4o-mini").input_per_million == 0.15


def test_unknown_model_of_a_configured_provider_gets_conservative_defaults() -> None:
    gateway = LLMGateway(llm_settings(openai_api_key="k"))
    assert gateway.context_length("openai/brand-new-model") == 8192
    assert gateway.price("openai/brand-new-model").output_per_million == 0.0


def test_model_overrides_change_context_length_and_price() -> None:
    overrides = {"openai/gpt-4o-mini": ModelOverride(context_length=64_000, output_price=1.0)}
    gateway = LLMGateway(llm_settings(openai_api_key="k", model_overrides=overrides))
    assert gateway.context_length("openai/gpt-4o-mini") == 64_000
    price = gateway.price("openai/gpt-4o-mini")
    assert (price.input_per_million, price.output_per_million) == (0.15, 1.0)


async def test_list_models_marks_a_dead_server_unavailable_and_labels_the_demo(
    openai_fake: FakeOpenAI,
) -> None:
    settings = llm_settings(
        local_base_url=openai_fake.base_url,
        local_model="llama3.2",
        openai_api_key="k",
        openai_base_url="http://127.0.0.1:9/v1",
    )
    openai_fake.models = ["llama3.2", "qwen2.5"]
    models = {m.id: m for m in await LLMGateway(settings).list_models()}
    assert models["local/llama3.2"].available and models["local/qwen2.5"].available
    assert models["openai/gpt-4o-mini"].available is False
    demo = models["demo/demo"]
    assert demo.is_demo and "not a real AI" in demo.label


async def test_list_models_caches_the_server_list(openai_fake: FakeOpenAI) -> None:
    gateway = LLMGateway(llm_settings(local_base_url=openai_fake.base_url))
    await gateway.list_models()
    await gateway.list_models()
    assert sum(r.path.endswith("/models") for r in openai_fake.requests) == 1
