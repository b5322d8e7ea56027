"""The demo model's answer to "make a character of this story": a plain draft in the JSON the
real models are asked for, built from the story's own words (its most named person, its
first sentences), so character generation can be tried before any key is set."""

from __future__ import annotations

import json
import re
from collections import Counter

_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
_NAME_RUN = re.compile(
    r"\b[A-ZА-ЯЁÁÉÍÓÚÑ][a-zа-яёáéíóúñü'-]+(?:[ ][A-ZА-ЯЁÁÉÍÓÚÑ][a-zа-яёáéíóúñü'-]+){0,2}"
)
# Words that start sentences more often than they name anyone.
_NOT_NAMES = {
    "The",
    "This",
    "That",
    "There",
    "Then",
    "They",
    "She",
    "Her",
    "His",
    "When",
    "But",
    "And",
    "Once",
    "One",
    "Every",
    "After",
    "Before",
    "While",
    "Now",
    "Its",
    "Their",
    "What",
    "Who",
    "Это",
    "Там",
    "Тогда",
    "Она",
    "Они",
    "Его",
    "Когда",
    "Но",
    "Однажды",
    "Каждый",
    "После",
    "Перед",
    "Теперь",
    "Кто",
    "Что",
    "El",
    "La",
    "Los",
    "Las",
    "Un",
    "Una",
    "Ella",
    "Ellos",
    "Cuando",
    "Pero",
    "Cada",
    "Después",
    "Antes",
    "Ahora",
    "Nadie",
    "Quién",
    "Qué",
    "Había",
    "Hace",
}
_TEXT = {
    "en": {
        "stranger": "Stranger",
        "personality": "curious, warm, a little guarded",
        "scenario": "{{user}} meets {{char}} where the story begins.",
        "greeting": "*{{char}} looks up as you approach.* Oh, hello, {{user}}. "
        "I didn't expect anyone here today.",
    },
    "ru": {
        "stranger": "Незнакомец",
        "personality": "любопытный, тёплый, немного настороженный",
        "scenario": "{{user}} встречает {{char}} там, где начинается история.",
        "greeting": "*{{char}} поднимает взгляд.* О, привет, {{user}}. Не ждали сегодня гостей.",
    },
    "es": {
        "stranger": "Desconocido",
        "personality": "curioso, cálido, algo reservado",
        "scenario": "{{user}} conoce a {{char}} donde empieza la historia.",
        "greeting": "*{{char}} levanta la vista al verte llegar.* Oh, hola, {{user}}. "
        "No esperaba a nadie hoy.",
    },
}


def _name(story: str, fallback: str) -> str:
    """The most named run of capitalised words ("Captain Ilse Brandt"); the first of equals."""
    runs = []
    for match in _NAME_RUN.finditer(story):
        words = [word for word in match.group().split() if word not in _NOT_NAMES]
        if words:
            runs.append(" ".join(words))
    counts = Counter(runs)
    return counts.most_common(1)[0][0] if counts else fallback


def draft_character(story: str, language: str) -> str:
    """A character draft as JSON text (the shape hearth.characters.generation asks for), in
    `language` (en, ru or es)."""
    text = _TEXT.get(language, _TEXT["en"])
    sentences = [s.strip() for s in _SENTENCE.split(story.strip()) if s.strip()]
    name = _name(story, text["stranger"])
    opening = " ".join(sentences[:3])[:1000]
    draft = {
        "name": name,
        "tagline": (sentences[0] if sentences else name)[:200],
        "description": opening.replace(name, "{{char}}") if opening else "",
        "personality": text["personality"],
        "scenario": text["scenario"],
        "greeting": text["greeting"],
        "tags": ["story"],
        "content_rating": "sfw",
    }
    return json.dumps(draft, ensure_ascii=False)
