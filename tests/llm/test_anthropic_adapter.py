"""The Anthropic adapter, through the real `anthropic` SDK against a loopback fake."""

from __future__ import annotations

import threading

import pytest

from hearth.llm.adapters.turns import OPENING_USER_TURN
from hearth.llm.errors import (
    AuthError,
    BadRequest,
    QuotaExceeded,
    RateLimited,
    Timeout,
    Unavailable,
)
from hearth.llm.types import ChatMessage, GenerationParams, StreamEnd, Usage
from tests.fakes import FakeAnthropic, Reply
from tests.llm.collect import drain
from tests.llm.conftest import ANTHROPIC_KEY, MESSAGES, anthropic_provider

PARAMS = GenerationParams(max_tokens=100)


async def test_anthropic_streams_text_and_usage_intact(anthropic_fake: FakeAnthropic) -> None:
    anthropic_fake.script(Reply(tokens=["Ahoy", ", ", "friend"], prompt_tokens=30))
    result = await drain(
        anthropic_provider(anthropic_fake).stream(MESSAGES, model="claude-x", params=PARAMS)
    )
    assert result.error is None
    assert result.text == "Ahoy, friend"
    assert result.end == StreamEnd(Usage(30, 3), "stop")


async def test_anthropic_gets_the_system_prompt_apart_and_alternating_turns(
    anthropic_fake: FakeAnthropic,
) -> None:
    chat = [
        ChatMessage("system", "You are Mira."),
        ChatMessage("system", "Example of how Mira writes: Ahoy."),
        ChatMessage("assistant", "Welcome to the lighthouse."),
        ChatMessage("user", "Hi"),
        ChatMessage("user", "Is anyone here?"),
    ]
    await drain(anthropic_provider(anthropic_fake).stream(chat, model="claude-x", params=PARAMS))
    body = anthropic_fake.requests[-1].json()
    assert body["system"] == "You are Mira.\n\nExample of how Mira writes: Ahoy."
    assert body["messages"] == [
        {"role": "user", "content": OPENING_USER_TURN},
        {"role": "assistant", "content": "Welcome to the lighthouse."},
        {"role": "user", "content": "Hi\n\nIs anyone here?"},
    ]
    assert body["max_tokens"] == 100


async def test_anthropic_keeps_later_system_messages_in_place_as_user_turns(
    anthropic_fake: FakeAnthropic,
) -> None:
    chat = [
        ChatMessage("system", "You are Mira."),
        ChatMessage("assistant", "Welcome to the lighthouse."),
        ChatMessage("user", "Hi"),
        ChatMessage("assistant", "Hello, traveller."),
        ChatMessage("system", "[Author's note: it is storming.]"),
        ChatMessage("user", "Is anyone here?"),
        ChatMessage("system", "Stay in character."),
    ]
    await drain(anthropic_provider(anthropic_fake).stream(chat, model="claude-x", params=PARAMS))
    body = anthropic_fake.requests[-1].json()
    assert body["system"] == "You are Mira."
    assert body["messages"] == [
        {"role": "user", "content": OPENING_USER_TURN},
        {"role": "assistant", "content": "Welcome to the lighthouse."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello, traveller."},
        {
            "role": "user",
            "content": "[Author's note: it is storming.]\n\nIs anyone here?\n\nStay in character.",
        },
    ]


async def test_anthropic_impersonation_ends_on_a_user_turn_not_a_prefill(
    anthropic_fake: FakeAnthropic,
) -> None:
    chat = [
        ChatMessage("system", "You are Mira."),
        ChatMessage("user", "Hi"),
        ChatMessage("assistant", "Hello, traveller."),
        ChatMessage("system", "[Write Dana's next message in the chat.]"),
    ]
    await drain(anthropic_provider(anthropic_fake).stream(chat, model="claude-x", params=PARAMS))
    messages = anthropic_fake.requests[-1].json()["messages"]
    assert messages[-2] == {"role": "assistant", "content": "Hello, traveller."}
    assert messages[-1] == {"role": "user", "content": "[Write Dana's next message in the chat.]"}


async def test_anthropic_final_assistant_prefill_is_sent_without_trailing_whitespace(
    anthropic_fake: FakeAnthropic,
) -> None:
    chat = [
        ChatMessage("system", "You are Mira."),
        ChatMessage("user", "Open it."),
        ChatMessage("assistant", "She opened the door and \n"),
    ]
    await drain(anthropic_provider(anthropic_fake).stream(chat, model="claude-x", params=PARAMS))
    messages = anthropic_fake.requests[-1].json()["messages"]
    assert messages[-1] == {"role": "assistant", "content": "She opened the door and"}


async def test_anthropic_keeps_whitespace_of_an_assistant_turn_that_is_not_last(
    anthropic_fake: FakeAnthropic,
) -> None:
    chat = [
        ChatMessage("system", "You are Mira."),
        ChatMessage("user", "Open it."),
        ChatMessage("assistant", "She opened the door and \n"),
        ChatMessage("system", "[Continue Mira's last message.]"),
    ]
    await drain(anthropic_provider(anthropic_fake).stream(chat, model="claude-x", params=PARAMS))
    messages = anthropic_fake.requests[-1].json()["messages"]
    assert messages[-2:] == [
        {"role": "assistant", "content": "She opened the door and \n"},
        {"role": "user", "content": "[Continue Mira's last message.]"},
    ]


async def test_anthropic_request_carries_the_key(anthropic_fake: FakeAnthropic) -> None:
    await drain(anthropic_provider(anthropic_fake).stream(MESSAGES, model="c", params=PARAMS))
    headers = anthropic_fake.requests[-1].headers
    assert ANTHROPIC_KEY in (
        headers.get("x-api-key", ""),
        headers.get("authorization", "").removeprefix("Bearer "),
    )


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (401, AuthError),
        (403, AuthError),
        (402, QuotaExceeded),
        (429, RateLimited),
        (400, BadRequest),
        (500, Unavailable),
        (503, Unavailable),
        (529, Unavailable),
    ],
)
async def test_anthropic_error_status_maps_to_typed_error(
    anthropic_fake: FakeAnthropic, status: int, error_class: type[Exception]
) -> None:
    anthropic_fake.script(Reply(status=status))
    result = await drain(
        anthropic_provider(anthropic_fake).stream(MESSAGES, model="c", params=PARAMS)
    )
    assert type(result.error) is error_class


