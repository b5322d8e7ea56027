"""The offline demo model: in character, deterministic, paced, clearly labelled."""

from __future__ import annotations

import time

from hearth.characters.generation import generate_draft
from hearth.chats.usage import Spend
from hearth.llm.adapters.demo import DemoProvider, compose_reply
from hearth.llm.gateway import LLMGateway
from hearth.llm.types import ChatMessage, GenerationParams, StreamEnd, StreamStart, TextDelta
from tests.llm.collect import drain
from tests.llm.conftest import llm_settings

HINTS = {
    "character_name": "Mira",
    "user_name": "Sam",
    "greeting": "*Mira looks up from the lamp.* Welcome, {{user}}.",
    "example_dialogue": (
        "<START>\n{{user}}: Who are you?\n{{char}}: I keep the light burning, {{user}}."
    ),
}


def test_demo_reply_uses_the_characters_example_dialogue_and_the_users_words() -> None:
    chat = [
        ChatMessage("assistant", "Welcome"),
        ChatMessage("user", "Is the storm coming tonight?"),
    ]
    reply = compose_reply(chat, HINTS, seed=1)
    assert "Mira" in reply
    assert "I keep the light burning, Sam." in reply
    assert "Is the storm coming tonight" in reply


def test_demo_first_turn_is_the_greeting_with_macros_filled() -> None:
    assert (
        compose_reply([ChatMessage("system", "x")], HINTS)
        == "*Mira looks up from the lamp.* Welcome, Sam."
    )


def test_demo_falls_back_to_the_system_prompt_without_hints() -> None:
    chat = [ChatMessage("system", "You are Orlo, a grumpy dwarf."), ChatMessage("user", "hi")]
    assert "Orlo" in compose_reply(chat, {})


def test_demo_answers_russian_in_russian() -> None:
    reply = compose_reply([ChatMessage("user", "Привет, как дела?")], {"character_name": "Мира"})
    assert any("а" <= ch <= "я" for ch in reply.replace("Мира", "").replace("Привет, как дела", ""))


def test_demo_is_deterministic_for_a_seed() -> None:
    chat = [ChatMessage("assistant", "a"), ChatMessage("user", "Tell me a story")]
    assert compose_reply(chat, HINTS, seed=7) == compose_reply(chat, HINTS, seed=7)


async def test_demo_streams_word_by_word_and_ends_with_usage() -> None:
    chat = [ChatMessage("assistant", "a"), ChatMessage("user", "Tell me a story")]
    result = await drain(
        DemoProvider(delay_seconds=0).stream(
            chat, model="demo", params=GenerationParams(hints=HINTS)
        )
    )
    deltas = [e for e in result.events if isinstance(e, TextDelta)]
    assert len(deltas) > 3
    assert all(len(d.text.split()) == 1 for d in deltas)
    assert isinstance(result.events[-1], StreamEnd) and result.end.usage.completion_tokens > 0


async def test_demo_paces_words_at_the_configured_delay() -> None:
    chat = [ChatMessage("user", "Tell me a story")]
    started = time.perf_counter()
    result = await drain(
        DemoProvider(delay_seconds=0.02).stream(chat, model="demo", params=GenerationParams())
    )
    words = sum(isinstance(e, TextDelta) for e in result.events)
    assert time.perf_counter() - started >= 0.02 * (words - 1) * 0.9


async def test_demo_serves_through_the_gateway_when_nothing_is_configured() -> None:
    result = await drain(LLMGateway(llm_settings()).stream([ChatMessage("user", "hello")]))
    assert result.events[0] == StreamStart("demo", "demo")
    assert result.text


async def test_demo_is_listed_as_a_demonstration() -> None:
    models = await LLMGateway(llm_settings()).list_models()
    assert [(m.id, m.is_demo, m.label) for m in models] == [
        ("demo/demo", True, "Demo (offline, not a real AI)")
    ]


async def test_without_a_provider_a_story_still_becomes_a_character_draft() -> None:
    story = (
        "Captain Ilse Brandt has flown the mail zeppelin Albatross for twenty years. "
        "She never lands at Zurich. Nobody knows why Ilse Brandt avoids it."
    )
    spend = Spend()

    draft = await generate_draft(LLMGateway(llm_settings()), story, "en", spend)

    assert draft.name == "Captain Ilse Brandt"
    assert draft.description.startswith("{{char}} has flown the mail zeppelin")
    assert "{{user}}" in draft.greeting
    assert spend.usage.completion_tokens > 0  # one round: the first answer was valid


async def test_the_demo_draft_is_in_russian_when_asked() -> None:
    story = "Однажды старый мельник Фома нашёл в реке золотое кольцо."
    draft = await generate_draft(LLMGateway(llm_settings()), story, "ru", Spend())

    assert draft.name == "Фома"
    assert "{{user}}" in draft.scenario and "встречает" in draft.scenario
