"""The Gemini adapter, through the real `google-genai` SDK against a loopback fake."""

from __future__ import annotations

import pytest

from hearth.llm.errors import (
    CONNECT_FAILED,
    REGION_BLOCKED,
    AuthError,
    BadRequest,
    ContentFiltered,
    RateLimited,
    Timeout,
    Unavailable,
)
from hearth.llm.types import ChatMessage, GenerationParams, StreamEnd, Usage
from tests.fakes import FakeGemini, Reply
from tests.llm.collect import drain
from tests.llm.conftest import GEMINI_KEY, MESSAGES, gemini_provider

PARAMS = GenerationParams(temperature=0.5, max_tokens=50)


async def test_gemini_streams_text_and_usage_intact(gemini_fake: FakeGemini) -> None:
    gemini_fake.script(Reply(tokens=["Sea ", "breeze"], prompt_tokens=12))
    result = await drain(
        gemini_provider(gemini_fake).stream(MESSAGES, model="gemini-x", params=PARAMS)
    )
    assert result.error is None
    assert result.text == "Sea breeze"
    assert result.end == StreamEnd(Usage(12, 2), "stop")


async def test_gemini_gets_system_instruction_and_model_role(gemini_fake: FakeGemini) -> None:
    chat = [*MESSAGES, ChatMessage("assistant", "Hi!"), ChatMessage("user", "How are you?")]
    await drain(gemini_provider(gemini_fake).stream(chat, model="gemini-x", params=PARAMS))
    request = gemini_fake.requests[-1]
    body = request.json()
    assert "streamGenerateContent" in request.path and request.query == "alt=sse"
    assert request.headers["x-goog-api-key"] == GEMINI_KEY
    assert body["systemInstruction"]["parts"][0]["text"] == MESSAGES[0].content
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    assert body["generationConfig"]["maxOutputTokens"] == 50


async def test_gemini_keeps_later_system_messages_in_place_as_user_turns(
    gemini_fake: FakeGemini,
) -> None:
    chat = [
        ChatMessage("system", "You are Mira."),
        ChatMessage("user", "Hi"),
        ChatMessage("assistant", "Hello, traveller."),
        ChatMessage("system", "[Author's note: it is storming.]"),
        ChatMessage("user", "Is anyone here?"),
        ChatMessage("assistant", "Only me."),
        ChatMessage("system", "[Write Dana's next message in the chat.]"),
    ]
    await drain(gemini_provider(gemini_fake).stream(chat, model="gemini-x", params=PARAMS))
    body = gemini_fake.requests[-1].json()
    assert body["systemInstruction"]["parts"][0]["text"] == "You are Mira."
    assert [(c["role"], c["parts"][0]["text"]) for c in body["contents"]] == [
        ("user", "Hi"),
        ("model", "Hello, traveller."),
        ("user", "[Author's note: it is storming.]\n\nIs anyone here?"),
        ("model", "Only me."),
        ("user", "[Write Dana's next message in the chat.]"),
    ]


async def test_gemini_v1beta_api_version_is_served(gemini_fake: FakeGemini) -> None:
    provider = gemini_provider(gemini_fake, api_version="v1beta")
    result = await drain(provider.stream(MESSAGES, model="gemini-x", params=PARAMS))
    assert result.error is None
    assert gemini_fake.requests[-1].path.startswith("/v1beta/")


async def test_gemini_blocked_prompt_is_content_filtered(gemini_fake: FakeGemini) -> None:
    gemini_fake.script(Reply(blocked="SAFETY"))
    result = await drain(gemini_provider(gemini_fake).stream(MESSAGES, model="g", params=PARAMS))
    assert isinstance(result.error, ContentFiltered)


async def test_gemini_safety_finish_is_content_filtered(gemini_fake: FakeGemini) -> None:
    gemini_fake.script(Reply(finish_reason="SAFETY"))
    result = await drain(gemini_provider(gemini_fake).stream(MESSAGES, model="g", params=PARAMS))
    assert isinstance(result.error, ContentFiltered)


async def test_gemini_invalid_key_400_is_auth_error(gemini_fake: FakeGemini) -> None:
    gemini_fake.script(
        Reply(status=400, error_message="API key not valid. Please pass a valid API key.")
    )
    result = await drain(gemini_provider(gemini_fake).stream(MESSAGES, model="g", params=PARAMS))
    assert isinstance(result.error, AuthError)
    assert result.error.explanation == "key rejected"


async def test_gemini_unsupported_location_is_region_blocked(gemini_fake: FakeGemini) -> None:
    gemini_fake.script(
        Reply(
            status=400,
            error_type="FAILED_PRECONDITION",
            error_message="User location is not supported for the API use.",
        )
    )
    result = await drain(gemini_provider(gemini_fake).stream(MESSAGES, model="g", params=PARAMS))
    assert isinstance(result.error, AuthError)
    assert result.error.explanation == REGION_BLOCKED


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (401, AuthError),
        (403, AuthError),
        (404, BadRequest),
        (429, RateLimited),
        (500, Unavailable),
        (503, Unavailable),
    ],
)
async def test_gemini_error_status_maps_to_typed_error(
    gemini_fake: FakeGemini, status: int, error_class: type[Exception]
) -> None:
    gemini_fake.script(Reply(status=status))
    result = await drain(gemini_provider(gemini_fake).stream(MESSAGES, model="g", params=PARAMS))
    assert type(result.error) is error_class


async def test_gemini_cut_mid_stream_raises_after_partial_text(gemini_fake: FakeGemini) -> None:
    gemini_fake.script(Reply(tokens=["one ", "two ", "three"], cut_after=2))
    result = await drain(gemini_provider(gemini_fake).stream(MESSAGES, model="g", params=PARAMS))
    assert result.text == "one two "
    assert isinstance(result.error, Unavailable)


async def test_gemini_hang_is_timeout(gemini_fake: FakeGemini) -> None:
    gemini_fake.script(Reply(hang=True))
    provider = gemini_provider(gemini_fake, timeout=0.3)
    result = await drain(provider.stream(MESSAGES, model="g", params=PARAMS))
    assert isinstance(result.error, Timeout)


async def test_gemini_unreachable_base_url_says_cannot_connect() -> None:
    provider = gemini_provider(FakeGemini(), base_url="http://127.0.0.1:9")
    result = await drain(provider.stream(MESSAGES, model="g", params=PARAMS))
    assert isinstance(result.error, Unavailable)
    assert result.error.explanation == CONNECT_FAILED
