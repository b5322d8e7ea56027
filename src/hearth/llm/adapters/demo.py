"""The offline demo model: no key, no network, clearly not a real AI.

It strings together the character's own material (greeting, example dialogue) with an echo of
what the user just said, so a fresh install can be tried end to end before any key is set.
"""

from __future__ import annotations

import asyncio
import random
import re
import zlib
from collections import OrderedDict
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
# Spanish by its own marks and small words, against English's small words: "hola" alone is
# Spanish, "I love tapas" is not.
_SPANISH_MARKS = re.compile(r"[ñ¿¡]", re.I)
_SPANISH_WORDS = re.compile(
    r"\b(?:hola|qué|que|cómo|como|estás|está|eres|soy|por|para|gracias|tú|usted|buenos|buenas"
    r"|dónde|quién|sí|pero|muy|una|los|las|del|con|el|la|es|mi|yo|aquí|ahora|también)\b",
    re.I,
)
_ENGLISH_WORDS = re.compile(
    r"\b(?:the|you|are|is|what|how|hello|hi|and|with|for|your|this|that|do|it|my|me|i)\b", re.I
)
_NAME_IN_PROMPT = re.compile(r"\b(?:You are|Ты|Eres)\s+([A-ZА-ЯЁÁÉÍÓÚÑ][\w'-]+)")
# The chat's continue instruction ("[Continue Mira's last message from exactly where it
# stopped, ...]", hearth.chats.prompt), after the reply to go on with.
_CONTINUE = re.compile(r"^\s*\[Continue\b")
_ENDS_A_SENTENCE = re.compile(r"""[.!?…*"»”)~]\s*$""")
# A character draft's instructions say which language to write in (characters.generation).
_ASKED_LANGUAGE = re.compile(r"\bin (English|Russian|Spanish)\b")
_LANGUAGE_NAMES = {"English": "en", "Russian": "ru", "Spanish": "es"}
_REMEMBERED_PROMPTS = 512  # how many conversations' regenerations a provider tells apart

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
    "es": {
        "gestures": ["sonríe", "se acerca un poco", "ladea la cabeza", "ríe en voz baja"],
        "echo": ["«{echo}...», ¿dices? ", "«{echo}»: te escucho. ", "Mmm, «{echo}». "],
        "fillers": [
            "Cuéntame más, {user}.",
            "¿Qué te gustaría hacer ahora?",
            "Eso me recuerda algo. ¿Te lo cuento?",
            "Esperaba que dijeras eso.",
        ],
        "hello": "Hola, {user}. Soy {char}.",
        "stranger": "amigo",
        "companion": "tu compañero",
    },
}


def detect_language(text: str) -> str:
    """en, ru or es: the language the demo answers a text in."""
    if _CYRILLIC.search(text):
        return "ru"
    spanish = 2 * len(_SPANISH_MARKS.findall(text)) + len(_SPANISH_WORDS.findall(text))
    return "es" if spanish > len(_ENGLISH_WORDS.findall(text)) else "en"


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


class _Scene:
    """What a reply is made of: the language, the names, the words to echo and to say."""

    def __init__(
        self, messages: Sequence[ChatMessage], hints: Mapping[str, str], said: str = ""
    ) -> None:
        self.last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
        system = "\n".join(m.content for m in messages if m.role == "system")
        self.turns = sum(m.role != "system" for m in messages)
        # The user's language; before they said anything, the reply's own (a greeting), else
        # the character's (the system text).
        self.phrases = _PHRASES[detect_language(self.last_user or said or system)]
        found = _NAME_IN_PROMPT.search(system)
        self.char = hints.get("character_name") or (
            found.group(1) if found else str(self.phrases["companion"])
        )
        self.user = hints.get("user_name") or str(self.phrases["stranger"])
        self.greeting = hints.get("greeting", "").strip()
        self.has_reply = any(m.role == "assistant" for m in messages)
        self.lines = example_lines(hints.get("example_dialogue", ""), self.char) or list(
            self.phrases["fillers"]
        )

    def fill(self, text: str) -> str:
        for macro, value in (
            ("{{char}}", self.char),
            ("{{user}}", self.user),
            ("{char}", self.char),
            ("{user}", self.user),
        ):
            text = text.replace(macro, value)
        return text

    def rng(self, seed: int) -> random.Random:
        return random.Random(seed ^ zlib.crc32(f"{self.turns}:{self.last_user}".encode()))


