"""Card macros: `{{char}}`, `{{user}}`, `<char>`/`<user>`/`<BOT>`, `{{random}}`, `{{pick}}`,
`{{roll}}`, `{{reverse}}`, the comments `{{// …}}`, `{{comment: …}}`, `{{hidden_key: …}}`,
and SillyTavern's others a card uses: `{{newline}}`, `{{trim}}`, `{{noop}}`, the clock's
(`{{time}}`, `{{date}}`, `{{weekday}}`, `{{isotime}}`, `{{isodate}}`), the card's and the
persona's fields (`{{description}}`, `{{personality}}`, `{{scenario}}`, `{{persona}}`),
`{{charIfNotGroup}}`/`{{group}}` (no group chats here: the character), `{{model}}`,
`{{lastMessage}}`, and `{{setvar::name::value}}`/`{{getvar::name}}`.

Pure text substitution, case-insensitive, as SillyTavern and the card specs define them.
Nested macros expand inside out, so `{{random:{{char}},{{user}}}}` chooses between the names
and a comment that mentions `{{user}}` still goes as a whole. `{{pick:…}}` must give the
same choice every time the same chat is rendered, so it is seeded by the chat;
`{{random:…}}` and `{{roll:…}}` draw from the caller's RNG. A field macro gives the field
with its own macros filled in (SillyTavern fills its names), but not its field macros.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

_BRACES = re.compile(r"\{\{|\}\}")
_COMMENT = re.compile(r"(?://|(?:comment|hidden_key)\s*:).*", re.IGNORECASE | re.DOTALL)
_CHOICE = re.compile(r"(random|pick)\s*::?(.*)", re.IGNORECASE | re.DOTALL)
# `{{roll:1d6}}`, `{{roll::1d6}}` and, as SillyTavern also reads it, `{{roll 1d6}}`.
_ROLL = re.compile(r"roll(?:\s*:{1,2}|\s)\s*(\d*)\s*d?\s*(\d+)\s*", re.IGNORECASE)
_REVERSE = re.compile(r"reverse\s*::?(.*)", re.IGNORECASE | re.DOTALL)
_SETVAR = re.compile(r"setvar\s*::(.*?)::(.*)", re.IGNORECASE | re.DOTALL)
_GETVAR = re.compile(r"getvar\s*::(.*)", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<(BOT|CHAR|USER)>", re.IGNORECASE)
_ORIGINAL = re.compile(r"\{\{original\}\}", re.IGNORECASE)
_ESCAPED_COMMA = "\\,"
MAX_ROLL_SIDES = 1_000_000
MAX_ROLL_DICE = 100
# What the macros of one text may add to it, in characters. A text is at most a card field
# or a message, but macros multiply it: `{{description}}` two thousand times, or
# `{{setvar}}` doubling a variable, built strings of 64 MB and held the server for minutes.
MAX_EXPANSION_CHARS = 200_000
# Stands for `{{trim}}` until the text is whole: it takes the line breaks on both sides.
_TRIM_MARK = "\x00hearth-trim\x00"
_TRIM = re.compile(r"(?:\r?\n)*" + re.escape(_TRIM_MARK) + r"(?:\r?\n)*")
# English, as SillyTavern's default locale writes them (not the server's locale).
_MONTHS: tuple[str, ...] = ("January", "February", "March", "April", "May", "June", "July")
_MONTHS += ("August", "September", "October", "November", "December")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class MacroContext:
    char: str
    user: str
    # Seeds `{{pick}}` so one chat always picks the same option (the chat id, typically).
    pick_seed: str = ""
    rng: random.Random = field(default_factory=random.Random)
    # The time of the prompt, for the clock's macros; without it they are left as written.
    now: datetime | None = None
    model: str = ""
    last_message: str = ""
    # What `{{description}}`, `{{persona}}`... stand for, as written (their macros are
    # filled in when used), by the macro's name in lower case.
    fields: Mapping[str, str] = field(default_factory=dict)
    # `{{setvar}}`'s: shared by the expansions of one prompt (SillyTavern keeps them per chat).
    variables: dict[str, str] = field(default_factory=dict)


def _options(body: str) -> list[str]:
    # SillyTavern's rule: a list with `::` in it splits on `::` (`{{random::a::b}}`,
    # `{{random:a::b}}`); otherwise on commas, `\,` standing for a comma of an option.
    if "::" in body:
        return [part.strip() for part in body.split("::")]
    return [part.replace(_ESCAPED_COMMA, ",").strip() for part in re.split(r"(?<!\\),", body)]


def _clock(name: str, now: datetime) -> str:
    """SillyTavern's formats (moment's `LT`, `LL`, `dddd`, in English)."""
    if name == "time":
        return f"{now.hour % 12 or 12}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}"
    if name == "date":
        return f"{_MONTHS[now.month - 1]} {now.day}, {now.year}"
    if name == "weekday":
        return _WEEKDAYS[now.weekday()]
    if name == "isotime":
        return f"{now.hour:02d}:{now.minute:02d}"
    return now.date().isoformat()  # isodate


_CLOCK_MACROS = frozenset(("time", "date", "weekday", "isotime", "isodate"))


class _Expansion:
    """One `expand` call: counts the picks, so two identical picks in a text may differ."""

    def __init__(self, ctx: MacroContext) -> None:
        self.ctx = ctx
        self.picks = 0
        self.room = MAX_EXPANSION_CHARS
        self.field_texts: dict[str, str] = {}

    def macro(self, body: str) -> str:
        """The text of `{{body}}` (its own macros already expanded), or it as written; once
        the macros have added MAX_EXPANSION_CHARS, nothing more."""
        if self.room <= 0:
            return ""
        text = self.value(body)
        self.room -= len(text)
        return text if self.room >= 0 else text[: len(text) + self.room]

    def value(self, body: str) -> str:
        name = body.lower()
        if name == "char" or name == "charifnotgroup" or name == "group":
            return self.ctx.char
        if name == "user":
            return self.ctx.user
        if (text := self.named(name)) is not None:
            return text
        if _COMMENT.match(body):
            return ""
        if found := _CHOICE.fullmatch(body):
            return self.choice(found.group(1).lower(), found.group(2))
        if found := _ROLL.fullmatch(body):
            return self.roll(found.group(1), found.group(2))
        if found := _REVERSE.fullmatch(body):
            return found.group(1)[::-1]
        if found := _SETVAR.fullmatch(body):
            self.ctx.variables[found.group(1).strip()] = found.group(2)
            return ""
        if found := _GETVAR.fullmatch(body):
            return self.ctx.variables.get(found.group(1).strip(), "")
        return f"{{{{{body}}}}}"

    def named(self, name: str) -> str | None:
        """The text of a macro without arguments; None when `name` is not one."""
        if name == "newline":
            return "\n"
        if name == "trim":
            return _TRIM_MARK
        if name == "noop":
            return ""
        if name == "model":
            return self.ctx.model
        if name == "lastmessage":
            return self.ctx.last_message
        if name in _CLOCK_MACROS:
            return None if self.ctx.now is None else _clock(name, self.ctx.now)
        if name in self.ctx.fields:
            if name not in self.field_texts:  # filled in once, however often it is named
                # Its own field macros are not filled: a field naming itself is not a loop.
                inner = dataclasses.replace(self.ctx, fields={})
                self.field_texts[name] = expand(self.ctx.fields[name], inner).strip()
            return self.field_texts[name]
        return None

    def choice(self, kind: str, body: str) -> str:
        options = _options(body)
        if kind == "pick":
            self.picks += 1
            seed = f"{self.ctx.pick_seed}\0{self.picks}\0{body}".encode()
            digest = hashlib.sha256(seed).digest()
            return options[int.from_bytes(digest[:8], "big") % len(options)]
        return options[self.ctx.rng.randrange(len(options))]

    def roll(self, count_text: str, sides_text: str) -> str:
        count = _at_most(count_text or "1", MAX_ROLL_DICE)
        sides = _at_most(sides_text, MAX_ROLL_SIDES)
        if sides < 1:
            return "0"
        return str(sum(self.ctx.rng.randint(1, sides) for _ in range(max(count, 1))))

    def tags(self, text: str) -> str:
        if "<" not in text:
            return text
        return _TAGS.sub(
            lambda m: self.ctx.user if m.group(1).lower() == "user" else self.ctx.char, text
        )


def _at_most(digits: str, limit: int) -> int:
    # Thousands of digits are not converted at all (Python refuses past 4,300).
    return limit if len(digits) > len(str(limit)) else min(int(digits), limit)


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
    if _TRIM_MARK in expanded:
        expanded = _TRIM.sub("", expanded)
    # The same object when nothing changed: the prompt's snapshot then refers to the stored
    # message instead of copying its text.
    return text if expanded == text else expanded


def with_original(template: str, original: str) -> str:
    """A card's override of a platform prompt, with `{{original}}` standing for the default."""
    return _ORIGINAL.sub(lambda _m: original, template)
