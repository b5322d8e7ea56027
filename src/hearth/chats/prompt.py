"""Prompt assembly: a character, a persona and the tail of a chat become LLM messages.

Pure: no database, no clock, no I/O. The caller reads only the newest messages that can
fit (see `history_read_budget`) and passes them here, so the cost of building a prompt does
not grow with the length of the chat.

Order of the prompt: the system part (main prompt, content-rating directive, lorebook
`before_char`, description, personality, scenario, lorebook `after_char`, persona), the
example dialogue, the history window (with the lorebook entries that go at a depth, the
author's note and the character's note at theirs), the post-history instructions. When
space runs out, the example dialogue goes first (its `<START>` blocks from the last), then
the oldest history; the system part and the latest user message are never dropped.

As in SillyTavern, lorebook entries placed by the author's note are joined into its text,
above or below it, and go in when the note does (a chat without a note has one that is
empty, at the default depth, every turn); entries placed by the example dialogue are
example blocks of their own, before or after the card's (and dropped like them). The
inspector counts them in the lorebook part.

A stored message's random macros (`{{random}}`, `{{roll}}`) draw from a source seeded by
the message itself: SillyTavern fills them in once, when the message is sent, and stores
the result; here the stored text keeps them, and each turn gives the same values again.
"""

from __future__ import annotations

import dataclasses
import random
import re
import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from hearth.chats.lorebook import Lorebook, LoreEntry, select_entries
from hearth.chats.macros import MacroContext, expand, with_original
from hearth.llm.tokens import (
    REPLY_PRIMING,
    estimate_content_tokens,
    estimate_message_tokens,
    estimate_tokens,
)
from hearth.llm.types import ChatMessage, Role

Mode = Literal["reply", "continue", "impersonate"]

DEFAULT_MAIN_PROMPT = (
    "Write {{char}}'s next reply in a fictional chat between {{char}} and {{user}}. "
    "Stay in character, write in {{char}}'s voice, and never speak or act for {{user}}."
)
DEFAULT_POST_HISTORY = ""
RATING_DIRECTIVES = {
    "sfw": (
        "Keep the story safe for work: no sexual content and no graphic violence. "
        "If the conversation drifts there, steer it away in character."
    ),
    "moderate": (
        "Mature themes are allowed when the story calls for them, but nothing sexually explicit."
    ),
    "nsfw": (
        "This is fiction for adults; mature and explicit content is allowed when the story "
        "calls for it."
    ),
}
CONTINUE_INSTRUCTION = (
    "[Continue {{char}}'s last message from exactly where it stopped, without repeating it.]"
)
IMPERSONATE_INSTRUCTION = (
    "[Write {{user}}'s next message in the chat, in first person, as {{user}} would write it. "
    "Write only that message.]"
)


@dataclass(frozen=True)
class DepthPrompt:
    """The card's character's note (SillyTavern's `extensions.depth_prompt`): a message
    put `depth` chat messages from the end on every turn."""

    text: str
    depth: int = 4
    role: Role = "system"


@dataclass(frozen=True)
class CharacterSheet:
    """The character fields the prompt uses (a plain view of the characters' model)."""

    name: str
    nickname: str = ""
    description: str = ""
    personality: str = ""
    scenario: str = ""
    example_dialogue: str = ""
    system_prompt: str = ""
    post_history_instructions: str = ""
    content_rating: str = "sfw"
    lorebook: Lorebook | None = None
    depth_prompt: DepthPrompt | None = None

    @property
    def display_name(self) -> str:
        return self.nickname or self.name


@dataclass(frozen=True, slots=True)
class HistoryItem:
    role: Role
    content: str
    # Its estimated tokens as a message, when the reader already counted them (the window
    # read does, to know where to stop): a prompt of a long-context model has ~1000 items.
    tokens: int | None = None
    # The id of the stored message this is (as the driver returns it), or None for text that
    # exists only in this prompt. The prompt's snapshot refers to it instead of copying it.
    source: Any = None
    # What seeds its random macros when it has no `source` but is a stored message (one
    # about to be continued); otherwise the source, or for text of this prompt only, the text.
    seed: str | None = None

    def cost(self) -> int:
        return self.tokens if self.tokens is not None else estimate_content_tokens(self.content)


