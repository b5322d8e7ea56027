"""Lorebook (Character Card V2/V3 `character_book`): which entries the recent chat triggers.

Keys are looked for in the last `scan_depth` messages; `selective` entries also need one of
their `secondary_keys` (or, by SillyTavern's `extensions.selectiveLogic`, all of them, not
all of them, or none of them); `constant` entries are always in; `recursive_scanning` lets triggered
entries' content trigger others. What is triggered is cut by `priority` at `token_budget`
and then ordered by `insertion_order`. With `use_regex`, a key written `/pattern/flags` is a
regex; any other key is text, as in SillyTavern (which sets `use_regex` on every entry it
exports). Regex keys come from card authors, so they are length-limited and run with a
timeout (the `regex` engine), and all the matching of one prompt has a time budget: a card's
lorebook never stops the server.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import regex

from hearth.chats.regex_size import expanded_size

log = logging.getLogger(__name__)

Position = Literal["before_char", "after_char"]
DEFAULT_SCAN_DEPTH = 4
DEFAULT_TOKEN_BUDGET = 512
# As many as the lorebook schema accepts; the scan's time budget bounds the cost.
MAX_SCAN_DEPTH = 1000
MAX_REGEX_LENGTH = 256
# Compiles in a few ms (measured: 2-7 ms for 10,000); legitimate keys stay far below.
MAX_REGEX_SIZE = 5_000
REGEX_TIMEOUT_SECONDS = 0.02
SCAN_BUDGET_SECONDS = 0.025
MAX_RECURSION = 5
# SillyTavern's `selectiveLogic`: how an entry's secondary keys must match.
AND_ANY, NOT_ALL, NOT_ANY, AND_ALL = 0, 1, 2, 3


@dataclass(frozen=True)
class LoreEntry:
    keys: tuple[str, ...]
    content: str
    secondary_keys: tuple[str, ...] = ()
    selective: bool = False
    selective_logic: int = AND_ANY
    constant: bool = False
    enabled: bool = True
    case_sensitive: bool = False
    use_regex: bool = False
    insertion_order: int = 100
    priority: int = 10
    position: Position = "before_char"
    name: str = ""


@dataclass(frozen=True)
class Lorebook:
    entries: tuple[LoreEntry, ...]
    scan_depth: int = DEFAULT_SCAN_DEPTH
    token_budget: int = DEFAULT_TOKEN_BUDGET
    recursive_scanning: bool = False

    @classmethod
    def from_card(cls, data: Mapping[str, Any] | None) -> Lorebook | None:
        """Parse a card's `character_book` (tolerant: missing fields take spec defaults)."""
        if not data or not isinstance(data, Mapping):
            return None
        raw_entries = data.get("entries") or []
        if isinstance(raw_entries, Mapping):  # some exporters key entries by id
            raw_entries = list(raw_entries.values())
        entries = tuple(_entry(e) for e in raw_entries if isinstance(e, Mapping))
        return cls(
            entries=entries,
            scan_depth=_int(data.get("scan_depth"), DEFAULT_SCAN_DEPTH, 0, MAX_SCAN_DEPTH),
            token_budget=_int(data.get("token_budget"), DEFAULT_TOKEN_BUDGET, 0, 1_000_000),
            recursive_scanning=bool(data.get("recursive_scanning", False)),
        )


