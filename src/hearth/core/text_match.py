"""Case-insensitive substring search for every alphabet, the same on both databases.

SQLite's own lower() folds only ASCII letters (lower('Привет') stays 'Привет'), so a search
in Russian missed what differed from it in case. PostgreSQL's lower() follows the database's
locale. On SQLite each connection gets `unicode_lower`, Python's str.lower (`core.db`), used
only when what is searched for is not all ASCII: a call into Python per row cost 5.2 µs
against the built-in's 0.9 µs (100,000 messages of 70 words).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, String, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

SQLITE_FUNCTION = "unicode_lower"


def sqlite_unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class unicode_lower(GenericFunction[str]):
    type = String()
    inherit_cache = True


@compiles(unicode_lower)
def _lower(element: unicode_lower, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "sqlite")
def _sqlite_lower(element: unicode_lower, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


def contains_folded(column: Any, text: str) -> ColumnElement[bool]:
    """`column` contains `text`, letter case aside, in any alphabet."""
    needle = text.lower()
    lowered = func.lower(column) if needle.isascii() else unicode_lower(column)
    return lowered.contains(needle, autoescape=True)


def snippet_around(text: str, needle: str, *, before: int = 12, length: int = 140) -> str:
    """A piece of `text` that shows where `needle` is in it (letter case aside), for a list
    of search results: a few words before it, what follows, "…" where cut."""
    found = re.search(re.escape(needle), text, re.IGNORECASE)
    start = 0 if found is None else max(0, found.start() - before)
    if found is not None and start > 0 and not text[start - 1].isspace():
        space = text.find(" ", start, found.start())
        start = space + 1 if space != -1 else start  # begin at a word
    piece = " ".join(text[start : start + length].split())
    return ("…" if start > 0 else "") + piece + ("…" if start + length < len(text) else "")
