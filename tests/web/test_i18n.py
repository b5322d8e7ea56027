"""The web UI's translations: every language has every key, and every key the UI uses exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import hearth.web

WEB = Path(hearth.web.__file__).resolve().parent
LANGUAGES = ("en", "ru", "es")
# t('key') / t("key") with a literal key; keys built at run time are listed below.
LITERAL_T = re.compile(r"""\bt\(\s*['"]([a-z0-9_]+(?:\.[a-z0-9_]+)+)['"]""")
DATA_I18N = re.compile(r"""data-i18n(?:-[a-z-]+)?=["']([^"']+)["']""")
TEMPLATE_T = re.compile(r"""\bt\(\s*`([^`]*)`""")
PLACEHOLDER = re.compile(r"\{(\w+)\}")

# Keys the UI builds from values: `prefix.${value}` for each of these values.
DYNAMIC_KEYS = {
    "rating.": ("sfw", "moderate", "nsfw"),
    # Pydantic's error types the API sends in a 422's details (api.js fieldMessage).
    "validation.": (
        "missing",
        "less_than_equal",
        "greater_than_equal",
        "less_than",
        "greater_than",
        "string_too_long",
        "string_too_short",
        "too_long",
        "int_parsing",
        "int_from_float",
        "too_short",
        "string_pattern_mismatch",
        "date_parsing",
        "date_from_datetime_parsing",
        "float_parsing",
        "literal_error",
        "enum",
    ),
    "visibility.": ("public", "unlisted", "private"),
    "catalog.sort_": ("popular", "new", "likes"),
    # The inspector's marks, then its part names and message roles (chat-tools.js promptLabel).
    "chat.prompt_": (
        "edited",
        "deleted",
        "part_system",
        "part_lorebook",
        "part_example_dialogue",
        "part_history",
        "part_author_note",
        "part_character_note",
        "part_post_history_instructions",
        "part_instruction",
        "role_system",
        "role_user",
        "role_assistant",
    ),
    # The error codes a failed or interrupted reply stores (message-view.js replyErrorText).
    "reply_error.": (
        "generation_interrupted",
        "message_not_found",
        "internal_error",
        "network",
        "llm_error",
        "llm_auth",
        "llm_rate_limited",
        "llm_quota_exceeded",
        "llm_unavailable",
        "llm_bad_request",
        "llm_unknown_model",
        "llm_content_filtered",
        "llm_timeout",
    ),
    "admin.tab_": (
        "stats",
        "users",
        "characters",
        "reports",
        "providers",
        "plans",
        "moderation",
        "audit",
    ),
    "admin.scope_": ("all", "messages", "characters"),
    "admin.stat_": ("users", "active_users", "characters", "chats", "messages"),
    "report.reason_": (
        "spam",
        "harassment",
        "sexual_content",
        "minors",
        "violence",
        "illegal",
        "other",
    ),
    "report.target_": ("character", "message", "text"),
    "auth.title_": ("signin", "signup", "forgot_password", "reset_password", "verify_email"),
    "editor.": (
        "name",
        "tagline",
        "gender",
        "description",
        "personality",
        "scenario",
        "greeting",
        "example_dialogue",
        "system_prompt",
        "post_history_instructions",
        "creator_notes",
        "content_rating",
        "visibility",
    ),
}
DYNAMIC_SUFFIXED = {
    "editor.": (
        "_hint",
        (
            "name",
            "tagline",
            "gender",
            "description",
            "personality",
            "scenario",
            "greeting",
            "example_dialogue",
            "system_prompt",
            "post_history_instructions",
            "creator_notes",
        ),
    ),
}


def load(language: str) -> dict[str, str]:
    data = json.loads((WEB / "i18n" / f"{language}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def sources() -> list[Path]:
    return [*sorted((WEB / "js").rglob("*.js")), WEB / "index.html"]


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in sources():
        text = path.read_text(encoding="utf-8")
        keys.update(LITERAL_T.findall(text))
        keys.update(DATA_I18N.findall(text))
    for prefix, values in DYNAMIC_KEYS.items():
        keys.update(prefix + value for value in values)
    for prefix, (suffix, values) in DYNAMIC_SUFFIXED.items():
        keys.update(prefix + value + suffix for value in values)
    return keys


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_exactly_the_english_keys(language: str) -> None:
    english, other = load("en"), load(language)
    assert sorted(set(english) - set(other)) == [], f"missing in {language}.json"
    assert sorted(set(other) - set(english)) == [], f"unknown keys in {language}.json"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_empty(language: str) -> None:
    assert [key for key, text in load(language).items() if not str(text).strip()] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_english(language: str) -> None:
    english, other = load("en"), load(language)
    wrong = {
        key: text
        for key, text in other.items()
        if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(english.get(key, "")))
    }
    assert wrong == {}


def test_every_key_used_by_the_ui_exists_in_english() -> None:
    assert sorted(used_keys() - set(load("en"))) == []


def test_every_runtime_built_key_is_declared_in_this_test() -> None:
    """A `t(`prefix.${x}`)` in the UI must have its prefix listed in DYNAMIC_KEYS."""
    declared = set(DYNAMIC_KEYS) | set(DYNAMIC_SUFFIXED)
    undeclared = set()
    for path in sources():
        for template in TEMPLATE_T.findall(path.read_text(encoding="utf-8")):
            prefix = template.split("${", 1)[0]
            if prefix.startswith("errors."):
                continue  # API error codes: a missing one falls back to the server's message
            if prefix not in declared:
                undeclared.add(f"{path.name}: {template}")
    assert sorted(undeclared) == []


def test_the_ui_has_no_unused_keys_left_behind() -> None:
    unused = set(load("en")) - used_keys()
    unused = {key for key in unused if not key.startswith("errors.")}
    assert sorted(unused) == []
