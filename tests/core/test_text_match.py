"""The piece of a message shown for a search result."""

from __future__ import annotations

from hearth.core.text_match import snippet_around


def test_a_match_near_the_start_shows_the_text_from_its_start() -> None:
    assert snippet_around("Ask the Dragons", "dragons") == "Ask the Dragons"


def test_a_match_deep_in_a_long_text_starts_the_piece_a_few_words_before_it() -> None:
    text = " ".join(f"word{n}" for n in range(200)) + " the Драконы of the north " + "tail " * 50

    piece = snippet_around(text, "ДРАКОНЫ", length=60)

    assert piece.startswith("…word199 the Драконы of the north")
    assert piece.endswith("…")
    assert len(piece) <= 62


def test_lines_are_joined_and_a_missing_needle_shows_the_start() -> None:
    assert snippet_around("first line\n\n  second line", "absent") == "first line second line"