@dataclass(frozen=True)
class AuthorNote:
    text: str
    depth: int = 4
    frequency: int = 1


@dataclass(frozen=True)
class PromptRequest:
    character: CharacterSheet
    user_name: str
    # The tail of the chat, oldest first; hidden messages already left out.
    history: Sequence[HistoryItem]
    context_length: int
    reply_reserve: int
    persona_description: str = ""
    # True when the chat holds older messages than `history` (they were not read).
    has_older_history: bool = False
    author_note: AuthorNote | None = None
    # How many user turns the chat has had: the author's note goes in every `frequency`-th.
    turn: int = 0
    pick_seed: str = ""
    mode: Mode = "reply"
    rng: random.Random = field(default_factory=random.Random)
    # For `{{model}}` and the clock's macros (`{{time}}`, `{{date}}`, ...): the caller's, so
    # the assembly stays pure.
    model: str = ""
    now: datetime | None = None


@dataclass(frozen=True)
class PromptPart:
    name: str
    tokens: int


@dataclass(frozen=True)
class AssembledPrompt:
    messages: list[ChatMessage]
    parts: list[PromptPart]
    total_tokens: int
    budget: int
    history_count: int
    example_dialogue_dropped: bool
    # Per message: the id of the stored message it repeats word for word, else None.
    sources: list[Any]

    def snapshot(self) -> dict[str, Any]:
        """What the prompt inspector shows: the messages and tokens per part.

        A message that repeats a stored one is kept as its id and a checksum of its text
        (`hearth.chats.inspection` reads it back and tells if it changed since). A
        long-context prompt holds about a thousand of them: copied, every reply of such a
        chat stored about 500 kB.
        """
        return {
            "messages": [
                _snapshot_entry(m, source)
                for m, source in zip(self.messages, self.sources, strict=True)
            ],
            "parts": [{"name": p.name, "tokens": p.tokens} for p in self.parts],
            "total_tokens": self.total_tokens,
            "budget": self.budget,
            "history_count": self.history_count,
            "example_dialogue_dropped": self.example_dialogue_dropped,
        }


def text_checksum(text: str) -> int:
    """Tells whether a stored message still says what a prompt sent (not a security hash)."""
    return zlib.crc32(text.encode())


def _snapshot_entry(message: ChatMessage, source: Any) -> dict[str, Any]:
    if source is None:
        return {"role": message.role, "content": message.content}
    if isinstance(source, Expanded):
        return {
            "role": message.role,
            "ref": str(source.ref),
            "checksum": source.checksum,
            "content": message.content,
        }
    # The id as the driver gave it (SQLite: hex; PostgreSQL: a UUID): any form `uuid.UUID`
    # reads back, without a conversion per message.
    ref = source if isinstance(source, str) else str(source)
    return {"role": message.role, "ref": ref, "checksum": text_checksum(message.content)}


def history_read_budget(context_length: int, reply_reserve: int) -> int:
    """Tokens of history worth reading from the database: more can never fit."""
    return max(0, context_length - reply_reserve)


def _section(label: str, text: str) -> str:
    text = text.strip()
    return f"{label}{text}" if text else ""


def _speaker(role: str, user_name: str, character_name: str) -> str | None:
    return user_name if role == "user" else character_name if role == "assistant" else None


def _chat_length(request: PromptRequest, history: Sequence[HistoryItem]) -> dict[str, int]:
    """The chat's messages, and the character's, for the lorebook's `delay` and
    `@@activate_only_*`: counted when the whole chat is in `history`; otherwise estimated
    from its turns (a message and a reply each, after the greeting), the rows not being read."""
    if not request.has_older_history:
        replies = sum(1 for h in history if h.role == "assistant")
        return {"message_count": len(history), "character_message_count": replies}
    return {
        "message_count": max(len(history), 2 * request.turn),
        "character_message_count": max(request.turn, 1),
    }


