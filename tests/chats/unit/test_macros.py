"""Card macros, case-insensitive."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime

from hearth.chats.macros import (
    MAX_EXPANSION_CHARS,
    MAX_ROLL_DICE,
    MAX_ROLL_SIDES,
    MacroContext,
    expand,
    with_original,
)


def ctx(seed: str = "chat-1", rng_seed: int = 0) -> MacroContext:
    return MacroContext(char="Aria", user="Sam", pick_seed=seed, rng=random.Random(rng_seed))


def test_char_and_user_in_any_case_and_legacy_tags() -> None:
    text = "{{char}} greets {{USER}}. {{Char}} and <BOT> meet <USER>."
    assert expand(text, ctx()) == "Aria greets Sam. Aria and Aria meet Sam."


def test_comments_are_removed() -> None:
    assert expand("Hi{{// a note for authors}} there", ctx()) == "Hi there"


def test_v3_char_and_user_tags_in_any_case() -> None:
    assert expand("<char> meets <user>; <CHAR> and <bot>", ctx()) == "Aria meets Sam; Aria and Aria"


def test_nested_macros_expand_inside_out() -> None:
    results = {expand("Greets {{random:{{char}},{{user}}}}", ctx(rng_seed=n)) for n in range(20)}
    assert results == {"Greets Aria", "Greets Sam"}


def test_a_comment_holding_a_macro_is_removed_whole() -> None:
    assert expand("Start {{// note for {{user}} only }}End", ctx()) == "Start End"


def test_v3_comment_and_hidden_key_are_removed_from_the_prompt() -> None:
    text = "A {{comment: for readers}}B{{hidden_key:dragon}} C"
    assert expand(text, ctx()) == "A B C"


def test_reverse_reverses_its_text() -> None:
    assert expand("{{reverse:abc}} {{reverse:{{char}}}}", ctx()) == "cba airA"


def test_random_unescapes_escaped_commas() -> None:
    results = {expand(r"{{random:happy\, calm,sad\, tired}}", ctx(rng_seed=n)) for n in range(20)}
    assert results == {"happy, calm", "sad, tired"}


def test_random_and_pick_split_on_double_colons_whichever_colon_follows_the_name() -> None:
    assert {expand("{{random::one,two}}", ctx(rng_seed=n)) for n in range(20)} == {"one", "two"}
    assert {expand("{{random:a::b}}", ctx(rng_seed=n)) for n in range(20)} == {"a", "b"}
    assert {expand("{{pick:a::b}}", ctx(seed=f"chat-{n}")) for n in range(20)} == {"a", "b"}


def test_random_picks_one_of_the_options() -> None:
    results = {expand("{{random:red,green,blue}}", ctx(rng_seed=n)) for n in range(40)}
    assert results == {"red", "green", "blue"}


def test_random_with_double_colon_syntax() -> None:
    assert expand("{{random::a, b::c}}", ctx()) in {"a, b", "c"}


def test_pick_is_stable_for_one_chat() -> None:
    text = "{{pick:tea,coffee,water,juice}}"
    first = {expand(text, ctx(seed="chat-1", rng_seed=n)) for n in range(10)}
    assert len(first) == 1
    across_chats = {expand(text, ctx(seed=f"chat-{n}")) for n in range(40)}
    assert len(across_chats) > 1


def test_roll_stays_within_its_dice() -> None:
    values = {int(expand("{{roll:6}}", ctx(rng_seed=n))) for n in range(100)}
    assert values == {1, 2, 3, 4, 5, 6}
    assert 1 <= int(expand("{{roll:d20}}", ctx())) <= 20


def test_unknown_macros_are_left_alone() -> None:
    assert expand("{{weather}}", ctx()) == "{{weather}}"
    assert expand("{{ char }} {{weather:{{char}}}} {{x", ctx()) == "{{ char }} {{weather:Aria}} {{x"


def test_a_text_without_macros_is_returned_as_is() -> None:
    text = "<b>bold</b> {not a macro}"
    assert expand(text, ctx()) is text


def test_original_stands_for_the_platform_default() -> None:
    assert with_original("Be brief. {{original}}", "Stay in character.") == (
        "Be brief. Stay in character."
    )


def test_newline_and_noop_give_a_line_break_and_nothing() -> None:
    assert expand("a{{newline}}b{{NOOP}}c", ctx()) == "a\nbc"


def test_trim_takes_the_line_breaks_around_it() -> None:
    assert expand("First\n\n{{trim}}\nSecond", ctx()) == "FirstSecond"
    assert expand("Keeps  {{Trim}}  spaces", ctx()) == "Keeps    spaces"


def test_clock_macros_give_the_time_of_the_prompt() -> None:
    at = dataclasses.replace(ctx(), now=datetime(2026, 12, 7, 15, 5, tzinfo=UTC))
    text = "{{time}}|{{date}}|{{weekday}}|{{isotime}}|{{ISODATE}}"
    assert expand(text, at) == "3:05 PM|December 7, 2026|Monday|15:05|2026-12-07"
    midnight = dataclasses.replace(ctx(), now=datetime(2026, 1, 4, 0, 9, tzinfo=UTC))
    assert expand("{{time}} {{weekday}}", midnight) == "12:09 AM Sunday"


def test_clock_macros_without_a_clock_are_left_as_written() -> None:
    assert expand("{{time}} {{date}}", ctx()) == "{{time}} {{date}}"


def test_field_macros_give_the_fields_with_their_names_filled_in() -> None:
    fields = {
        "description": "{{char}} keeps an inn. {{description}}",
        "personality": "warm",
        "scenario": "A storm.",
        "persona": "{{user}} is a bard.",
    }
    with_fields = dataclasses.replace(ctx(), fields=fields)
    text = "{{Description}}|{{personality}}|{{scenario}}|{{PERSONA}}"
    # A field naming itself is not expanded again.
    assert expand(text, with_fields) == (
        "Aria keeps an inn. {{description}}|warm|A storm.|Sam is a bard."
    )


def test_group_macros_are_the_character_outside_group_chats() -> None:
    assert expand("{{charIfNotGroup}} & {{group}}", ctx()) == "Aria & Aria"


def test_model_and_last_message() -> None:
    given = dataclasses.replace(ctx(), model="gpt-x", last_message="See you.")
    assert expand("{{model}}: {{lastMessage}}", given) == "gpt-x: See you."


def test_roll_takes_a_space_as_well_as_a_colon() -> None:
    assert expand("{{roll 3d1}} {{ROLL:2d1}} {{roll::4d1}}", ctx()) == "3 2 4"


def test_setvar_sets_what_getvar_reads_later_in_the_same_prompt() -> None:
    shared = ctx()
    assert expand("{{setvar::mood::calm}}Hi", shared) == "Hi"
    assert expand("{{getvar::mood}}/{{getvar::unset}}", shared) == "calm/"


def test_macros_add_at_most_their_budget_to_a_text() -> None:
    """A field named thousands of times, or a variable doubled again and again, would
    build strings of many megabytes."""
    huge_field = dataclasses.replace(ctx(), fields={"description": "x" * 16_000})
    doubling = "{{setvar::a::xxxxxxxx}}" + "{{setvar::a::{{getvar::a}}{{getvar::a}}}}" * 60

    for text, context in [("{{description}}" * 2_000, huge_field), (doubling, ctx())]:
        assert len(expand(text, context)) <= len(text) + MAX_EXPANSION_CHARS


def test_a_roll_of_thousands_of_digits_is_the_largest_roll() -> None:
    result = expand("{{roll:" + "9" * 5_000 + "d" + "9" * 5_000 + "}}", ctx())
    assert 1 <= int(result) <= MAX_ROLL_DICE * MAX_ROLL_SIDES
