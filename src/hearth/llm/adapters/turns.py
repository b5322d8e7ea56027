"""Shape a chat for providers that want a separate system prompt and strict alternation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from hearth.llm.types import ChatMessage

# A placeholder first user turn: Anthropic rejects a conversation that opens with the
# assistant (a character's greeting usually does).
OPENING_USER_TURN = "(The conversation begins.)"


@dataclass(frozen=True, slots=True)
class Turns:
    system: str
    turns: list[tuple[Literal["user", "assistant"], str]]


def alternate(messages: Sequence[ChatMessage]) -> Turns:
    """System messages joined; consecutive same-role turns merged; first turn is `user`."""
    system_parts: list[str] = []
    turns: list[tuple[Literal["user", "assistant"], str]] = []
    for message in messages:
        if message.role == "system":
            system_parts.append(message.content)
            continue
        if turns and turns[-1][0] == message.role:
            turns[-1] = (message.role, f"{turns[-1][1]}\n\n{message.content}")
        else:
            turns.append((message.role, message.content))
    if not turns or turns[0][0] != "user":
        turns.insert(0, ("user", OPENING_USER_TURN))
    return Turns(system="\n\n".join(p for p in system_parts if p), turns=turns)
