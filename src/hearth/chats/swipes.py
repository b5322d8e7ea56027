"""What each alternative (swipe) of a reply came out as: its status, error, model and usage,
and the rating the user gave it.

A message's columns describe its current swipe. Before another swipe becomes current, the
current one's details are kept in `swipe_info` at its index, and the chosen one's come back
from there, so a good reply chosen again after a failed regenerate is not shown as failed.
"""

from __future__ import annotations

from typing import Any

from hearth.chats.models import Message

DETAILS = (
    "status",
    "error",
    "finish_reason",
    "model",
    "provider",
    "prompt_tokens",
    "completion_tokens",
    "cost",
    "ttft_ms",
    "duration_ms",
)
# Kept per swipe as well, but given by the user, not written by a reply's end.
_KEPT = (*DETAILS, "rating")
# A swipe with no details kept (a greeting, or one written before they were kept).
_UNKNOWN: dict[str, Any] = {name: None for name in _KEPT} | {"status": "complete"}


def keep_current(message: Message, count: int) -> list[dict[str, Any] | None]:
    """`swipe_info` sized for `count` swipes, with the current swipe's details in it."""
    info: list[dict[str, Any] | None] = list(message.swipe_info or [])
    info += [None] * (count - len(info))
    if 0 <= message.swipe_index < count:
        info[message.swipe_index] = {name: getattr(message, name) for name in _KEPT}
    return info[:count]


def select(message: Message, swipes: list[str], index: int) -> None:
    """Make swipe `index` the current one, with its text and its details."""
    info = keep_current(message, len(swipes))
    message.swipe_info = info
    message.swipes = swipes
    message.swipe_index = index
    message.content = swipes[index]
    for name, value in {**_UNKNOWN, **(info[index] or {})}.items():
        setattr(message, name, value)
