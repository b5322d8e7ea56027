"""Card macros: `{{char}}`, `{{user}}`, `<BOT>`/`<USER>`, `{{random}}`, `{{pick}}`, `{{roll}}`.

Pure text substitution, case-insensitive, as SillyTavern and the card specs define them.
`{{pick:…}}` must give the same choice every time the same chat is rendered, so it is seeded
by the chat; `{{random:…}}` and `{{roll:…}}` draw from the caller's RNG.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field

_COMMENT = re.compile(r"\{\{//.*?\}\}", re.IGNORECASE | re.DOTALL)
_CHOICE = re.compile(r"\{\{(random|pick)\s*(::?)(.*?)\}\}", re.IGNORECASE | re.DOTALL)
_ROLL = re.compile(r"\{\{roll\s*:{1,2}\s*(\d*)\s*d?\s*(\d+)\s*\}\}", re.IGNORECASE)
_NAMES = re.compile(r"\{\{(char|user)\}\}|<(BOT|USER)>", re.IGNORECASE)
_ORIGINAL = re.compile(r"\{\{original\}\}", re.IGNORECASE)
MAX_ROLL_SIDES = 1_000_000


@dataclass(frozen=True)
class MacroContext:
    char: str
    user: str
    # Seeds `{{pick}}` so one chat always picks the same option (the chat id, typically).
    pick_seed: str = ""
    rng: random.Random = field(default_factory=random.Random)


def _options(separator: str, body: str) -> list[str]:
    # `{{random:a,b}}` splits on commas, `{{random::a::b}}` on double colons (ST syntax).
    if separator == "::":
        return [part.strip() for part in body.split("::")]
    return [part.strip() for part in re.split(r"(?<!\\),", body)]


def expand(text: str, ctx: MacroContext) -> str:
    """Every macro of `text` replaced; unknown `{{…}}` are left as they are."""
    if not text or ("{{" not in text and "<" not in text):
        return text
    text = _COMMENT.sub("", text)
    occurrence = 0

    def choice(match: re.Match[str]) -> str:
        nonlocal occurrence
        kind, separator, body = match.group(1).lower(), match.group(2), match.group(3)
        options = _options(separator, body)
        if not options:
            return ""
        if kind == "pick":
            occurrence += 1
            digest = hashlib.sha256(f"{ctx.pick_seed}\0{occurrence}\0{body}".encode()).digest()
            return options[int.from_bytes(digest[:8], "big") % len(options)]
        return options[ctx.rng.randrange(len(options))]

    def roll(match: re.Match[str]) -> str:
        count = min(int(match.group(1) or 1), 100)
        sides = min(int(match.group(2)), MAX_ROLL_SIDES)
        if sides < 1:
            return "0"
        return str(sum(ctx.rng.randint(1, sides) for _ in range(max(count, 1))))

    def name(match: re.Match[str]) -> str:
        which = (match.group(1) or match.group(2)).lower()
        return ctx.char if which in ("char", "bot") else ctx.user

    text = _CHOICE.sub(choice, text)
    text = _ROLL.sub(roll, text)
    return _NAMES.sub(name, text)


def with_original(template: str, original: str) -> str:
    """A card's override of a platform prompt, with `{{original}}` standing for the default."""
    return _ORIGINAL.sub(lambda _m: original, template)
