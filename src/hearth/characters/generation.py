"""A draft character built by the LLM from a story or a description (nothing is saved).

The model is asked for one JSON object with the character's fields (the schema is in the
prompt; providers differ in JSON modes, the prompt works everywhere). The answer is read
tolerantly (code fences and chatter around the object are ignored, unknown keys dropped)
and validated like a character a user submits. One repair round shows the model its
errors; after that the request fails with `generation_failed` (502).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from pydantic import ValidationError

from hearth.characters.cards.mapping import acceptable_tags
from hearth.characters.errors import GenerationFailed
from hearth.characters.schemas import CharacterCreate
from hearth.chats.usage import Spend
from hearth.llm.adapters.demo import DRAFT_TASK
from hearth.llm.errors import LLMError
from hearth.llm.gateway import LLMGateway
from hearth.llm.tokens import estimate_tokens
from hearth.llm.types import ChatMessage, GenerationParams

log = logging.getLogger("hearth.characters.generation")

LANGUAGES = {"en": "English", "ru": "Russian", "es": "Spanish"}
FIELDS = (
    "name",
    "tagline",
    "description",
    "personality",
    "scenario",
    "greeting",
    "alternate_greetings",
    "example_dialogue",
    "tags",
    "gender",
    "content_rating",
    "lorebook",
)
_FENCE = re.compile(r"```(?:json|JSON)?")

SCHEMA = """{
  "name": "the character's name (at most 128 characters)",
  "tagline": "one catchy line (at most 256 characters)",
  "description": "appearance, background and what matters about them, written about {{char}}",
  "personality": "a few traits, comma-separated",
  "scenario": "the situation where {{user}} meets {{char}}",
  "greeting": "the character's first message, in character, with *actions* in asterisks",
  "alternate_greetings": ["one or two other first messages"],
  "example_dialogue": "<START>\\n{{user}}: ...\\n{{char}}: ... (two short exchanges)",
  "tags": ["3 to 6 short lower-case genre tags"],
  "gender": "female | male | non-binary | other, or empty",
  "content_rating": "sfw | moderate | nsfw",
  "lorebook": {"entries": [{"keys": ["a word"], "content": "a fact about a place or person"}]}
}"""


def _instructions(language: str) -> str:
    return (
        "You turn stories into roleplay characters for a chat app. Read the user's text, pick "
        "its most interesting character, and describe them for roleplay. Use {{char}} for the "
        "character and {{user}} for the person chatting with them. Add lorebook entries only "
        "for names and places the story establishes. "
        f"Write every text value in {language}. "
        "Answer with exactly one JSON object of this shape and nothing else:\n" + SCHEMA
    )


class DraftInvalid(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def extract_object(text: str) -> dict[str, Any]:
    """The first JSON object in a model's answer (fences and chatter around it ignored)."""
    cleaned = _FENCE.sub("", text)
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", cleaned):
        try:
            value, _ = decoder.raw_decode(cleaned, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise DraftInvalid(["the answer contains no JSON object"])


def draft_from_answer(text: str) -> CharacterCreate:
    """Validate the model's answer as a new (private) character."""
    data = extract_object(text)
    fields = {key: data[key] for key in FIELDS if key in data and data[key] is not None}
    if isinstance(fields.get("tags"), list):
        fields["tags"] = acceptable_tags([str(t) for t in fields["tags"]])
    if fields.get("content_rating") not in ("sfw", "moderate", "nsfw"):
        fields.pop("content_rating", None)
    if isinstance(fields.get("alternate_greetings"), str):
        fields["alternate_greetings"] = [fields["alternate_greetings"]]
    fields["visibility"] = "private"
    try:
        return CharacterCreate.model_validate(fields)
    except ValidationError as exc:
        raise DraftInvalid(
            [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        ) from exc


MAX_DRAFT_TOKENS = 4000


def estimated_tokens(text: str) -> int:
    """The most one round can use (a repair round may use as much again): for the hold on
    the user's allowance."""
    return estimate_tokens(_instructions("English")) + estimate_tokens(text) + MAX_DRAFT_TOKENS


async def generate_draft(
    llm: LLMGateway, text: str, locale: str | None, spend: Spend
) -> CharacterCreate:
    """Ask the model for a character; one repair round; `GenerationFailed` (502) if it fails.
    What each call used is added to `spend`."""
    language = LANGUAGES.get(locale or "en", "English")
    messages = [
        ChatMessage("system", _instructions(language)),
        ChatMessage("user", text),
    ]
    # The task hint lets the offline demo model answer with a draft, not a chat reply.
    params = GenerationParams(
        temperature=0.7, max_tokens=MAX_DRAFT_TOKENS, hints={"task": DRAFT_TASK}
    )
    answer = await _complete(llm, messages, params, spend)
    try:
        return draft_from_answer(answer)
    except DraftInvalid as exc:
        problems = exc.problems
        log.info("character draft invalid, asking for a repair: %s", exc)
    repair = [
        *messages,
        ChatMessage("assistant", answer),
        ChatMessage(
            "user",
            "That answer cannot be used: "
            + "; ".join(problems[:10])
            + ". Reply with only the corrected JSON object.",
        ),
    ]
    answer = await _complete(llm, repair, params, spend)
    try:
        return draft_from_answer(answer)
    except DraftInvalid as exc:
        raise GenerationFailed(
            "The model did not produce a valid character; try again or shorten the text.",
            details={"problems": exc.problems[:10]},
        ) from exc


async def _complete(
    llm: LLMGateway, messages: list[ChatMessage], params: GenerationParams, spend: Spend
) -> str:
    try:
        completion = await llm.complete(messages, params=params)
    except LLMError as exc:
        raise GenerationFailed(
            "The language model is not available right now.", details={"llm_error": exc.code}
        ) from exc
    model_id = completion.model_id or llm.default_model
    spend.add(completion.usage, llm.price(model_id).cost(completion.usage), model_id)
    return completion.text
