"""Moderation: a word/regex list (a file and a table admins edit) and an optional provider.

The rules file (HEARTH_MODERATION_RULES) has one rule per line:
    block: some phrase            # a whole word or phrase, case-insensitive
    flag: re:\\bpattern\\b         # a regular expression (Python syntax)
    # comments and blank lines are ignored; a line without `block:`/`flag:` blocks.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.safety.models import ModerationRule

log = logging.getLogger(__name__)

Action = Literal["allow", "flag", "block"]
Scope = Literal["messages", "characters"]
RULES_TTL_SECONDS = 10.0
PROVIDER_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class CompiledRule:
    regex: re.Pattern[str]
    action: Literal["flag", "block"]
    scope: str
    label: str


@dataclass(frozen=True)
class Verdict:
    action: Action
    matched: list[str] = field(default_factory=list)
    source: str = "rules"


def plain_text(text: str) -> str:
    """The text as the rules read it: compatibility forms folded (ｆｕｌｌｗｉｄｔｈ, ligatures)
    and invisible format characters removed (zero-width spaces and joiners, soft hyphens),
    which would otherwise let any listed word through."""
    if text.isascii():
        return text
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf")


def compile_rule(pattern: str, is_regex: bool, action: str, scope: str = "all") -> CompiledRule:
    if is_regex:
        regex = re.compile(pattern, re.IGNORECASE)
    else:
        words = r"\s+".join(re.escape(w) for w in pattern.split())
        regex = re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)
    return CompiledRule(regex, "flag" if action == "flag" else "block", scope, pattern)


def parse_rules_file(text: str) -> list[CompiledRule]:
    rules = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        action = "block"
        head, sep, rest = line.partition(":")
        if sep and head.strip().lower() in ("block", "flag"):
            action, line = head.strip().lower(), rest.strip()
        is_regex = line.startswith("re:")
        pattern = line[3:].strip() if is_regex else line
        try:
            rules.append(compile_rule(pattern, is_regex, action))
        except re.error as exc:
            log.error("moderation.bad_rule line=%d error=%s", number, exc)
    return rules


def validate_pattern(pattern: str, is_regex: bool) -> str | None:
    """None if the pattern compiles, else why not."""
    try:
        compile_rule(pattern, is_regex, "block")
    except re.error as exc:
        return str(exc)
    return None


class Moderator:
    """Checks text against the rules (file + table, cached briefly) and the provider hook."""

    def __init__(
        self,
        rules_file: Path | None = None,
        provider_url: str | None = None,
        provider_key: str | None = None,
    ) -> None:
        self.rules_file = rules_file
        self.provider_url = provider_url
        self.provider_key = provider_key
        self._file_rules: list[CompiledRule] | None = None
        self._db_rules: list[CompiledRule] = []
        self._loaded_at = float("-inf")

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    async def _rules(self, db: AsyncSession) -> list[CompiledRule]:
        if self._file_rules is None:
            self._file_rules = []
            if self.rules_file is not None:
                import asyncio

                text = await asyncio.to_thread(self.rules_file.read_text, "utf-8")
                self._file_rules = parse_rules_file(text)
        if time.monotonic() - self._loaded_at > RULES_TTL_SECONDS:
            rows = await db.scalars(select(ModerationRule).limit(5000))
            compiled = []
            for row in rows:
                try:
                    compiled.append(compile_rule(row.pattern, row.is_regex, row.action, row.scope))
                except re.error:
                    log.error("moderation.bad_stored_rule id=%s", row.id)
            self._db_rules = compiled
            self._loaded_at = time.monotonic()
        return [*self._file_rules, *self._db_rules]

    async def check(self, db: AsyncSession, text: str, scope: Scope) -> Verdict:
        """`block` wins over `flag`; the provider is asked only when the rules allow."""
        text = plain_text(text)
        matched_block: list[str] = []
        matched_flag: list[str] = []
        for rule in await self._rules(db):
            if rule.scope not in ("all", scope):
                continue
            if rule.regex.search(text):
                (matched_block if rule.action == "block" else matched_flag).append(rule.label)
        if matched_block:
            return Verdict("block", matched_block)
        if self.provider_url:
            flagged = await self._ask_provider(text)
            if flagged:
                return Verdict("block", flagged, source="provider")
        if matched_flag:
            return Verdict("flag", matched_flag)
        return Verdict("allow")

    async def _ask_provider(self, text: str) -> list[str]:
        """OpenAI's moderation endpoint (or any server speaking it): the flagged categories.

        A provider that fails does not block anyone: it is logged and the text goes through.
        """
        assert self.provider_url is not None
        headers = {"Authorization": f"Bearer {self.provider_key}"} if self.provider_key else {}
        try:
            async with httpx.AsyncClient(timeout=PROVIDER_TIMEOUT_SECONDS) as http:
                response = await http.post(self.provider_url, json={"input": text}, headers=headers)
                response.raise_for_status()
                body: Any = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("moderation.provider_failed error=%s", type(exc).__name__)
            return []
        flagged: list[str] = []
        for result in body.get("results", []) if isinstance(body, dict) else []:
            if result.get("flagged"):
                categories = result.get("categories") or {}
                flagged += [name for name, hit in categories.items() if hit] or ["flagged"]
        return flagged