def _lore_text(entries: Sequence[LoreEntry], position: str, render: Callable[[str], str]) -> str:
    # Each entry on its own: a `{{pick}}` in one must not change with the others triggered.
    texts = (render(e.content) for e in entries if e.depth is None and e.position == position)
    return "\n".join(text for text in texts if text)


# At one depth, the order SillyTavern gives the messages of each role.
_DEPTH_ROLE_ORDER: dict[Role, int] = {"assistant": 0, "user": 1, "system": 2}


def _lore_at_depth(
    entries: Sequence[LoreEntry], render: Callable[[str], str]
) -> list[tuple[int, ChatMessage]]:
    """The entries that go into the chat: one message per depth and role (the entries
    joined in insertion order), deepest first."""
    grouped: dict[tuple[int, Role], list[str]] = {}
    for entry in entries:
        if entry.depth is None:
            continue
        text = render(entry.content)
        if text:
            grouped.setdefault((entry.depth, entry.role), []).append(text)
    ordered = sorted(grouped.items(), key=lambda g: (-g[0][0], _DEPTH_ROLE_ORDER[g[0][1]]))
    return [(depth, _message(role, "\n".join(texts))) for (depth, role), texts in ordered]


_EXAMPLE_START = re.compile(r"<START>", re.IGNORECASE)


def example_blocks(text: str) -> list[str]:
    """The example dialogue's `<START>` blocks, each with its heading (text before the first
    `<START>` is a block of its own, as SillyTavern reads it); empty blocks are left out."""
    blocks = (block.strip() for block in _EXAMPLE_START.split(text))
    return [f"<START>\n{block}" for block in blocks if block]


def _lore_examples(
    entries: Sequence[LoreEntry], position: str, render: Callable[[str], str]
) -> list[str]:
    return [
        block
        for entry in entries
        if entry.depth is None and entry.position == position
        for block in example_blocks(render(entry.content))
    ]


def _example_message(name: str, blocks: Sequence[str]) -> ChatMessage | None:
    if not blocks:
        return None
    return _message("system", f"Example of how {name} writes:\n" + "\n".join(blocks))


def _inject(
    window: list[ChatMessage], sources: list[Any], depth: int, message: ChatMessage
) -> None:
    """Put `message` `depth` chat messages from the end; what is already injected there
    does not count, so an insertion never moves another one's depth."""
    at = len(window)
    chat_seen = 0
    while at > 0 and chat_seen < depth:
        at -= 1
        if sources[at] is not _INJECTED:
            chat_seen += 1
    # Among messages at the same depth, the earlier injected comes first.
    while at < len(window) and sources[at] is _INJECTED:
        at += 1
    window.insert(at, message)
    sources.insert(at, _INJECTED)


def _message(role: Role, content: str) -> ChatMessage:
    return ChatMessage(role=role, content=content)


@dataclass(frozen=True)
class Expanded:
    """A stored message sent with its macros filled in: the snapshot keeps the text sent,
    and the stored text's checksum to tell an edit or a deletion since."""

    ref: Any
    checksum: int


def _seed_of(source: Any) -> str:
    """A message id in one form, whichever the driver (or the writer of a new message) gave:
    hex text, a `uuid.UUID`, asyncpg's UUID."""
    try:
        return uuid.UUID(str(source)).hex
    except ValueError:
        return str(source)


def _expanded(item: HistoryItem, ctx: MacroContext, previous: str) -> HistoryItem:
    if "{{" in item.content:
        if item.seed is not None:
            seed = _seed_of(item.seed)
        else:
            seed = item.content if item.source is None else _seed_of(item.source)
        # Its own random source: the values it was sent with come back on every turn.
        rng = random.Random(f"{ctx.pick_seed}\0{seed}")
        ctx = dataclasses.replace(ctx, rng=rng, last_message=previous)
    content = expand(item.content, ctx)
    if content is item.content:
        return item
    source = None if item.source is None else Expanded(item.source, text_checksum(item.content))
    return HistoryItem(item.role, content, source=source)


