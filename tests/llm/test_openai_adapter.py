"""The OpenAI-compatible adapter, through the real `openai` SDK against a loopback fake."""

from __future__ import annotations

import threading

import pytest

from hearth.llm.adapters.openai_compat import REASONING_TOKENS
from hearth.llm.errors import (
    CONNECT_FAILED,
    REGION_BLOCKED,
    AuthError,
    BadRequest,
    ContentFiltered,
    QuotaExceeded,
    RateLimited,
    Timeout,
    Unavailable,
)
from hearth.llm.types import ChatMessage, GenerationParams, StreamEnd, TextDelta, Usage
from tests.fakes import FakeOpenAI, Reply
from tests.llm.collect import drain
from tests.llm.conftest import MESSAGES, OPENAI_KEY, openai_provider

PARAMS = GenerationParams(temperature=0.7, max_tokens=64)


async def test_openai_streams_text_and_usage_intact(openai_fake: FakeOpenAI) -> None:
    openai_fake.script(Reply(tokens=["Hel", "lo", ", ", "traveller"], prompt_tokens=21))
    result = await drain(
        openai_provider(openai_fake).stream(MESSAGES, model="gpt-x", params=PARAMS)
    )
    assert result.error is None
    assert [e.text for e in result.events if isinstance(e, TextDelta)] == [
        "Hel",
        "lo",
        ", ",
        "traveller",
    ]
    assert result.end == StreamEnd(Usage(21, 4), "stop")


async def test_openai_request_asks_for_usage_and_sends_the_chat(openai_fake: FakeOpenAI) -> None:
    await drain(openai_provider(openai_fake).stream(MESSAGES, model="gpt-x", params=PARAMS))
    body = openai_fake.requests[-1].json()
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["model"] == "gpt-x"
    assert body["messages"][0] == {"role": "system", "content": MESSAGES[0].content}
    assert body["temperature"] == 0.7 and body["max_tokens"] == 64
    assert openai_fake.requests[-1].headers["authorization"] == f"Bearer {OPENAI_KEY}"


@pytest.mark.parametrize("model", ["gpt-5-mini", "o4-mini"])
async def test_openai_reasoning_models_get_a_cap_with_room_to_reason_and_no_sampling_parameters(
    openai_fake: FakeOpenAI, model: str
) -> None:
    """The fake refuses `max_tokens` and `temperature` for these models, as OpenAI does."""
    params = GenerationParams(temperature=0.7, top_p=0.9, max_tokens=64, stop=("END",))
    result = await drain(openai_provider(openai_fake).stream(MESSAGES, model=model, params=params))

    assert result.error is None and result.text == "Hello, world!"
    body = openai_fake.requests[-1].json()
    assert body["max_completion_tokens"] == 64 + REASONING_TOKENS
    assert not {"max_tokens", "temperature", "top_p", "stop"} & body.keys()


async def test_other_models_and_compatible_servers_keep_the_usual_parameters(
    openai_fake: FakeOpenAI,
) -> None:
    chat_model = openai_provider(openai_fake)
    await drain(chat_model.stream(MESSAGES, model="gpt-5-chat-latest", params=PARAMS))
    router = openai_provider(openai_fake, kind="openrouter", name="openrouter")
    await drain(router.stream(MESSAGES, model="openai/gpt-5", params=PARAMS))

    for request in openai_fake.requests:
        assert request.json()["max_tokens"] == 64 and request.json()["temperature"] == 0.7


async def test_openai_request_is_utf8_json_with_every_character_intact(
    openai_fake: FakeOpenAI,
) -> None:
    text = 'Привет, "Лиса" \\ 🦊 ¿qué tal?\nnew line'
    messages = [*MESSAGES, ChatMessage("user", text)]
    await drain(openai_provider(openai_fake).stream(messages, model="m", params=PARAMS))
    request = openai_fake.requests[-1]
    assert request.headers["content-type"] == "application/json"
    assert "Привет".encode() in request.body  # UTF-8 on the wire, not \u escapes
    assert request.json()["messages"][-1] == {"role": "user", "content": text}


async def test_openai_tolerates_null_choices_in_the_usage_chunk(openai_fake: FakeOpenAI) -> None:
    openai_fake.script(Reply(null_choices=True))
    result = await drain(openai_provider(openai_fake).stream(MESSAGES, model="m", params=PARAMS))
    assert result.text == "Hello, world!"
    assert result.end.usage == Usage(11, 4)


async def test_openai_stream_without_usage_gets_an_estimate(openai_fake: FakeOpenAI) -> None:
    openai_fake.script(Reply(usage=False))
    result = await drain(openai_provider(openai_fake).stream(MESSAGES, model="m", params=PARAMS))
    assert result.end.usage_estimated is True
    assert result.end.usage.prompt_tokens > 0 and result.end.usage.completion_tokens > 0


async def test_openai_complete_returns_the_whole_text(openai_fake: FakeOpenAI) -> None:
    completion = await openai_provider(openai_fake).complete(MESSAGES, model="m", params=PARAMS)
    assert completion.text == "Hello, world!"
    assert completion.finish_reason == "stop"


@pytest.mark.parametrize(
    ("reply", "error_class"),
    [
        (Reply(status=401), AuthError),
        (Reply(status=402), QuotaExceeded),
        (Reply(status=403), AuthError),
        (Reply(status=400), BadRequest),
        (Reply(status=404), BadRequest),
        (Reply(status=422), BadRequest),
        (Reply(status=500), Unavailable),
        (Reply(status=503), Unavailable),
        (Reply(status=429), RateLimited),
    ],
    ids=lambda v: str(v.status) if isinstance(v, Reply) else v.__name__,
)
async def test_openai_error_status_maps_to_typed_error(
    openai_fake: FakeOpenAI, reply: Reply, error_class: type[Exception]
) -> None:
    openai_fake.script(reply)
    result = await drain(openai_provider(openai_fake).stream(MESSAGES, model="m", params=PARAMS))
    assert type(result.error) is error_class
    assert result.events == []