def compose_reply(
    messages: Sequence[ChatMessage], hints: Mapping[str, str], seed: int = 0, variant: int = 0
) -> str:
    """A plausible in-character reply; the same input, seed and variant give the same text,
    and each variant of an input reads differently (a regenerated reply is another one)."""
    scene = _Scene(messages, hints)
    rng = scene.rng(seed)
    if not scene.last_user:
        return scene.fill(scene.greeting or str(scene.phrases["hello"]))
    if not scene.has_reply and scene.greeting and rng.random() < 0.3 and variant == 0:
        return scene.fill(scene.greeting)
    words = scene.last_user.split()
    echo = " ".join(words[:8]).rstrip(".!?,;:")
    gestures, echoes = list(scene.phrases["gestures"]), list(scene.phrases["echo"])
    # Every mix of gesture, echo and line once, in an order of this input's own: the
    # variants go through them without repeating one.
    mixes = [
        (g, e, line)
        for g in range(len(gestures))
        for e in range(len(echoes) if echo else 1)
        for line in range(len(scene.lines))
    ]
    rng.shuffle(mixes)
    g, e, line = mixes[variant % len(mixes)]
    parts = [f"*{scene.char} {gestures[g]}.* "]
    if echo:
        parts.append(echoes[e].format(echo=echo))
    parts.append(scene.lines[line])
    return scene.fill("".join(parts).strip())


def continue_reply(messages: Sequence[ChatMessage], hints: Mapping[str, str], seed: int = 0) -> str:
    """What follows the last reply of `messages` (a continue prompt): the rest of the reply
    the demo was writing when it was cut short, else a new sentence it has not said yet.
    Starts with its own space: the chat appends it to the text as it stands."""
    at = max(i for i, m in enumerate(messages) if m.role == "assistant")
    written = messages[at].content
    before = list(messages[:at])
    for variant in range(64):
        whole = compose_reply(before, hints, seed, variant)
        if len(whole) > len(written) and whole.startswith(written):
            return whole[len(written) :]
    scene = _Scene(messages, hints, said=written)
    rng = scene.rng(seed ^ zlib.crc32(written.encode()))
    said = written.casefold()
    # Something not said yet: the character's own lines first, then the small talk.
    fresh = [
        x for x in [*scene.lines, *scene.phrases["fillers"]] if scene.fill(x).casefold() not in said
    ]
    gestures = [x for x in scene.phrases["gestures"] if x.casefold() not in said] or scene.phrases[
        "gestures"
    ]
    # A reply stopped mid-sentence trails off before the next one starts.
    lead = "" if _ENDS_A_SENTENCE.search(written) or not written.strip() else "…"
    space = "" if not written or written[-1].isspace() else " "
    line = fresh[0] if fresh else rng.choice(scene.lines)
    text = f"{lead}{space}*{scene.char} {rng.choice(gestures)}.* {line}"
    return scene.fill(text)


def _is_continue(messages: Sequence[ChatMessage]) -> bool:
    """A prompt that asks to go on with its last reply rather than answer the user."""
    talk = [i for i, m in enumerate(messages) if m.role != "system"]
    if not talk or messages[talk[-1]].role != "assistant":
        return False
    return any(m.role == "system" and _CONTINUE.match(m.content) for m in messages[talk[-1] + 1 :])


class DemoProvider:
    name = "demo"
    kind = "demo"

    def __init__(self, *, delay_seconds: float = 0.045, seed: int = 0) -> None:
        self._delay = delay_seconds
        self._seed = seed
        # How often each conversation was answered: asked again (a regenerated reply, whose
        # prompt is the one the last alternative had), the demo gives the next variant.
        self._answered: OrderedDict[int, int] = OrderedDict()

    def _next_variant(self, messages: Sequence[ChatMessage]) -> int:
        talk = "\x00".join(f"{m.role}:{m.content}" for m in messages if m.role != "system")
        key = zlib.crc32(talk.encode())
        variant = self._answered.pop(key, 0)
        self._answered[key] = variant + 1
        while len(self._answered) > _REMEMBERED_PROMPTS:
            self._answered.popitem(last=False)
        return variant

    def _text(self, messages: Sequence[ChatMessage], params: GenerationParams) -> str:
        if params.hints.get("task") == DRAFT_TASK:
            story = next((m.content for m in reversed(messages) if m.role == "user"), "")
            system = "\n".join(m.content for m in messages if m.role == "system")
            # The language asked for, else (English asked, or none) the story's own: the
            # draft quotes the story, and a half-translated draft reads worse than either.
            asked = _ASKED_LANGUAGE.search(system)
            language = _LANGUAGE_NAMES[asked.group(1)] if asked else "en"
            return draft_character(story, detect_language(story) if language == "en" else language)
        if _is_continue(messages):
            return continue_reply(messages, params.hints, self._seed)
        return compose_reply(messages, params.hints, self._seed, self._next_variant(messages))

    async def stream(
        self, messages: Sequence[ChatMessage], *, model: str, params: GenerationParams
    ) -> AsyncIterator[ProviderEvent]:
        text = self._text(messages, params)
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
