"""Cheap token estimates for budgeting prompts; billing uses the providers' own counts.

UTF-8 bytes / 3.2 over-counts English (≈4 chars per token) and Cyrillic (2 bytes per char,
≈2.5-3.5 chars per token) and is close for CJK (3 bytes, ≈1 token per char): a safety
margin without a tokenizer (tiktoken downloads its tables at first use and fails offline).
"""

from __future__ import annotations

from collections.abc import Iterable
from math import ceil

from hearth.llm.types import ChatMessage

BYTES_PER_TOKEN = 3.2
MESSAGE_OVERHEAD = 4  # role marker and separators each chat format adds per message
REPLY_PRIMING = 3


def estimate_tokens(text: str) -> int:
    if not text:
        return 0
    return ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN)


def estimate_message_tokens(message: ChatMessage) -> int:
    return estimate_content_tokens(message.content)


def estimate_content_tokens(content: str) -> int:
    """Tokens of a chat message with this content, its role marker and separators included."""
    return estimate_tokens(content) + MESSAGE_OVERHEAD


def estimate_prompt_tokens(messages: Iterable[ChatMessage]) -> int:
    return sum(estimate_message_tokens(m) for m in messages) + REPLY_PRIMING