async def test_openai_429_insufficient_quota_is_quota_exceeded(openai_fake: FakeOpenAI) -> None:
    openai_fake.script(
        Reply(
            status=429,
            error_code="insufficient_quota",
            error_message="You exceeded your current quota",
        )
    )
    result = await drain(openai_provider(openai_fake).stream(MESSAGES, model="m", params=PARAMS))
    assert isinstance(result.error, QuotaExceeded)
    assert result.error.explanation == "quota exhausted on this key"


async def test_openai_429_carries_retry_after_from_the_header(openai_fake: FakeOpenAI) -> None:
    openai_fake.script(Reply(status=429, headers={"retry-after": "7"}))
    result = await drain(openai_provider(openai_fake).stream(MESSAGES, model="m", params=PARAMS))
    assert isinstance(result.error, RateLimited)
    assert result.error.retry_after == 7.0


async def test_openai_403_about_region_says_region_blocked(openai_fake: FakeOpenAI) -> None:
    openai_fake.script(
        Reply(
            status=403,
            error_code="unsupported_country_region_territory",
            error_message="Country, region, or territory not supported",
        )
    )
    result = await drain(openai_provider(openai_fake).stream(MESSAGES, model="m", params=PARAMS))
    assert isinstance(result.error, AuthError)
    assert result.error.explanation == REGION_BLOCKED


async def test_openai_hang_before_first_token_is_timeout(openai_fake: FakeOpenAI) -> None:
    openai_fake.script(Reply(hang=True))
    provider = openai_provider(openai_fake, timeout=0.3)
    result = await drain(provider.stream(MESSAGES, model="m", params=PARAMS))
    assert isinstance(result.error, Timeout)


async def test_openai_cut_mid_stream_raises_after_the_partial_text(openai_fake: FakeOpenAI) -> None:
    read = threading.Event()
    openai_fake.script(Reply(tokens=["one ", "two ", "three"], cut_after=2, cut_when=read))
    result = await drain(
        openai_provider(openai_fake).stream(MESSAGES, model="m", params=PARAMS),
        once_read=("one two ", read),
    )
    assert result.text == "one two "
    assert isinstance(result.error, Unavailable)
    assert not any(isinstance(e, StreamEnd) for e in result.events)


async def test_openai_error_event_mid_stream_raises_after_the_partial_text(
    openai_fake: FakeOpenAI,
) -> None:
    openai_fake.script(Reply(tokens=["one ", "two"], error_after=1))
    result = await drain(openai_provider(openai_fake).stream(MESSAGES, model="m", params=PARAMS))
    assert result.text == "one "
    assert isinstance(result.error, Unavailable)


async def test_openai_content_filter_finish_is_content_filtered(openai_fake: FakeOpenAI) -> None:
    openai_fake.script(Reply(finish_reason="content_filter"))
    result = await drain(openai_provider(openai_fake).stream(MESSAGES, model="m", params=PARAMS))
    assert isinstance(result.error, ContentFiltered)


async def test_openai_unreachable_base_url_says_cannot_connect() -> None:
    fake = FakeOpenAI()
    provider = openai_provider(fake, base_url="http://127.0.0.1:9/v1")
    result = await drain(provider.stream(MESSAGES, model="m", params=PARAMS))
    assert isinstance(result.error, Unavailable)
    assert result.error.explanation == CONNECT_FAILED


async def test_openai_error_message_never_echoes_the_key(openai_fake: FakeOpenAI) -> None:
    openai_fake.script(Reply(status=401, error_message=f"Incorrect API key provided: {OPENAI_KEY}"))
    result = await drain(openai_provider(openai_fake).stream(MESSAGES, model="m", params=PARAMS))
    assert result.error is not None
    assert OPENAI_KEY not in str(result.error) and OPENAI_KEY not in result.error.message


async def test_openrouter_sends_referer_and_title_headers(openai_fake: FakeOpenAI) -> None:
    provider = openai_provider(
        openai_fake,
        name="openrouter",
        kind="openrouter",
        headers={"HTTP-Referer": "https://hearth.example", "X-Title": "Hearth"},
    )
    await drain(provider.stream(MESSAGES, model="google/gemma:free", params=PARAMS))
    request = openai_fake.requests[-1]
    assert request.headers["http-referer"] == "https://hearth.example"
    assert request.headers["x-title"] == "Hearth"
    assert request.json()["model"] == "google/gemma:free"


async def test_yandex_builds_the_model_uri_and_sends_the_folder(openai_fake: FakeOpenAI) -> None:
    provider = openai_provider(openai_fake, name="yandex", kind="yandex", folder_id="b1gfolder")
    await drain(
        provider.stream(MESSAGES, model="yandexgpt-lite", params=GenerationParams(top_p=0.5))
    )
    request = openai_fake.requests[-1]
    assert request.json()["model"] == "gpt://b1gfolder/yandexgpt-lite/latest"
    assert "top_p" not in request.json()  # Yandex honours only temperature and max_tokens
    assert request.headers["openai-project"] == "b1gfolder"


async def test_local_server_models_come_from_its_own_list(openai_fake: FakeOpenAI) -> None:
    openai_fake.models = ["llama3.2", "qwen2.5"]
    provider = openai_provider(openai_fake, name="local", kind="local", api_key=None)
    models = await provider.list_models()
    assert [m.id for m in models] == ["local/llama3.2", "local/qwen2.5"]
    assert all(m.context_length == 8192 and m.input_price == 0 for m in models)