class ParsedLorebooks:
    """Characters' lorebooks parsed once, not at every turn (1.3 ms for 300 entries, 30 ms
    for the largest a card may hold), by (character id, updated_at): every change of a
    character sets updated_at, so a book here is never stale. The least recently used go
    first once there are `max_books`, or their text passes `max_chars`. Safe from threads
    (long prompts are assembled in one)."""

    def __init__(self, max_books: int = 1024, max_chars: int = 16_000_000) -> None:
        self.max_books = max_books
        self.max_chars = max_chars
        self._books: OrderedDict[tuple[Any, Any], tuple[Lorebook | None, int]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get(
        self, character_id: Any, updated_at: Any, card: Mapping[str, Any] | None
    ) -> Lorebook | None:
        if not card:
            return None
        key = (character_id, updated_at)
        with self._lock:
            held = self._books.get(key)
            if held is not None:
                self._books.move_to_end(key)
                return held[0]
        book = Lorebook.from_card(card)
        size = sum(len(e.content) + sum(map(len, e.keys)) for e in book.entries) if book else 0
        with self._lock:
            if key not in self._books:
                self._books[key] = (book, size)
                self._chars += size
            while len(self._books) > self.max_books or (
                self._chars > self.max_chars and len(self._books) > 1
            ):
                _, (_, dropped) = self._books.popitem(last=False)
                self._chars -= dropped
        return book


def _int(value: Any, default: int, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return max(low, min(high, number))


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, Sequence):
        return ()
    return tuple(str(k).strip() for k in value if str(k).strip())


def _entry(raw: Mapping[str, Any]) -> LoreEntry:
    extensions = raw.get("extensions") if isinstance(raw.get("extensions"), Mapping) else {}
    position = raw.get("position")
    use_regex = raw.get("use_regex", (extensions or {}).get("use_regex", False))
    return LoreEntry(
        keys=_strings(raw.get("keys") or raw.get("key")),
        content=str(raw.get("content") or ""),
        secondary_keys=_strings(raw.get("secondary_keys") or raw.get("keysecondary")),
        selective=bool(raw.get("selective", False)),
        selective_logic=_selective_logic((extensions or {}).get("selectiveLogic")),
        constant=bool(raw.get("constant", False)),
        enabled=bool(raw.get("enabled", True)),
        case_sensitive=bool(raw.get("case_sensitive") or False),
        use_regex=bool(use_regex),
        insertion_order=_int(raw.get("insertion_order"), 100, -(10**9), 10**9),
        priority=_int(raw.get("priority"), 10, -(10**9), 10**9),
        position="after_char" if position == "after_char" else "before_char",
        name=str(raw.get("name") or raw.get("comment") or ""),
    )


# SillyTavern's form of a regex key: `/pattern/flags`, flags as JavaScript writes them.
_REGEX_KEY = regex.compile(r"/(.+)/([dgimsuvy]*)", regex.DOTALL)


def _selective_logic(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and AND_ANY <= value <= AND_ALL:
        return value
    return AND_ANY


def _regex_matches(key: str, text: str, timeout: float) -> bool | None:
    """Whether the regex key `/pattern/flags` matches; None when `key` is not one. Its own
    flags decide its case, not the entry's `case_sensitive` (as in SillyTavern)."""
    written = _REGEX_KEY.fullmatch(key)
    if written is None:
        return None
    pattern, suffix = written.group(1), written.group(2)
    flags = regex.IGNORECASE if "i" in suffix else 0
    flags |= regex.MULTILINE if "m" in suffix else 0
    flags |= regex.DOTALL if "s" in suffix else 0
    compiled = _compiled(pattern, flags)
    if compiled is None:
        return False
    try:
        return compiled.search(text, timeout=timeout) is not None
    except TimeoutError:
        return False  # a runaway pattern triggers nothing


@lru_cache(maxsize=1024)
def _compiled(pattern: str, flags: int) -> regex.Pattern[str] | None:
    """The pattern compiled, or None when it is invalid or too costly to compile."""
    if (
        len(pattern) > MAX_REGEX_LENGTH
        or expanded_size(pattern, MAX_REGEX_SIZE + 1) > MAX_REGEX_SIZE
    ):
        return None
    try:
        return regex.compile(pattern, flags)
    except regex.error:
        return None


class _Scan:
    """The key matching of one selection: each text folded once, not once per key, and one
    deadline for all of it. A card may hold 500 entries of 200 keys, regexes included, and
    its author is anyone who publishes a character: unbounded, one prompt of such a card
    took minutes of the event loop, which every stream of the process shares."""

    def __init__(self, budget: float, render_key: Callable[[str], str] | None) -> None:
        self.deadline = time.monotonic() + budget
        self.exhausted = False
        self._render_key = render_key
        self._rendered: dict[str, str] = {}

    def _key(self, key: str) -> str:
        """The key with its macros (`{{char}}`, `{{user}}`) filled in, once per selection."""
        if self._render_key is None or ("{{" not in key and "<" not in key):
            return key
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = self._rendered[key] = self._render_key(key).strip()
        return rendered

    def triggered(self, entry: LoreEntry, text: str, folded: str) -> bool:
        if not self._any_key(entry.keys, entry, text, folded):
            return False
        if not entry.selective or not entry.secondary_keys:
            return True
        logic = entry.selective_logic
        every = logic in (NOT_ALL, AND_ALL)
        hit = self._keys_match(entry.secondary_keys, entry, text, folded, every=every)
        if self.exhausted:
            return False  # not reached in time: not "no secondary key matched"
        return hit if logic in (AND_ANY, AND_ALL) else not hit

    def _any_key(self, keys: tuple[str, ...], entry: LoreEntry, text: str, folded: str) -> bool:
        return self._keys_match(keys, entry, text, folded, every=False)

    def _keys_match(
        self, keys: tuple[str, ...], entry: LoreEntry, text: str, folded: str, *, every: bool
    ) -> bool:
        """Whether any key (`every`: each key) matches."""
        for written in keys:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.exhausted = True
                return False
            key = self._key(written)
            if not key:
                continue
            hit = _key_matches(key, entry, text, folded, min(REGEX_TIMEOUT_SECONDS, left))
            if hit != every:
                return hit
        return every


def _key_matches(key: str, entry: LoreEntry, text: str, folded: str, timeout: float) -> bool:
    if entry.use_regex:
        hit = _regex_matches(key, text, timeout)
        if hit is not None:
            return hit
    if entry.case_sensitive:
        return key in text
    return key.casefold() in folded


def select_entries(
    book: Lorebook,
    recent_texts: Sequence[str],
    count_tokens: Callable[[str], int],
    *,
    budget: float = SCAN_BUDGET_SECONDS,
    render_key: Callable[[str], str] | None = None,
) -> list[LoreEntry]:
    """Entries to insert, in insertion order. `recent_texts` is newest last. Keys are
    matched for `budget` seconds at most; entries not reached by then are not triggered.
    `render_key` fills in a key's macros before it is matched."""
    depth = book.scan_depth
    scanned = "\n".join(recent_texts[-depth:]) if depth > 0 else ""
    enabled = [e for e in book.entries if e.enabled and e.content.strip()]
    scan = _Scan(budget, render_key)
    folded = scanned.casefold()
    chosen = [e for e in enabled if e.constant or scan.triggered(e, scanned, folded)]
    if book.recursive_scanning:
        fresh = list(chosen)
        for _ in range(MAX_RECURSION):
            text = "\n".join(e.content for e in fresh)
            folded = text.casefold()
            fresh = [e for e in enabled if e not in chosen and scan.triggered(e, text, folded)]
            if not fresh:
                break
            chosen.extend(fresh)
    if scan.exhausted:
        log.warning("lorebook.scan_cut entries=%d budget_ms=%.0f", len(enabled), budget * 1000)
    # Over budget, the lowest priority goes first (constants count like any other entry);
    # an entry too big for what is left is skipped, not a reason to drop all smaller ones.
    kept: list[LoreEntry] = []
    used = 0
    for entry in sorted(chosen, key=lambda e: (-e.priority, e.insertion_order)):
        cost = count_tokens(entry.content)
        if used + cost > book.token_budget:
            continue
        kept.append(entry)
        used += cost
    return sorted(kept, key=lambda e: e.insertion_order)
