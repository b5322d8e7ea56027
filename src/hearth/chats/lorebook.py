"""Lorebook (Character Card V2/V3 `character_book`): which entries the recent chat triggers.

Keys are looked for in the last `scan_depth` messages; `selective` entries also need one of
their `secondary_keys` (or, by SillyTavern's `extensions.selectiveLogic`, all of them, not
all of them, or none of them); `constant` entries are always in; `recursive_scanning` lets triggered
entries' content trigger others. What is triggered is cut by `priority` at `token_budget`
and then ordered by `insertion_order`. An entry with a `probability` below 100 (and
`use_probability`) is rolled for each time it is triggered, constant or not, and left out when
the roll fails (a failed entry triggers nothing by recursion either, as in SillyTavern).
With `match_whole_words`, a text key matches only a whole word (a key of several words is
looked for as written, as SillyTavern does). A key written `/pattern/flags` is a regex, with
or without `use_regex` (SillyTavern reads every such key so, and most cards have no
`use_regex`); any other key is text (a pattern holding an unescaped `/` too). Regex keys
come from card authors, so they are length-limited and run with a timeout (the `regex`
engine), and all the matching of one prompt has a time budget: a card's lorebook never
stops the server.

An entry with a `scan_depth` of its own is matched against that many of the newest messages
instead of the book's. Of the entries of one inclusion `group` triggered in one step, only
one goes in (as in SillyTavern, before the probability rolls): the `group_override` one
(the highest `insertion_order` of them), else one drawn at random weighted by
`group_weight`; with `use_group_scoring`, those matching fewer keys than the best of their
group are out first. A group that already has an entry in (by an earlier recursion step)
takes no other.

SillyTavern's recursion settings: a `prevent_recursion` entry's content triggers nothing, an
`exclude_recursion` entry is not triggered by a recursion step, a `delay_until_recursion` one
only by a recursion step (matched there, as in SillyTavern, against the chat and all the
content recursed on so far). With the chat's length known (`message_count`), an entry with a
`delay` is out until the chat has that many messages. With the speakers' names (`names`),
each message is matched as `Name: text`, as SillyTavern does by default (a key equal to a
speaker's name triggers). CCv3's `@@additional_keys` (one of them must match too, like
secondary keys), `@@exclude_keys` (none may match), `@@scan_depth`, and, with the count of the
character's messages known, `@@activate_only_after` / `@@activate_only_every` are honoured.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal, get_args

import regex

from hearth.characters.lorebook import DEFAULT_GROUP_WEIGHT, Position, settings_from_extensions
from hearth.chats.regex_size import expanded_size

log = logging.getLogger(__name__)

POSITIONS: tuple[Position, ...] = get_args(Position)
Role = Literal["system", "user", "assistant"]
# SillyTavern numbers the roles of an entry inserted into the chat.
ROLES: tuple[Role, ...] = ("system", "user", "assistant")
MAX_DEPTH = 1000
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
    probability: int = 100
    use_probability: bool = True
    # None: the book's default (off: a card's book has no setting of its own).
    match_whole_words: bool | None = None
    # Not None: the entry goes into the chat history this many messages from its end, as a
    # message of `role`, instead of at `position`.
    depth: int | None = None
    role: Role = "system"
    # CCv3 decorators (`@@activate`, `@@dont_activate`) read off the content's first lines.
    always_activate: bool = False
    never_activate: bool = False
    # None: the book's `scan_depth`.
    scan_depth: int | None = None
    # The inclusion groups the entry belongs to (SillyTavern writes them comma-separated).
    groups: tuple[str, ...] = ()
    group_override: bool = False
    group_weight: int = DEFAULT_GROUP_WEIGHT
    # None: the book's default (off: a card's book has no setting of its own).
    use_group_scoring: bool | None = None
    prevent_recursion: bool = False
    exclude_recursion: bool = False
    delay_until_recursion: bool = False
    # None or 0: none. Out while the chat has fewer messages.
    delay: int | None = None
    # CCv3 decorators: keys one of which must match too, keys none of which may match.
    additional_keys: tuple[str, ...] = ()
    exclude_keys: tuple[str, ...] = ()
    # CCv3 decorators, by the count of the character's messages: not before that many, only
    # at each multiple of that many.
    activate_only_after: int | None = None
    activate_only_every: int | None = None

    @property
    def rolled(self) -> bool:
        """Whether a roll decides if the triggered entry goes in."""
        return self.use_probability and self.probability < 100


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


def role_of(value: Any) -> Role | None:
    """A role written as Hearth does (`"user"`) or as SillyTavern does (1); None if neither."""
    if isinstance(value, str) and value in ROLES:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(ROLES):
        return ROLES[value]
    return None


def _bool_or_none(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _int_or_none(value: Any, high: int) -> int | None:
    return None if value is None else _int(value, 0, 0, high)


def _groups(value: Any) -> tuple[str, ...]:
    if not isinstance(value, str):
        return ()
    return tuple(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))


def _entry(raw: Mapping[str, Any]) -> LoreEntry:
    found = raw.get("extensions")
    extensions: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    if extensions:
        # A setting stored before Hearth had its field is in the extensions, where the card
        # SillyTavern wrote kept it: read as the API shows it.
        raw = settings_from_extensions(raw)
    position = raw.get("position")
    use_regex = raw.get("use_regex", extensions.get("use_regex", False))
    decorators, content = parse_decorators(str(raw.get("content") or ""))
    entry = LoreEntry(
        keys=_strings(raw.get("keys") or raw.get("key")),
        content=content,
        secondary_keys=_strings(raw.get("secondary_keys") or raw.get("keysecondary")),
        selective=bool(raw.get("selective", False)),
        selective_logic=_selective_logic(extensions.get("selectiveLogic")),
        constant=bool(raw.get("constant", False)),
        enabled=bool(raw.get("enabled", True)),
        case_sensitive=bool(raw.get("case_sensitive") or False),
        use_regex=bool(use_regex),
        insertion_order=_int(raw.get("insertion_order"), 100, -(10**9), 10**9),
        priority=_int(raw.get("priority"), 10, -(10**9), 10**9),
        position=position if position in POSITIONS else "before_char",
        name=str(raw.get("name") or raw.get("comment") or ""),
        probability=_int(raw.get("probability"), 100, 0, 100),
        use_probability=raw.get("use_probability") is not False,
        match_whole_words=_bool_or_none(raw.get("match_whole_words")),
        depth=_int_or_none(raw.get("depth"), MAX_DEPTH),
        role=role_of(raw.get("role")) or "system",
        scan_depth=_int_or_none(raw.get("scan_depth"), MAX_SCAN_DEPTH),
        groups=_groups(raw.get("group")),
        group_override=raw.get("group_override") is True,
        group_weight=_int(raw.get("group_weight"), DEFAULT_GROUP_WEIGHT, 0, 10**9),
        use_group_scoring=_bool_or_none(raw.get("use_group_scoring")),
        prevent_recursion=raw.get("prevent_recursion") is True,
        exclude_recursion=raw.get("exclude_recursion") is True,
        delay_until_recursion=raw.get("delay_until_recursion") is True,
        delay=_int_or_none(raw.get("delay"), 10**6),
    )
    return _with_decorators(entry, decorators)


# CCv3's `@@position` values, as the nearest place Hearth has: the personality and the
# scenario come after the description, so an entry there goes after the character's
# definition (right after the scenario). RisuAI's `pt_…` places have none.
_DECORATOR_POSITIONS: dict[str, Position] = {
    "before_desc": "before_char",
    "after_desc": "after_char",
    "personality": "after_char",
    "scenario": "after_char",
    "before_example_messages": "before_examples",
    "after_example_messages": "after_examples",
}
_KEY_DECORATORS = ("@@additional_keys", "@@exclude_keys")
# As many keys, and as long, as an entry's own.
_MAX_DECORATOR_KEYS = 100
_MAX_KEY_LENGTH = 200


def _decorator_value(name: str, value: str) -> str | None:
    """The value of a decorator Hearth acts on, or None when Hearth does not know the
    decorator or the value is not one it can use (the spec says to ignore it then)."""
    if name in ("@@activate", "@@dont_activate"):
        return ""
    if name == "@@depth":
        return value if value.isdigit() and int(value) <= MAX_DEPTH else None
    if name == "@@role":
        return value if value in ROLES else None
    if name == "@@position":
        return value if value in _DECORATOR_POSITIONS else None
    if name == "@@scan_depth":
        return value if value.isdigit() and int(value) <= MAX_SCAN_DEPTH else None
    if name in ("@@activate_only_after", "@@activate_only_every"):
        return value if value.isdigit() and int(value) <= 10**6 else None
    if name in _KEY_DECORATORS:
        return value if _decorator_keys(value) else None
    return None


def _decorator_keys(value: str) -> tuple[str, ...]:
    keys = (key.strip() for key in value.split(","))
    return tuple(key for key in keys if key and len(key) <= _MAX_KEY_LENGTH)


def parse_decorators(content: str) -> tuple[dict[str, str], str]:
    """The CCv3 decorators at the top of an entry's content (`@@name value`, one a line)
    that Hearth acts on, by name (the first of a name counts), and the content without
    them. A `@@@name` line is the fallback of the decorator above it: read only when that
    one was not."""
    if not content.startswith("@@"):
        return {}, content
    lines = content.split("\n")
    found: dict[str, str] = {}
    fallback = False  # the decorator above was not read: a `@@@` line may stand in
    rest = len(lines)
    for index, line in enumerate(lines):
        if not line.startswith("@@"):
            rest = index
            break
        if line.startswith("@@@"):
            if not fallback:
                continue
            line = line[1:]
        name, _, value = line.strip().partition(" ")
        read = _decorator_value(name, value.strip())
        fallback = read is None
        if read is not None and name in _KEY_DECORATORS and name in found:
            found[name] += "," + read  # each line adds its keys
        elif read is not None:
            found.setdefault(name, read)
    return found, "\n".join(lines[rest:])


def _with_decorators(entry: LoreEntry, decorators: dict[str, str]) -> LoreEntry:
    """The entry as its decorators set it: they win over its fields (they are the card
    author's word in CCv3 terms), `@@position` over `@@depth` as the spec says."""
    if not decorators:
        return entry
    changes: dict[str, Any] = {
        "always_activate": "@@activate" in decorators,
        "never_activate": "@@dont_activate" in decorators,
    }
    if "@@position" in decorators:
        changes |= {"position": _DECORATOR_POSITIONS[decorators["@@position"]], "depth": None}
    elif "@@depth" in decorators:
        changes["depth"] = int(decorators["@@depth"])
    if "@@role" in decorators:
        changes["role"] = decorators["@@role"]
    if "@@scan_depth" in decorators:
        changes["scan_depth"] = int(decorators["@@scan_depth"])
    if "@@additional_keys" in decorators:
        changes["additional_keys"] = _decorator_keys(decorators["@@additional_keys"])[
            :_MAX_DECORATOR_KEYS
        ]
    if "@@exclude_keys" in decorators:
        changes["exclude_keys"] = _decorator_keys(decorators["@@exclude_keys"])[
            :_MAX_DECORATOR_KEYS
        ]
    if "@@activate_only_after" in decorators:
        changes["activate_only_after"] = int(decorators["@@activate_only_after"])
    if "@@activate_only_every" in decorators:
        changes["activate_only_every"] = int(decorators["@@activate_only_every"])
    return replace(entry, **changes)


# SillyTavern's form of a regex key: `/pattern/flags`, flags as JavaScript writes them.
_REGEX_KEY = regex.compile(r"/(.+)/([dgimsuvy]*)", regex.DOTALL)
# A slash not escaped inside the pattern: the key is text (`/usr/bin/`), as in SillyTavern.
_BARE_SLASH = regex.compile(r"(?:^|[^\\])/")


def _selective_logic(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and AND_ANY <= value <= AND_ALL:
        return value
    return AND_ANY


def _regex_matches(key: str, text: str, timeout: float) -> bool | None:
    """Whether the regex key `/pattern/flags` matches; None when `key` is not one. Its own
    flags decide its case, not the entry's `case_sensitive` (as in SillyTavern)."""
    written = _REGEX_KEY.fullmatch(key)
    if written is None or _BARE_SLASH.search(written.group(1)):
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
        if entry.additional_keys and not self._any_key(entry.additional_keys, entry, text, folded):
            return False
        if entry.exclude_keys and (
            self._any_key(entry.exclude_keys, entry, text, folded) or self.exhausted
        ):
            return False  # one found, or not reached in time: not "none found"
        if not entry.selective or not entry.secondary_keys:
            return True
        logic = entry.selective_logic
        every = logic in (NOT_ALL, AND_ALL)
        hit = self._keys_match(entry.secondary_keys, entry, text, folded, every=every)
        if self.exhausted:
            return False  # not reached in time: not "no secondary key matched"
        return hit if logic in (AND_ANY, AND_ALL) else not hit

    def score(self, entry: LoreEntry, text: str, folded: str) -> int:
        """How many of the entry's keys match, as SillyTavern's group scoring counts them:
        the primary keys, and the secondary ones when they must match (any, or all)."""
        primary = self._count(entry.keys, entry, text, folded)
        if not primary or not entry.secondary_keys:
            return primary
        secondary = self._count(entry.secondary_keys, entry, text, folded)
        if entry.selective_logic == AND_ANY:
            return primary + secondary
        if entry.selective_logic == AND_ALL and secondary == len(entry.secondary_keys):
            return primary + secondary
        return primary

    def _count(self, keys: tuple[str, ...], entry: LoreEntry, text: str, folded: str) -> int:
        return sum(self._any_key((key,), entry, text, folded) for key in keys)

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
    # Whatever `use_regex` says: SillyTavern reads every `/…/flags` key as a regex.
    hit = _regex_matches(key, text, timeout) if key.startswith("/") else None
    if hit is not None:
        return hit
    haystack, needle = (text, key) if entry.case_sensitive else (folded, key.casefold())
    # A key of several words is looked for as written, even for whole words (SillyTavern).
    if entry.match_whole_words and len(needle.split()) == 1:
        return _whole_word(needle).search(haystack) is not None
    return needle in haystack


@lru_cache(maxsize=4096)
def _whole_word(key: str) -> regex.Pattern[str]:
    # Letters of any alphabet count as word characters (SillyTavern's `\W` is ASCII-only,
    # so there "кот" matched inside "котик"). The key is escaped: no backtracking to fear.
    return regex.compile(rf"(?<!\w){regex.escape(key)}(?!\w)")


def _one_per_group(
    new: list[LoreEntry],
    chosen: Sequence[LoreEntry],
    roll: Callable[[], float],
    score: Callable[[LoreEntry], int],
) -> list[LoreEntry]:
    """`new` (entries triggered in one step) with one entry at most of each inclusion group,
    and none of a group `chosen` (the earlier steps) already has one in."""
    names = dict.fromkeys(name for entry in new for name in entry.groups)
    if not names:
        return new
    taken = {name for entry in chosen for name in entry.groups}
    kept = list(new)
    for name in names:
        members = [entry for entry in kept if name in entry.groups]
        winner = None if name in taken else _group_winner(members, roll, score)
        losers = {id(entry) for entry in members if entry is not winner}
        kept = [entry for entry in kept if id(entry) not in losers]
    return kept


def _group_winner(
    members: list[LoreEntry], roll: Callable[[], float], score: Callable[[LoreEntry], int]
) -> LoreEntry:
    if len(members) == 1:
        return members[0]
    if any(entry.use_group_scoring for entry in members):
        # Those that score count only against the group's best; the others stay in the draw.
        scores = [score(entry) for entry in members]
        best = max(scores)
        members = [
            entry
            for entry, points in zip(members, scores, strict=True)
            if points == best or not entry.use_group_scoring
        ]
    overrides = [entry for entry in members if entry.group_override]
    if overrides:
        # SillyTavern's order: the highest `insertion_order` first, the book's order on ties.
        return max(overrides, key=lambda entry: entry.insertion_order)
    point = roll() * sum(entry.group_weight for entry in members)
    reached = 0
    for entry in members:
        reached += entry.group_weight
        if point <= reached:
            return entry
    return members[-1]  # only by a float's rounding


class _RecursionText:
    """What one recursion step matches: the content new in this step, or, for an entry
    that waited for recursion (SillyTavern reads the chat and every content recursed on
    then), the chat and all the content so far."""

    def __init__(
        self,
        new: str,
        recursed: Sequence[str],
        chat_text: Callable[[LoreEntry], tuple[str, str]],
    ) -> None:
        self._new = (new, new.casefold())
        self._recursed = "\n".join(recursed)
        self._chat_text = chat_text
        self._delayed: dict[str, tuple[str, str]] = {}

    def for_entry(self, entry: LoreEntry) -> tuple[str, str]:
        if not entry.delay_until_recursion:
            return self._new
        chat = self._chat_text(entry)[0]
        found = self._delayed.get(chat)
        if found is None:
            text = f"{chat}\n{self._recursed}" if chat else self._recursed
            found = self._delayed[chat] = (text, text.casefold())
        return found


def select_entries(
    book: Lorebook,
    recent_texts: Sequence[str],
    count_tokens: Callable[[str], int],
    *,
    budget: float = SCAN_BUDGET_SECONDS,
    render_key: Callable[[str], str] | None = None,
    rng: random.Random | None = None,
    names: Sequence[str | None] | None = None,
    message_count: int | None = None,
    character_message_count: int | None = None,
) -> list[LoreEntry]:
    """Entries to insert, in insertion order. `recent_texts` is newest last. Keys are
    matched for `budget` seconds at most; entries not reached by then are not triggered.
    `render_key` fills in a key's macros before it is matched; `rng` draws the inclusion
    groups' entries and rolls the entries that have a probability (a seeded one makes the
    selection repeatable). `names`, the speakers of `recent_texts` (aligned by their ends;
    None or "" for a message without one), makes each message read `Name: text`.
    `message_count` (the chat's messages, all of them) applies the entries' `delay`,
    `character_message_count` (the character's messages) `@@activate_only_after` /
    `@@activate_only_every`; unknown (None), they apply nothing."""
    lines = list(recent_texts)
    if names is not None:
        # The newest message has the newest name, whatever either list holds further back.
        offset = len(lines) - len(names)
        for index, name in enumerate(names):
            if name and 0 <= index + offset < len(lines):
                lines[index + offset] = f"{name}: {lines[index + offset]}"
    chat: dict[int, tuple[str, str]] = {}

    def chat_text(entry: LoreEntry) -> tuple[str, str]:
        """The newest messages the entry is matched against, and the same folded."""
        depth = book.scan_depth if entry.scan_depth is None else entry.scan_depth
        found = chat.get(depth)
        if found is None:
            text = "\n".join(lines[-depth:]) if depth > 0 else ""
            found = chat[depth] = (text, text.casefold())
        return found

    def timely(entry: LoreEntry) -> bool:
        """Whether the chat is far enough along for the entry (SillyTavern's `delay`, CCv3's
        `@@activate_only_after` / `@@activate_only_every`); they hold even for constants."""
        if message_count is not None and entry.delay and message_count < entry.delay:
            return False
        count = character_message_count
        if count is None:
            return True
        if entry.activate_only_after is not None and count < entry.activate_only_after:
            return False
        return not entry.activate_only_every or count % entry.activate_only_every == 0

    # `@@activate` wins over `@@dont_activate`, which wins over `constant` (SillyTavern's order).
    enabled = [
        e
        for e in book.entries
        if e.enabled
        and e.content.strip()
        and (e.always_activate or not e.never_activate)
        and timely(e)
    ]
    scan = _Scan(budget, render_key)
    roll = (rng or random).random
    # Rolled once per selection, in book order: an entry that failed stays out, recursion
    # included, and gives nothing to recurse on.
    failed: set[int] = set()

    def passing(entries: list[LoreEntry]) -> list[LoreEntry]:
        kept = []
        for entry in entries:
            if entry.rolled and roll() * 100 >= entry.probability:
                failed.add(id(entry))
            else:
                kept.append(entry)
        return kept

    def forced(entry: LoreEntry) -> bool:
        return entry.constant or entry.always_activate

    # A `delay_until_recursion` entry waits for a recursion step, even a constant one.
    triggered = [
        e
        for e in enabled
        if not e.delay_until_recursion and (forced(e) or scan.triggered(e, *chat_text(e)))
    ]
    chosen = passing(_one_per_group(triggered, [], roll, lambda e: scan.score(e, *chat_text(e))))
    if book.recursive_scanning:
        fresh = list(chosen)
        recursed: list[str] = []
        for _ in range(MAX_RECURSION):
            # A step only follows new content to recurse on (SillyTavern's condition too).
            added = [e.content for e in fresh if not e.prevent_recursion]
            if not added:
                break
            recursed.extend(added)
            step = _RecursionText("\n".join(added), recursed, chat_text)
            triggered = [
                e
                for e in enabled
                if e not in chosen
                and id(e) not in failed
                and not e.exclude_recursion
                and (
                    (e.delay_until_recursion and forced(e)) or scan.triggered(e, *step.for_entry(e))
                )
            ]
            fresh = passing(
                _one_per_group(triggered, chosen, roll, lambda e: scan.score(e, *step.for_entry(e)))  # noqa: B023
            )
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
