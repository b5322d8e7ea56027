"""Finding the exact source text of one member of a JSON document.

A card's `extensions` object belongs to other apps; Hearth keeps its text verbatim (key
order, number spelling, escapes) so exporting gives back exactly what was imported.
"""

from __future__ import annotations

import json
import re

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _skip(text: str, pos: int) -> int:
    match = _WHITESPACE.match(text, pos)
    assert match is not None
    return match.end()


def _member_span(text: str, pos: int, key: str) -> tuple[int, int] | None:
    """The span of the value of `key` in the object starting at `pos` (last one wins)."""
    if pos >= len(text) or text[pos] != "{":
        return None
    pos = _skip(text, pos + 1)
    if text[pos] == "}":
        return None
    found: tuple[int, int] | None = None
    while True:
        name, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        pos = _skip(text, pos + 1)  # the ':'
        start = pos
        _, end = _DECODER.raw_decode(text, start)
        if name == key:
            found = (start, end)
        pos = _skip(text, end)
        if text[pos] != ",":
            return found
        pos = _skip(text, pos + 1)


def raw_member(text: str, path: tuple[str, ...]) -> str | None:
    """The source text of the value at `path` in a valid JSON document, or None."""
    pos = _skip(text, 0)
    for depth, key in enumerate(path):
        span = _member_span(text, pos, key)
        if span is None:
            return None
        if depth == len(path) - 1:
            return text[span[0] : span[1]]
        pos = span[0]
    return None


def splice(document: str, placeholder: str, raw: str) -> str:
    """Replace the JSON string `placeholder` in `document` by the raw JSON text `raw`."""
    quoted = json.dumps(placeholder)
    assert document.count(quoted) == 1
    return document.replace(quoted, raw)