async def test_anthropic_low_credit_balance_is_quota_exceeded(
    anthropic_fake: FakeAnthropic,
) -> None:
    anthropic_fake.script(
        Reply(status=400, error_message="Your credit balance is too low to access the API.")
    )
    result = await drain(
        anthropic_provider(anthropic_fake).stream(MESSAGES, model="c", params=PARAMS)
    )
    assert isinstance(result.error, QuotaExceeded)


async def test_anthropic_overloaded_event_mid_stream_raises_after_partial_text(
    anthropic_fake: FakeAnthropic,
) -> None:
    anthropic_fake.script(
        Reply(tokens=["one ", "two"], error_after=1, error_type="overloaded_error")
    )
    result = await drain(
        anthropic_provider(anthropic_fake).stream(MESSAGES, model="c", params=PARAMS)
    )
    assert result.text == "one "
    assert isinstance(result.error, Unavailable)


async def test_anthropic_rate_limit_event_mid_stream_is_rate_limited(
    anthropic_fake: FakeAnthropic,
) -> None:
    anthropic_fake.script(
        Reply(tokens=["one ", "two"], error_after=1, error_type="rate_limit_error")
    )
    result = await drain(
        anthropic_provider(anthropic_fake).stream(MESSAGES, model="c", params=PARAMS)
    )
    assert isinstance(result.error, RateLimited)


async def test_anthropic_cut_mid_stream_raises_after_partial_text(
    anthropic_fake: FakeAnthropic,
) -> None:
    read = threading.Event()
    anthropic_fake.script(Reply(tokens=["one ", "two ", "three"], cut_after=2, cut_when=read))
    result = await drain(
        anthropic_provider(anthropic_fake).stream(MESSAGES, model="c", params=PARAMS),
        once_read=("one two ", read),
    )
    assert result.text == "one two "
    assert isinstance(result.error, Unavailable)


async def test_anthropic_hang_is_timeout(anthropic_fake: FakeAnthropic) -> None:
    anthropic_fake.script(Reply(hang=True))
    provider = anthropic_provider(anthropic_fake, timeout=0.3)
    result = await drain(provider.stream(MESSAGES, model="c", params=PARAMS))
    assert isinstance(result.error, Timeout)


async def test_anthropic_leaves_out_sampling_params_the_sdk_no_longer_takes(
    anthropic_fake: FakeAnthropic,
) -> None:
    params = GenerationParams(temperature=0.9, top_p=0.8, stop=("END",))
    result = await drain(
        anthropic_provider(anthropic_fake).stream(MESSAGES, model="c", params=params)
    )
    assert result.error is None
    body = anthropic_fake.requests[-1].json()
    assert "temperature" not in body and "top_p" not in body
    assert body["stop_sequences"] == ["END"]
