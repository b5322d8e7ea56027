"""Card macros: `{{char}}`, `{{user}}`, `<char>`/`<user>`/`<BOT>`, `{{random}}`, `{{pick}}`,
`{{roll}}`, `{{reverse}}`, and the comments `{{// …}}`, `{{comment: …}}`, `{{hidden_key: …}}`.

Pure text substitution, case-insensitive, as SillyTavern and the card specs define them.
Nested macros expand inside out, so `{{random:{{char}},{{user}}}}` chooses between the names
and a comment that mentions `{{user}}` still goes as a whole. `{{pick:…}}` must give the
same choice every time the same chat is rendered, so it is seeded by the chat;
`{{random:…}}` and `{{roll:…}}` draw from the caller's RNG.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field

_BRACES = re.compile(r"\{\{|\}\}")
_COMMENT = re.compile(r"(?://|(?:comment|hidden_key)\s*:).*", re.IGNORECASE | re.DOTALL)
_CHOICE = re.compile(r"(random|pick)\s*::?(.*)", re.IGNORECASE | re.DOTALL)
_ROLL = re.compile(r"roll\s*:{1,2}\s*(\d*)\s*d?\s*(\d+)\s*", re.IGNORECASE)
_REVERSE = re.compile(r"reverse\s*::?(.*)", re.IGNORECASE | re.DOTALL)
_NAME = re.compile(r"char|user", re.IGNORECASE)
_TAGS = re.compile(r"<(BOT|CHAR|USER)>", re.IGNORECASE)
_ORIGINAL = re.compile(r"\{\{original\}\}", re.IGNORECASE)
_ESCAPED_COMMA = "\\,"
MAX_ROLL_SIDES = 1_000_000


@dataclass(frozen=True)
class MacroContext:
    char: str
    user: str
    # Seeds `{{pick}}` so one chat always picks the same option (the chat id, typically).
    pick_seed: str = ""
    rng: random.Random = field(default_factory=random.Random)


def _options(body: str) -> list[str]:
    # SillyTavern's rule: a list with `::` in it splits on `::` (`{{random::a::b}}`,
    # `{{random:a::b}}`); otherwise on commas, `\,` standing for a comma of an option.
    if "::" in body:
        return [part.strip() for part in body.split("::")]
    return [part.replace(_ESCAPED_COMMA, ",").strip() for part in re.split(r"(?<!\\),", body)]


class _Expansion:
    """One `expand` call: counts the picks, so two identical picks in a text may differ."""

    def __init__(self, ctx: MacroContext) -> None:
        self.ctx = ctx
        self.picks = 0

    def macro(self, body: str) -> str:
        """The text of `{{body}}` (its own macros already expanded), or it as written."""
        if _NAME.fullmatch(body):
            return self.ctx.char if body.lower() == "char" else self.ctx.user
        if _COMMENT.match(body):
            return ""
        if found := _CHOICE.fullmatch(body):
            return self.choice(found.group(1).lower(), found.group(2))
        if found := _ROLL.fullmatch(body):
            return self.roll(found.group(1), found.group(2))
        if found := _REVERSE.fullmatch(body):
            return found.group(1)[::-1]
        return f"{{{{{body}}}}}"

    def choice(self, kind: str, body: str) -> str:
        options = _options(body)
        if kind == "pick":
            self.picks += 1
            seed = f"{self.ctx.pick_seed}\0{self.picks}\0{body}".encode()
            digest = hashlib.sha256(seed).digest()
            return options[int.from_bytes(digest[:8], "big") % len(options)]
        return options[self.ctx.rng.randrange(len(options))]

    def roll(self, count_text: str, sides_text: str) -> str:
        count = min(int(count_text or 1), 100)
        sides = min(int(sides_text), MAX_ROLL_SIDES)
        if sides < 1:
            return "0"
        return str(sum(self.ctx.rng.randint(1, sides) for _ in range(max(count, 1))))

    def tags(self, text: str) -> str:
        if "<" not in text:
            return text
        return _TAGS.sub(
            lambda m: self.ctx.user if m.group(1).lower() == "user" else self.ctx.char, text
        )


def expand(text: str, ctx: MacroContext) -> str:
    """Every macro of `text` replaced, innermost first; unknown `{{…}}` are left as they
    are (with the macros inside them expanded). What a macro gives is not expanded again."""
    if not text or ("{{" not in text and "<" not in text):
        return text
    expansion = _Expansion(ctx)
    # One buffer per `{{` still open; the bottom one is the text outside any macro.
    open_macros: list[list[str]] = [[]]
    at = 0
    for brace in _BRACES.finditer(text):
        open_macros[-1].append(expansion.tags(text[at : brace.start()]))
        at = brace.end()
        if brace.group() == "{{":
            open_macros.append([])
        elif len(open_macros) > 1:
            body = "".join(open_macros.pop())
            open_macros[-1].append(expansion.macro(body))
        else:
            open_macros[-1].append("}}")
    open_macros[-1].append(expansion.tags(text[at:]))
    while len(open_macros) > 1:  # a `{{` never closed is text
        unclosed = "".join(open_macros.pop())
        open_macros[-1].append("{{" + unclosed)
    expanded = "".join(open_macros[0])
    # The same object when nothing changed: the prompt's snapshot then refers to the stored
    # message instead of copying its text.
    return text if expanded == text else expanded


def with_original(template: str, original: str) -> str:
    """A card's override of a platform prompt, with `{{original}}` standing for the default."""
    return _ORIGINAL.sub(lambda _m: original, template)
