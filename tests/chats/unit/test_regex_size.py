"""The compiled size of a lorebook regex, known before it is compiled."""

from __future__ import annotations

import pytest

from hearth.chats.regex_size import expanded_size


@pytest.mark.parametrize(
    ("pattern", "size"),
    [
        (r"\bdragons?\b", 9),
        (r"\d{1,3}", 3),
        ("a{,5}", 5),
        (r"(?:\w+\s){0,100}", 300),
        (r"\p{L}{5}", 5),  # the braces of \p{...} are the escape's, not a count
        (r"a\{1000\}", 7),  # escaped braces are letters
        ("[{}]{3}", 3),  # so are braces in a set
        ("[]a{]{10}", 10),  # a set may start with `]`
        ("(?#a{99999})b", 1),  # a comment counts nothing
        ("a{}", 3),  # not a count: three letters
        ("(a|bb){10}", 30),  # every alternative is compiled
    ],
)
def test_each_atom_counts_once_and_each_count_multiplies(pattern: str, size: int) -> None:
    assert expanded_size(pattern, cap=10**9) == size


def test_nested_counts_multiply() -> None:
    assert expanded_size("(?:(?:(?:a{10}){10}){10})", cap=10**9) >= 1000


@pytest.mark.parametrize(
    "pattern", ["a{1000000}", "(?:(?:(?:(?:(?:a{10}){10}){10}){10}){10}){12}", "[a-z]{99999}"]
)
def test_the_count_stops_at_the_cap(pattern: str) -> None:
    assert expanded_size(pattern, cap=5001) == 5001
