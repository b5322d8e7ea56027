"""The offline demo model: in character, deterministic, paced, clearly labelled."""

from __future__ import annotations

import time

from hearth.characters.generation import generate_draft
from hearth.chats.prompt import CONTINUE_INSTRUCTION
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


def test_demo_answers_spanish_in_spanish() -> None:
    chat = [ChatMessage("assistant", "Hola"), ChatMessage("user", "Hola, ¿qué tal la noche?")]
    reply = compose_reply(chat, {"character_name": "Mira", "user_name": "Sam"})
    spanish = ("sonríe", "se acerca", "ladea", "ríe", "Cuéntame", "¿Qué", "Eso me", "Esperaba")
    assert any(word in reply for word in spanish), reply
    assert "you say" not in reply and "I heard you" not in reply


async def test_the_demo_draft_is_in_spanish_when_asked() -> None:
    story = "La vieja farera Marisol enciende la luz cada noche. Marisol nunca duerme."
    draft = await generate_draft(LLMGateway(llm_settings()), story, "es", Spend())

    assert draft.name == "Marisol"
    assert "{{user}}" in draft.scenario and "conoce a" in draft.scenario
    assert "hola" in draft.greeting.lower()


def test_each_variant_of_a_reply_reads_differently() -> None:
    chat = [ChatMessage("assistant", "a"), ChatMessage("user", "Is the storm coming tonight?")]
    variants = [compose_reply(chat, HINTS, seed=3, variant=v) for v in range(6)]
    assert len(set(variants)) == 6


async def test_asked_again_for_the_same_conversation_the_demo_gives_another_reply() -> None:
    """A regenerated reply's prompt is the one the replaced alternative had."""
    demo = DemoProvider(delay_seconds=0)
    chat = [ChatMessage("assistant", "Welcome"), ChatMessage("user", "Tell me a story")]
    params = GenerationParams(hints=HINTS)
    replies = [(await demo.complete(chat, model="demo", params=params)).text for _ in range(3)]
    assert len(set(replies)) == 3
    # Another conversation starts from its own first variant.
    other = [*chat, ChatMessage("assistant", replies[0]), ChatMessage("user", "And then?")]
    fresh = await DemoProvider(delay_seconds=0).complete(other, model="demo", params=params)
    assert (await demo.complete(other, model="demo", params=params)).text == fresh.text


def continue_prompt(chat: list[ChatMessage], written: str) -> list[ChatMessage]:
    instruction = CONTINUE_INSTRUCTION.replace("{{char}}", "Mira")
    return [*chat, ChatMessage("assistant", written), ChatMessage("system", instruction)]


async def test_continue_finishes_a_reply_that_was_cut_short() -> None:
    demo = DemoProvider(delay_seconds=0)
    chat = [ChatMessage("assistant", "Welcome"), ChatMessage("user", "Is the storm coming?")]
    whole = compose_reply(chat, HINTS)
    cut = await demo.complete(
        chat, model="demo", params=GenerationParams(max_tokens=6, hints=HINTS)
    )
    assert cut.finish_reason == "length" and whole.startswith(cut.text) and cut.text != whole

    rest = await demo.complete(
        continue_prompt(chat, cut.text), model="demo", params=GenerationParams(hints=HINTS)
    )

    assert cut.text + rest.text == whole


async def test_continue_after_a_whole_reply_adds_a_new_sentence_without_repeating() -> None:
    demo = DemoProvider(delay_seconds=0)
    chat = [ChatMessage("assistant", "Welcome"), ChatMessage("user", "¿Viene la tormenta?")]
    hints = {"character_name": "Mira", "user_name": "Sam"}
    written = compose_reply(chat, hints)

    more = (
        await demo.complete(
            continue_prompt(chat, written), model="demo", params=GenerationParams(hints=hints)
        )
    ).text

    assert more.startswith(" *Mira ")  # the chat appends it to the text as it stands
    assert written not in more and more.strip() not in written
    said = {part.strip() for part in written.split("*") if part.strip()}
    assert not any(part in more for part in said)
    assert any(word in more for word in ("sonríe", "se acerca", "ladea", "ríe"))


async def test_continue_of_a_reply_stopped_mid_sentence_trails_off_first() -> None:
    demo = DemoProvider(delay_seconds=0)
    chat = [ChatMessage("assistant", "Welcome"), ChatMessage("user", "Hello")]
    more = await demo.complete(
        continue_prompt(chat, "I was thinking about the"),
        model="demo",
        params=GenerationParams(hints=HINTS),
    )
    assert more.text.startswith("… *Mira ")
    assert "I was thinking about the" not in more.text
