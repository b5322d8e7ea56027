"""The offline demo model: no key, no network, clearly not a real AI.

It strings together the character's own material (greeting, example dialogue) with an echo of
what the user just said, so a fresh install can be tried end to end before any key is set.
"""

from __future__ import annotations

import asyncio
import random
import re
import zlib
from collections.abc import AsyncIterator, Mapping, Sequence

from hearth.llm.adapters.demo_draft import draft_character
from hearth.llm.base import collect
from hearth.llm.catalog import DEMO_SPEC
from hearth.llm.tokens import estimate_prompt_tokens, estimate_tokens
from hearth.llm.types import (
    ChatMessage,
    Completion,
    GenerationParams,
    ModelInfo,
    ProviderEvent,
    StreamEnd,
    TextDelta,
    Usage,
)

DEMO_MODEL_ID = "demo/demo"
DRAFT_TASK = "character_draft"  # GenerationParams.hints["task"] of a character draft
_CYRILLIC = re.compile(r"[а-яё]", re.I)
_NAME_IN_PROMPT = re.compile(r"\b(?:You are|Ты|Eres)\s+([A-ZА-ЯЁ][\w'-]+)")

_PHRASES = {
    "en": {
        "gestures": ["smiles", "leans closer", "tilts their head", "laughs softly", "nods slowly"],
        "echo": ['"{echo}..." you say? ', '"{echo}" — I heard you. ', 'Hm, "{echo}". '],
        "fillers": [
            "Tell me more, {user}.",
            "What would you like to do next?",
            "That reminds me of something. Shall I tell you?",
            "I was hoping you would say that.",
        ],
        "hello": "Hello, {user}. I'm {char}.",
        "stranger": "friend",
        "companion": "your companion",
    },
    "ru": {
        "gestures": ["улыбается", "наклоняется ближе", "задумчиво кивает", "тихо смеётся"],
        "echo": ["«{echo}...» — говоришь? ", "«{echo}» — я слышу тебя. ", "Хм, «{echo}». "],
        "fillers": [
            "Расскажи мне больше, {user}.",
            "Что будем делать дальше?",
            "Это мне кое-что напоминает. Рассказать?",
            "Я надеялся, что ты это скажешь.",
        ],
        "hello": "Привет, {user}. Я {char}.",
        "stranger": "друг",
        "companion": "твой собеседник",
    },
}


def example_lines(example_dialogue: str, char_name: str) -> list[str]:
    """The character's own lines from SillyTavern-style example dialogue."""
    prefixes = ("{{char}}:", f"{char_name}:") if char_name else ("{{char}}:",)
    lines = []
    for raw in example_dialogue.splitlines():
        line = raw.strip()
        for prefix in prefixes:
            if line.lower().startswith(prefix.lower()):
                text = line[len(prefix) :].strip()
                if text:
                    lines.append(text)
    return lines


def compose_reply(messages: Sequence[ChatMessage], hints: Mapping[str, str], seed: int = 0) -> str:
    """A plausible in-character reply; the same input and seed give the same text."""
    last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
    system = "\n".join(m.content for m in messages if m.role == "system")
    lang = "ru" if _CYRILLIC.search(last_user or system) else "en"
    phrases = _PHRASES[lang]
    found = _NAME_IN_PROMPT.search(system)
    char = hints.get("character_name") or (found.group(1) if found else str(phrases["companion"]))
    user = hints.get("user_name") or str(phrases["stranger"])
    rng = random.Random(seed ^ zlib.crc32(f"{len(messages)}:{last_user}".encode()))

    def fill(text: str) -> str:
        for macro, value in (
            ("{{char}}", char),
            ("{{user}}", user),
            ("{char}", char),
            ("{user}", user),
        ):
            text = text.replace(macro, value)
        return text

    greeting = hints.get("greeting", "").strip()
    if not last_user:
        return fill(greeting or str(phrases["hello"]))
    if not any(m.role == "assistant" for m in messages) and greeting and rng.random() < 0.3:
        return fill(greeting)
    words = last_user.split()
    echo = " ".join(words[:8]).rstrip(".!?,;:")
    parts = [f"*{char} {rng.choice(phrases['gestures'])}.* "]
    if echo:
        parts.append(rng.choice(phrases["echo"]).format(echo=echo))
    lines = example_lines(hints.get("example_dialogue", ""), char)
    parts.append(rng.choice(lines) if lines else rng.choice(phrases["fillers"]))
    return fill("".join(parts).strip())


class DemoProvider:
    name = "demo"
    kind = "demo"

    def __init__(self, *, delay_seconds: float = 0.045, seed: int = 0) -> None:
        self._delay = delay_seconds
        self._seed = seed

    async def stream(
        self, messages: Sequence[ChatMessage], *, model: str, params: GenerationParams
    ) -> AsyncIterator[ProviderEvent]:
        if params.hints.get("task") == DRAFT_TASK:
            story = next((m.content for m in reversed(messages) if m.role == "user"), "")
            system = "\n".join(m.content for m in messages if m.role == "system")
            text = draft_character(story, russian="Russian" in system)
        else:
            text = compose_reply(messages, params.hints, self._seed)
        words = re.findall(r"\s*\S+", text)
        finish = "stop"
        if params.max_tokens is not None:
            kept: list[str] = []
            for word in words:
                if estimate_tokens("".join([*kept, word])) > params.max_tokens:
                    finish = "length"
                    break
                kept.append(word)
            words = kept
        for index, word in enumerate(words):
            if index and self._delay:
                await asyncio.sleep(self._delay)
            yield TextDelta(word)
        usage = Usage(estimate_prompt_tokens(messages), estimate_tokens("".join(words)))
        yield StreamEnd(usage, finish, usage_estimated=True)

    async def complete(
        self, messages: Sequence[ChatMessage], *, model: str, params: GenerationParams
    ) -> Completion:
        return await collect(self.stream(messages, model=model, params=params))

    async def list_models(self) -> list[ModelInfo]:
        return [demo_model_info()]

    async def warm_up(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


def demo_model_info() -> ModelInfo:
    return ModelInfo(
        id=DEMO_MODEL_ID,
        provider="demo",
        label=DEMO_SPEC.label,
        context_length=DEMO_SPEC.context_length,
        input_price=0.0,
        output_price=0.0,
        available=True,
        is_demo=True,
    )
