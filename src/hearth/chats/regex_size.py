"""How much a lorebook regex costs to compile, worked out before compiling it.

The `regex` module copies the body of a counted repeat as many times as the count, and
nested repeats multiply: `(?:(?:(?:(?:a{10}){10}){10}){10}){12}`, 45 characters, took
5.8 s and 1.4 GB to compile, on the event loop. A timeout bounds matching only, so the
size has to be known first. Anyone who publishes a character writes these patterns.
"""

from __future__ import annotations

import re

_COUNT = re.compile(r"\{(\d*)(?:,(\d*))?\}")
_BRACED_ESCAPES = frozenset("pPNx")  # \p{L}, \N{NAME}, \x{263a}: the braces are the escape's


def _class_end(pattern: str, start: int) -> int:
    """The index after the `]` that closes the set opened at `start`."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1  # a `]` first in a set is a literal
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
        elif pattern.startswith("[:", i):
            close = pattern.find(":]", i + 2)
            i = i + 1 if close < 0 else close + 2
        elif pattern[i] == "]":
            return i + 1
        else:
            i += 1
    return i


def expanded_size(pattern: str, cap: int) -> int:
    """An upper bound of the items the compiled pattern holds, stopping at `cap`: each atom
    counts once, a group counts what it holds, and `{m,n}` multiplies its item by the larger
    bound. Alternatives add up: every one is compiled."""
    # Per open group: [what it holds so far, the size of its last item].
    stack: list[list[int]] = [[0, 0]]
    i, n = 0, len(pattern)
    while i < n:
        frame, char = stack[-1], pattern[i]
        size = 1
        if char == "\\":
            escaped = pattern[i + 1 : i + 2]
            i += 2
            if escaped in _BRACED_ESCAPES and pattern.startswith("{", i):
                close = pattern.find("}", i)
                i = n if close < 0 else close + 1
        elif char == "[":
            i = _class_end(pattern, i)
        elif char == "(":
            if pattern.startswith("(?#", i):
                close = pattern.find(")", i)
                i = n if close < 0 else close + 1
                continue
            stack.append([0, 0])
            i += 1
            continue
        elif char == ")" and len(stack) > 1:
            stack.pop()
            size = max(frame[0], 1)
            frame = stack[-1]
            i += 1
        elif char == "{" and (count := _COUNT.match(pattern, i)) and any(count.groups()):
            times = max(min(int(bound), cap) for bound in count.groups() if bound)
            frame[0] = min(frame[0] + frame[1] * (max(times, 1) - 1), cap)
            frame[1] = min(frame[1] * times, cap)
            i = count.end()
            continue
        elif char in "*+?|":
            if char == "|":
                frame[1] = 0
            i += 1
            continue
        else:
            i += 1
        frame[0] = min(frame[0] + size, cap)
        frame[1] = size
    return min(sum(frame[0] for frame in stack), cap)