# Marks, while the window is built, a message that is not one of the chat's.
_INJECTED: Any = object()


def _tokens(message: ChatMessage | None) -> int:
    return estimate_message_tokens(message) if message is not None else 0


def assemble_prompt(request: PromptRequest) -> AssembledPrompt:
    """The messages to send and the token count of each part (see the module docstring)."""
    card = request.character
    ctx = MacroContext(
        char=card.display_name,
        user=request.user_name,
        pick_seed=request.pick_seed,
        rng=request.rng,
        now=request.now,
        model=request.model,
        fields={
            "description": card.description,
            "personality": card.personality,
            "scenario": card.scenario,
            "persona": request.persona_description,
        },
    )
    # Chat messages keep their own whitespace; only their macros are filled. A message's
    # `{{lastMessage}}` is the one before it, as when it was sent.
    history: list[HistoryItem] = []
    for item in request.history:
        history.append(_expanded(item, ctx, history[-1].content if history else ""))
    if history:
        ctx = dataclasses.replace(ctx, last_message=history[-1].content)

    def render(text: str) -> str:
        return expand(text, ctx).strip()

    lore: list[LoreEntry] = []
    if card.lorebook is not None:
        lore = select_entries(
            card.lorebook,
            [h.content for h in history],
            estimate_tokens,
            render_key=lambda key: expand(key, ctx),
            rng=request.rng,
            names=[_speaker(h.role, request.user_name, card.display_name) for h in history],
            **_chat_length(request, history),
        )
    lore_before = _lore_text(lore, "before_char", render)
    lore_after = _lore_text(lore, "after_char", render)
    lore_in_chat = _lore_at_depth(lore, render)

    main = (
        with_original(card.system_prompt, DEFAULT_MAIN_PROMPT)
        if card.system_prompt.strip()
        else DEFAULT_MAIN_PROMPT
    )
    rating = RATING_DIRECTIVES.get(card.content_rating, RATING_DIRECTIVES["sfw"])
    character_parts = [
        render(card.description),
        _section(f"{card.display_name}'s personality: ", render(card.personality)),
        _section("Scenario: ", render(card.scenario)),
    ]
    persona = _section(f"About {request.user_name}: ", render(request.persona_description))
    system_text = "\n\n".join(
        p for p in [render(main), rating, lore_before, *character_parts, lore_after, persona] if p
    )
    system = _message("system", system_text)
    system_lore_tokens = estimate_tokens(lore_before) + estimate_tokens(lore_after)

    card_blocks = example_blocks(render(card.example_dialogue))
    before_examples = _lore_examples(lore, "before_examples", render)
    blocks = [*before_examples, *card_blocks, *_lore_examples(lore, "after_examples", render)]

    phi_template = card.post_history_instructions.strip()
    phi_text = render(
        with_original(phi_template, DEFAULT_POST_HISTORY) if phi_template else DEFAULT_POST_HISTORY
    )
    post_history = _message("system", phi_text) if phi_text else None
    instruction_text = {
        "reply": "",
        "continue": CONTINUE_INSTRUCTION,
        "impersonate": IMPERSONATE_INSTRUCTION,
    }[request.mode]
    instruction = _message("system", render(instruction_text)) if instruction_text else None

    # A chat without a note has SillyTavern's default one, empty, for the lorebook's entries.
    note = request.author_note or AuthorNote("")
    note_message = note_alone = None
    if note.frequency > 0 and request.turn % note.frequency == 0:
        note_text = render(note.text)
        note_alone = _message("system", note_text) if note_text else None
        around_note = [
            _lore_text(lore, "before_author_note", render),
            note_text,
            _lore_text(lore, "after_author_note", render),
        ]
        note_with_lore = "\n".join(text for text in around_note if text)
        note_message = _message("system", note_with_lore) if note_with_lore else None
    character_note = None
    if card.depth_prompt is not None:
        character_note_text = render(card.depth_prompt.text)
        if character_note_text:
            character_note = _message(card.depth_prompt.role, character_note_text)

    # The tail through the latest user message is never dropped.
    pinned = 1 if history else 0
    for back, item in enumerate(reversed(history)):
        if item.role == "user":
            pinned = back + 1
            break
    costs = [h.cost() for h in history]

    budget = history_read_budget(request.context_length, request.reply_reserve)
    fixed = (
        REPLY_PRIMING
        + _tokens(system)
        + _tokens(post_history)
        + _tokens(instruction)
        + _tokens(note_message)
        + _tokens(character_note)
        + sum(_tokens(message) for _, message in lore_in_chat)
    )
    pinned_cost = sum(costs[len(costs) - pinned :])
    room = budget - fixed - pinned_cost

    # History first: the example dialogue only stays if the whole chat fits beside it, and
    # then as many of its blocks as fit, the first ones first.
    all_history_cost = sum(costs[: len(costs) - pinned])
    example_message = None
    kept_blocks = 0
    if blocks and not request.has_older_history:
        example_room = room - all_history_cost
        for count in range(len(blocks), 0, -1):
            candidate = _example_message(card.display_name, blocks[:count])
            if _tokens(candidate) <= example_room:
                example_message, kept_blocks = candidate, count
                break
    example_cost = _tokens(example_message)
    # The card's own blocks among those kept (the lorebook's come before and after them).
    kept_card_blocks = blocks[len(before_examples) : kept_blocks][: len(card_blocks)]
    card_example_cost = _tokens(_example_message(card.display_name, kept_card_blocks))
    room -= example_cost
    kept = pinned
    for cost in reversed(costs[: len(costs) - pinned]):
        if cost > room:
            break
        room -= cost
        kept += 1
    kept_items = history[len(history) - kept :]
    window = [_message(h.role, h.content) for h in kept_items]
    window_sources = [h.source for h in kept_items]
    history_tokens = sum(costs[len(costs) - kept :])

    # Depths count chat messages only: the lorebook's deepest first, then the author's
    # note, then the character's (after it at one depth, as in SillyTavern).
    for depth, message in lore_in_chat:
        _inject(window, window_sources, depth, message)
    if note_message is not None:
        _inject(window, window_sources, max(0, note.depth), note_message)
    if character_note is not None and card.depth_prompt is not None:
        _inject(window, window_sources, max(0, card.depth_prompt.depth), character_note)
    window_sources = [None if s is _INJECTED else s for s in window_sources]

    head = [system]
    if example_message is not None:
        head.append(example_message)
    tail = [m for m in (post_history, instruction) if m is not None]
    messages = [*head, *window, *tail]
    sources = [*([None] * len(head)), *window_sources, *([None] * len(tail))]

    # The lorebook's share of the note's and the examples' messages: what they cost with
    # it, less what they would cost without it.
    lore_tokens = (
        system_lore_tokens
        + sum(_tokens(m) for _, m in lore_in_chat)
        + _tokens(note_message)
        - _tokens(note_alone)
        + example_cost
        - card_example_cost
    )
    parts = [
        PromptPart("system", _tokens(system) - system_lore_tokens),
        PromptPart("lorebook", lore_tokens),
        PromptPart("example_dialogue", card_example_cost),
        PromptPart("history", history_tokens),
        PromptPart("author_note", _tokens(note_alone)),
        PromptPart("character_note", _tokens(character_note)),
        PromptPart("post_history_instructions", _tokens(post_history)),
        PromptPart("instruction", _tokens(instruction)),
    ]
    # Every message of `messages` is in exactly one part.
    total = sum(part.tokens for part in parts) + REPLY_PRIMING
    return AssembledPrompt(
        messages=messages,
        parts=parts,
        total_tokens=total,
        budget=budget,
        history_count=kept,
        # Some or all of it: the blocks that did not fit are left out.
        example_dialogue_dropped=kept_blocks < len(blocks),
        sources=sources,
    )
