"""Shape a chat for providers that want a separate system prompt and strict alternation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from hearth.llm.types import ChatMessage

# A placeholder first user turn: Anthropic rejects a conversation that opens with the
# assistant (a character's greeting usually does).
OPENING_USER_TURN = "(The conversation begins.)"

TurnRole = Literal["user", "assistant"]


@dataclass(frozen=True, slots=True)
class Turns:
    system: str
    turns: list[tuple[TurnRole, str]]


def alternate(messages: Sequence[ChatMessage]) -> Turns:
    """The leading system messages become the system prompt; every later message keeps its
    place, a later system message as a user turn; consecutive same-role turns are merged;
    the first turn is `user`.

    A system message in the middle of the chat (the author's note at its depth, the
    post-history instructions, a continue or impersonate instruction) only works where it
    stands: hoisted into the system prompt, it would come before the whole conversation.
    SillyTavern sends them to Claude the same way.
    """
    lead = 0
    while lead < len(messages) and messages[lead].role == "system":
        lead += 1
    system = "\n\n".join(m.content for m in messages[:lead] if m.content)
    turns: list[tuple[TurnRole, str]] = []
    for message in messages[lead:]:
        if message.role == "system" and not message.content:
            continue
        role: TurnRole = "assistant" if message.role == "assistant" else "user"
        if turns and turns[-1][0] == role:
            turns[-1] = (role, f"{turns[-1][1]}\n\n{message.content}")
        else:
            turns.append((role, message.content))
    if not turns or turns[0][0] != "user":
        turns.insert(0, ("user", OPENING_USER_TURN))
    return Turns(system=system, turns=turns)
