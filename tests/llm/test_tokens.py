from __future__ import annotations

import time

from hearth.llm.tokens import estimate_prompt_tokens, estimate_tokens
from hearth.llm.types import ChatMessage


def test_estimate_over_counts_english_at_about_four_chars_per_token() -> None:
    text = "The quick brown fox jumps over the lazy dog. " * 20  # ≈ 200 real tokens
    assert 200 <= estimate_tokens(text) <= 320


def test_estimate_over_counts_cyrillic() -> None:
    text = "Съешь же ещё этих мягких французских булок, да выпей чаю. " * 10  # ≈ 200 real tokens
    assert estimate_tokens(text) >= 200


def test_empty_text_is_zero_and_messages_add_overhead() -> None:
    assert estimate_tokens("") == 0
    assert estimate_prompt_tokens([ChatMessage("user", "")]) > 0


def test_estimating_a_long_window_is_cheap() -> None:
    messages = [ChatMessage("user", "word " * 200)] * 2000
    started = time.perf_counter()
    estimate_prompt_tokens(messages)
    assert time.perf_counter() - started < 0.1
