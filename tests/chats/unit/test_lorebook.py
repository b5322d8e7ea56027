"""Lorebook entries triggered by recent messages, Card V2/V3 semantics."""

from __future__ import annotations

from typing import Any

import pytest

from hearth.chats.lorebook import Lorebook, ParsedLorebooks, select_entries


def book(*entries: dict[str, Any], **options: Any) -> Lorebook:
    parsed = Lorebook.from_card({"entries": list(entries), **options})
    assert parsed is not None
    return parsed


def tokens(text: str) -> int:
    return len(text.split())


def contents(selected: list[Any]) -> list[str]:
    return [e.content for e in selected]


def test_a_key_in_recent_messages_triggers_its_entry() -> None:
    lore = book({"keys": ["dragon"], "content": "Dragons sleep in the north."})
    assert contents(select_entries(lore, ["I saw a DRAGON!"], tokens)) == [
        "Dragons sleep in the north."
    ]
    assert select_entries(lore, ["Nothing here."], tokens) == []


def test_only_the_last_scan_depth_messages_are_scanned() -> None:
    lore = book({"keys": ["dragon"], "content": "D"}, scan_depth=2)
    assert select_entries(lore, ["dragon", "hello", "there"], tokens) == []
    assert contents(select_entries(lore, ["hello", "dragon", "there"], tokens)) == ["D"]


def test_case_sensitive_entries_need_the_exact_case() -> None:
    lore = book({"keys": ["Rose"], "content": "R", "case_sensitive": True})
    assert select_entries(lore, ["a rose"], tokens) == []
    assert contents(select_entries(lore, ["a Rose"], tokens)) == ["R"]


def test_selective_entries_need_a_secondary_key_too() -> None:
    lore = book(
        {"keys": ["castle"], "secondary_keys": ["night"], "selective": True, "content": "C"}
    )
    assert select_entries(lore, ["the castle"], tokens) == []
    assert contents(select_entries(lore, ["the castle at night"], tokens)) == ["C"]


@pytest.mark.parametrize(
    ("logic", "fires_with"),
    [
        (0, {"castle night", "castle night rain"}),  # AND ANY
        (1, {"castle", "castle night"}),  # NOT ALL
        (2, {"castle"}),  # NOT ANY
        (3, {"castle night rain"}),  # AND ALL
    ],
)
def test_sillytaverns_selective_logic_decides_how_secondary_keys_count(
    logic: int, fires_with: set[str]
) -> None:
    lore = book(
        {
            "keys": ["castle"],
            "secondary_keys": ["night", "rain"],
            "selective": True,
            "content": "C",
            "extensions": {"selectiveLogic": logic},
        }
    )
    said = ["castle", "castle night", "castle night rain", "night rain"]
    assert {text for text in said if select_entries(lore, [text], tokens)} == fires_with


def test_a_negated_secondary_key_not_reached_in_time_triggers_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A clock one second further at each reading: time runs out after the primary key.
    ticks = iter(range(1000))
    monkeypatch.setattr("hearth.chats.lorebook.time.monotonic", lambda: next(ticks))
    lore = book(
        {
            "keys": ["castle"],
            "secondary_keys": ["night"],
            "selective": True,
            "content": "C",
            "extensions": {"selectiveLogic": 2},
        }
    )
    assert select_entries(lore, ["castle"], tokens, budget=1.5) == []


def test_regex_keys() -> None:
    lore = book({"keys": ["/dra(g|k)on/i"], "content": "D", "use_regex": True})
    assert contents(select_entries(lore, ["a DRAKON"], tokens)) == ["D"]


def test_with_use_regex_a_key_not_written_as_a_regex_matches_as_text() -> None:
    # SillyTavern sets `use_regex` on every entry it exports; only `/…/` keys are regexes.
    lore = book(
        {"keys": ["C++"], "content": "cpp", "use_regex": True},
        {"keys": ["[Secret]"], "content": "secret", "use_regex": True},
        {"keys": ["Dr. Who"], "content": "who", "use_regex": True},
        {"keys": ["what?"], "content": "what", "use_regex": True},
    )
    assert select_entries(lore, ["I have a cat, Drs Who, wha"], tokens) == []
    text = "I code C++ with Dr. Who: [secret] what?"
    assert contents(select_entries(lore, [text], tokens)) == ["cpp", "secret", "who", "what"]


def test_a_regex_key_takes_the_flags_written_after_it() -> None:
    lore = book(
        {"keys": ["/^dragon$/m"], "content": "D", "use_regex": True, "case_sensitive": True},
        {"keys": ["/a.b/s"], "content": "AB", "use_regex": True},
    )
    assert contents(select_entries(lore, ["the\ndragon\nflies", "a\nb"], tokens)) == ["D", "AB"]


def test_a_regex_keys_case_is_its_own_flags_not_the_entrys() -> None:
    lore = book(
        {"keys": ["/Castle/"], "content": "exact", "use_regex": True},  # not case_sensitive
        {"keys": ["/TOWER/i"], "content": "any case", "use_regex": True, "case_sensitive": True},
    )
    assert contents(select_entries(lore, ["the castle and the tower"], tokens)) == ["any case"]


def test_keys_have_their_macros_filled_in_before_matching() -> None:
    lore = book(
        {"keys": ["{{char}}"], "content": "about the character"},
        {"keys": ["/{{user}}'s sword/"], "content": "the sword", "use_regex": True},
    )
    names = {"{{char}}": "Bobby", "/{{user}}'s sword/": "/Dana's sword/"}
    selected = select_entries(
        lore, ["Bobby took Dana's sword"], tokens, render_key=names.__getitem__
    )
    assert contents(selected) == ["about the character", "the sword"]
    assert select_entries(lore, ["Bobby took Dana's sword"], tokens) == []


def test_catastrophic_or_overlong_regex_triggers_nothing_and_returns_fast() -> None:
    import time

    lore = book(
        {"keys": ["/(a+)+$/"], "content": "evil", "use_regex": True},
        {"keys": ["/" + "a" * 300 + "/"], "content": "long", "use_regex": True},
    )
    started = time.monotonic()
    assert select_entries(lore, ["a" * 40 + "!"], tokens) == []
    assert time.monotonic() - started < 1.0


def test_a_regex_too_costly_to_compile_triggers_nothing_and_is_never_compiled() -> None:
    import time

    # Compiling this one alone took 5.8 s and 1.4 GB: `regex` copies counted repeats.
    bomb = "(?:(?:(?:(?:(?:a{10}){10}){10}){10}){10}){12}"
    lore = book(
        {"keys": [f"/{bomb}/"], "content": "bomb", "use_regex": True},
        {"keys": [r"/\d{1,3} gold coins/"], "content": "coins", "use_regex": True},
    )
    started = time.monotonic()
    assert contents(select_entries(lore, ["a" * 50 + " and 120 gold coins"], tokens)) == ["coins"]
    assert time.monotonic() - started < 1.0


def test_matching_stops_at_the_time_budget_and_keeps_the_constant_entries() -> None:
    lore = book(
        {"keys": ["dragon"], "content": "D"},
        {"keys": [], "content": "World rule.", "constant": True},
    )
    assert contents(select_entries(lore, ["a dragon"], tokens, budget=0)) == ["World rule."]
    assert contents(select_entries(lore, ["a dragon"], tokens)) == ["D", "World rule."]


def test_the_largest_lorebook_a_card_may_hold_is_scanned_within_a_second() -> None:
    import time

    regexes = [
        {"keys": [f"/(a|aa)+{n}$/"], "content": "evil", "use_regex": True} for n in range(50)
    ]
    plain = [{"keys": [f"word{n}_{k}" for k in range(100)], "content": "x"} for n in range(450)]
    lore = book(*regexes, *plain, scan_depth=100, recursive_scanning=True)
    started = time.monotonic()
    assert select_entries(lore, ["a" * 30_000] * 100, tokens) == []
    assert time.monotonic() - started < 1.0


def test_constant_entries_are_always_in() -> None:
    lore = book({"keys": [], "content": "World rule.", "constant": True})
    assert contents(select_entries(lore, [], tokens)) == ["World rule."]


def test_disabled_entries_never_trigger() -> None:
    lore = book({"keys": ["x"], "content": "X", "enabled": False})
    assert select_entries(lore, ["x"], tokens) == []


def test_recursive_scanning_lets_entries_trigger_entries() -> None:
    entries = (
        {"keys": ["king"], "content": "The king has a sword."},
        {"keys": ["sword"], "content": "The sword is cursed."},
    )
    flat = book(*entries)
    deep = book(*entries, recursive_scanning=True)
    assert contents(select_entries(flat, ["the king"], tokens)) == ["The king has a sword."]
    assert contents(select_entries(deep, ["the king"], tokens)) == [
        "The king has a sword.",
        "The sword is cursed.",
    ]


def test_ordered_by_insertion_order_and_cut_by_priority_at_the_budget() -> None:
    lore = book(
        {"keys": ["a"], "content": "low priority one", "insertion_order": 1, "priority": 1},
        {"keys": ["a"], "content": "high priority two", "insertion_order": 2, "priority": 9},
        {"keys": ["a"], "content": "mid priority three", "insertion_order": 3, "priority": 5},
        token_budget=6,
    )
    assert contents(select_entries(lore, ["a"], tokens)) == [
        "high priority two",
        "mid priority three",
    ]


def test_an_entry_too_big_for_the_budget_does_not_keep_out_smaller_ones() -> None:
    lore = book(
        {"keys": ["a"], "content": "huge " * 95, "insertion_order": 1, "priority": 100},
        {"keys": ["a"], "content": "small one", "insertion_order": 2, "priority": 50},
        {"keys": ["a"], "content": "small two", "insertion_order": 3, "priority": 10},
        {"keys": ["a"], "content": "does not fit", "insertion_order": 4, "priority": 5},
        token_budget=5,
    )
    assert contents(select_entries(lore, ["a"], tokens)) == ["small one", "small two"]


def test_scan_depth_is_honoured_up_to_what_the_lorebook_schema_accepts() -> None:
    from hearth.characters.lorebook import Lorebook as StoredLorebook

    deepest = StoredLorebook.model_fields["scan_depth"].metadata[-1].le
    lore = book({"keys": ["dragon"], "content": "D"}, scan_depth=deepest)
    assert lore.scan_depth == deepest
    recent = ["dragon", *["nothing"] * (deepest - 1)]
    assert contents(select_entries(lore, recent, tokens)) == ["D"]


def test_position_is_read_from_the_card() -> None:
    lore = book({"keys": ["a"], "content": "x", "position": "after_char"})
    assert lore.entries[0].position == "after_char"


def test_parsed_lorebooks_parse_each_version_of_a_character_once() -> None:
    books = ParsedLorebooks()
    first = {"entries": [{"keys": ["dragon"], "content": "D1"}]}
    edited = {"entries": [{"keys": ["dragon"], "content": "D2"}]}

    one = books.get("char", 1, first)
    assert one is not None and books.get("char", 1, first) is one
    after_edit = books.get("char", 2, edited)
    assert after_edit is not None and contents(list(after_edit.entries)) == ["D2"]
    assert books.get("char", 1, None) is None  # no lorebook: nothing kept


def test_parsed_lorebooks_drop_the_least_recently_used_past_their_budget() -> None:
    books = ParsedLorebooks(max_books=2)
    card = {"entries": [{"keys": ["k"], "content": "text"}]}
    a = books.get("a", 1, card)
    b = books.get("b", 1, card)
    assert books.get("a", 1, card) is a  # `a` is now the most recently used
    books.get("c", 1, card)

    assert books.get("a", 1, card) is a
    assert books.get("b", 1, card) is not b  # dropped, parsed again


# -- SillyTavern's probability, whole words, depth; CCv3 decorators ------------------------


class FixedRolls:
    """A random source whose `random()` gives these values in turn."""

    def __init__(self, *values: float) -> None:
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0)


def test_an_entry_with_probability_zero_never_triggers_even_when_constant() -> None:
    lore = book(
        {"keys": ["dragon"], "content": "D", "probability": 0},
        {"constant": True, "content": "C", "probability": 0},
    )
    assert select_entries(lore, ["a dragon"], tokens, rng=FixedRolls(0.0, 0.0)) == []  # type: ignore[arg-type]


def test_a_triggered_entry_goes_in_only_when_its_roll_passes() -> None:
    lore = book({"keys": ["dragon"], "content": "D", "probability": 30})
    passed = select_entries(lore, ["a dragon"], tokens, rng=FixedRolls(0.29))  # type: ignore[arg-type]
    failed = select_entries(lore, ["a dragon"], tokens, rng=FixedRolls(0.30))  # type: ignore[arg-type]
    assert contents(passed) == ["D"]
    assert failed == []


def test_a_seeded_random_source_makes_the_rolls_repeatable() -> None:
    import random

    lore = book(*({"keys": ["a"], "content": f"E{n}", "probability": 50} for n in range(20)))
    first = select_entries(lore, ["a"], tokens, rng=random.Random(7))
    again = select_entries(lore, ["a"], tokens, rng=random.Random(7))
    assert contents(first) == contents(again)
    assert 0 < len(first) < 20


def test_probability_is_ignored_without_use_probability_and_read_from_card_extensions() -> None:
    lore = book(
        {"keys": ["a"], "content": "off", "probability": 0, "use_probability": False},
        {"keys": ["a"], "content": "st", "extensions": {"probability": 0, "useProbability": True}},
    )
    assert lore.entries[1].probability == 0
    assert contents(select_entries(lore, ["a"], tokens, rng=FixedRolls(0.5))) == ["off"]  # type: ignore[arg-type]


def test_an_entry_that_failed_its_roll_triggers_nothing_by_recursion() -> None:
    lore = book(
        {"keys": ["king"], "content": "The king has a sword.", "probability": 50},
        {"keys": ["sword"], "content": "The sword is cursed."},
        recursive_scanning=True,
    )
    assert select_entries(lore, ["the king"], tokens, rng=FixedRolls(0.9)) == []  # type: ignore[arg-type]
    assert len(select_entries(lore, ["the king"], tokens, rng=FixedRolls(0.1))) == 2  # type: ignore[arg-type]


def test_a_whole_words_key_matches_only_a_whole_word_in_any_alphabet() -> None:
    lore = book(
        {"keys": ["cat"], "content": "cat", "match_whole_words": True},
        {"keys": ["кот"], "content": "кот", "match_whole_words": True},
    )
    assert select_entries(lore, ["concatenate котик"], tokens) == []
    assert contents(select_entries(lore, ["A CAT! Кот, да."], tokens)) == ["cat", "кот"]


def test_without_whole_words_a_key_matches_inside_words() -> None:
    lore = book(
        {"keys": ["cat"], "content": "default"},
        {"keys": ["cat"], "content": "off", "match_whole_words": False},
        {"keys": ["cat"], "content": "st", "extensions": {"match_whole_words": True}},
    )
    assert contents(select_entries(lore, ["concatenate"], tokens)) == ["default", "off"]


def test_a_whole_words_key_of_several_words_or_a_regex_matches_as_written() -> None:
    lore = book(
        {"keys": ["old king"], "content": "phrase", "match_whole_words": True},
        {"keys": ["/drag/"], "content": "regex", "use_regex": True, "match_whole_words": True},
    )
    assert contents(select_entries(lore, ["the bold kingdom's dragon"], tokens)) == [
        "phrase",
        "regex",
    ]


def test_depth_and_role_are_read_as_stored_or_from_a_sillytavern_card() -> None:
    lore = book(
        {"keys": ["a"], "content": "stored", "depth": 2, "role": "user"},
        {"keys": ["a"], "content": "st", "extensions": {"position": 4, "depth": 0, "role": 2}},
        {"keys": ["a"], "content": "before", "extensions": {"position": 0, "depth": 4}},
        {"keys": ["a"], "content": "chosen", "depth": None, "extensions": {"position": 4}},
    )
    assert [(e.depth, e.role) for e in lore.entries] == [
        (2, "user"),
        (0, "assistant"),
        (None, "system"),
        (None, "system"),
    ]


def test_activate_decorator_triggers_the_entry_without_keys_and_is_not_sent() -> None:
    lore = book(
        {"keys": [], "content": "@@activate\nAlways here."},
        {"keys": ["dragon"], "content": "@@dont_activate\nNever here.", "constant": True},
        {"keys": ["nothing"], "content": "@@risu_only 4\n@@@activate\nBy the fallback."},
        {"keys": ["nothing"], "content": "@@activate\n@@@dont_activate\nFallback unread."},
    )
    assert contents(select_entries(lore, ["a dragon"], tokens)) == [
        "Always here.",
        "By the fallback.",
        "Fallback unread.",
    ]


def test_depth_role_and_position_decorators_place_the_entry() -> None:
    lore = book(
        {"keys": ["a"], "content": "@@depth 2\n@@role user\nIn the chat."},
        {"keys": ["a"], "content": "@@position after_desc\n@@depth 2\nAfter."},
        {"keys": ["a"], "content": "@@depth deep\n@@role narrator\nIgnored values."},
    )
    placed = [(e.depth, e.role, e.position, e.content) for e in lore.entries]
    assert placed == [
        (2, "user", "before_char", "In the chat."),
        (None, "system", "after_char", "After."),
        (None, "system", "before_char", "Ignored values."),
    ]


# -- SillyTavern's per-entry scan depth and inclusion groups -------------------------------


def test_an_entry_with_its_own_scan_depth_sees_only_that_many_newest_messages() -> None:
    lore = book(
        {"keys": ["dragon"], "content": "book's depth"},
        {"keys": ["dragon"], "content": "last only", "scan_depth": 1},
        {"keys": ["dragon"], "content": "five back", "scan_depth": 5},
        scan_depth=2,
    )
    said = ["dragon", "hello", "a dragon!", "there", "bye"]
    assert contents(select_entries(lore, said, tokens)) == ["five back"]
    assert contents(select_entries(lore, said[:-1], tokens)) == ["book's depth", "five back"]
    assert contents(select_entries(lore, ["dragon"], tokens)) == [
        "book's depth",
        "last only",
        "five back",
    ]


def test_of_one_groups_triggered_entries_one_is_drawn_by_weight() -> None:
    lore = book(
        {"keys": ["mood"], "content": "happy", "group": "mood", "group_weight": 10},
        {"keys": ["mood"], "content": "sad", "group": "mood", "group_weight": 30},
        {"keys": ["mood"], "content": "outside any group"},
    )
    # The draw falls on the weights laid end to end: 0-10 happy, 10-40 sad.
    assert contents(select_entries(lore, ["mood"], tokens, rng=FixedRolls(0.2))) == [  # type: ignore[arg-type]
        "happy",
        "outside any group",
    ]
    assert contents(select_entries(lore, ["mood"], tokens, rng=FixedRolls(0.3))) == [  # type: ignore[arg-type]
        "sad",
        "outside any group",
    ]


def test_a_group_override_entry_wins_its_group_without_a_draw() -> None:
    lore = book(
        {"keys": ["a"], "content": "heavy", "group": "g", "group_weight": 1000},
        {"keys": ["a"], "content": "low order", "group": "g", "group_override": True},
        {
            "keys": ["a"],
            "content": "high order",
            "group": "g",
            "group_override": True,
            "insertion_order": 200,
        },
    )
    assert contents(select_entries(lore, ["a"], tokens, rng=FixedRolls())) == ["high order"]  # type: ignore[arg-type]


def test_an_entry_may_be_in_several_groups_named_with_commas() -> None:
    lore = book(
        {"keys": ["a"], "content": "both", "group": "x, y", "group_override": True},
        {"keys": ["a"], "content": "x only", "group": "x"},
        {"keys": ["a"], "content": "y only", "group": "y"},
    )
    assert contents(select_entries(lore, ["a"], tokens, rng=FixedRolls())) == ["both"]  # type: ignore[arg-type]


def test_the_group_is_drawn_before_the_winner_rolls_its_probability() -> None:
    lore = book(
        {"keys": ["a"], "content": "rare", "group": "g", "probability": 10},
        {"keys": ["a"], "content": "common", "group": "g"},
    )
    # The draw picks "rare" (0.1 of 200 is within its 100), whose roll (0.5) then fails.
    assert select_entries(lore, ["a"], tokens, rng=FixedRolls(0.1, 0.5)) == []  # type: ignore[arg-type]


def test_group_scoring_keeps_the_entries_matching_the_most_keys() -> None:
    lore = book(
        {"keys": ["sword"], "content": "one key", "group": "g", "use_group_scoring": True},
        {
            "keys": ["sword", "king"],
            "content": "two keys",
            "group": "g",
            "use_group_scoring": True,
            "group_weight": 1,
        },
    )
    # Without scoring, the draw (0.9 of 101) would fall on "one key".
    assert contents(select_entries(lore, ["the king's sword"], tokens, rng=FixedRolls(0.9))) == [  # type: ignore[arg-type]
        "two keys"
    ]


def test_a_group_with_an_entry_in_takes_no_other_by_recursion() -> None:
    lore = book(
        {"keys": ["king"], "content": "The king has a sword.", "group": "g"},
        {"keys": ["sword"], "content": "The sword is cursed.", "group": "g"},
        {"keys": ["sword"], "content": "Swords are sharp."},
        recursive_scanning=True,
    )
    assert contents(select_entries(lore, ["the king"], tokens, rng=FixedRolls())) == [  # type: ignore[arg-type]
        "The king has a sword.",
        "Swords are sharp.",
    ]


def test_new_places_scan_depth_and_groups_are_read_as_stored_or_from_a_sillytavern_card() -> None:
    stored = {
        "keys": ["a"],
        "content": "stored",
        "position": "after_examples",
        "scan_depth": 3,
        "group": "g",
        "group_override": True,
        "group_weight": 7,
        "use_group_scoring": True,
    }
    # As Hearth stored an entry before it had these fields: SillyTavern's in extensions.
    st = {
        "keys": ["a"],
        "content": "st",
        "position": "after_char",
        "extensions": {
            "position": 2,
            "scan_depth": 0,
            "group": "g, h",
            "group_override": False,
            "group_weight": 50,
            "use_group_scoring": False,
        },
    }
    lore = book(stored, st)
    read = [
        (e.position, e.scan_depth, e.groups, e.group_override, e.group_weight, e.use_group_scoring)
        for e in lore.entries
    ]
    assert read == [
        ("after_examples", 3, ("g",), True, 7, True),
        ("before_author_note", 0, ("g", "h"), False, 50, False),
    ]


# -- Regex keys whatever `use_regex` says -----------------------------------------------------


def test_a_key_written_as_a_regex_is_a_regex_even_without_use_regex() -> None:
    # Most V2 cards have no `use_regex`: SillyTavern reads every `/…/flags` key as a regex.
    lore = book({"keys": ["/wol(f|ves)/i"], "content": "wolves"})
    assert contents(select_entries(lore, ["Two WOLVES howl."], tokens)) == ["wolves"]
    assert select_entries(lore, ["A wol(f|ves) sign."], tokens) == []


def test_a_key_with_an_unescaped_slash_inside_is_text() -> None:
    lore = book(
        {"keys": ["/usr/bin/"], "content": "path"},
        {"keys": [r"/and\/or/"], "content": "escaped"},
    )
    assert contents(select_entries(lore, ["look in /usr/bin/ and/or there"], tokens)) == [
        "path",
        "escaped",
    ]
    assert select_entries(lore, ["usr bin"], tokens) == []


def test_a_runaway_regex_key_without_use_regex_triggers_nothing_and_returns_fast() -> None:
    import time

    lore = book({"keys": ["/(a+)+$/"], "content": "evil"}, {"keys": ["/a+!/"], "content": "ok"})
    started = time.monotonic()
    assert contents(select_entries(lore, ["a" * 40 + "!"], tokens)) == ["ok"]
    assert time.monotonic() - started < 1.0


# -- SillyTavern's numbered position read first ------------------------------------------------


def test_the_position_number_in_the_extensions_wins_over_before_or_after_char() -> None:
    lore = book(
        {
            "keys": ["a"],
            "content": "st before",
            "position": "after_char",
            "extensions": {"position": 0},
        },
        {
            "keys": ["a"],
            "content": "st after",
            "position": "before_char",
            "extensions": {"position": 1},
        },
        {"keys": ["a"], "content": "no field", "extensions": {"position": 1}},
        {
            "keys": ["a"],
            "content": "hearth place",
            "position": "before_examples",
            "extensions": {"position": 0},
        },
    )
    assert [e.position for e in lore.entries] == [
        "before_char",
        "after_char",
        "after_char",
        "before_examples",
    ]


def test_a_stored_entry_takes_the_numbered_position_and_a_later_edit_of_it_is_kept() -> None:
    from hearth.characters.lorebook import LorebookEntry

    stored = {"keys": ["a"], "position": "after_char", "extensions": {"position": 0, "x": 1}}
    shown = LorebookEntry.model_validate(stored).model_dump()
    assert shown["position"] == "before_char" and shown["extensions"] == {"x": 1}
    # The editor sends back what the API showed, with the place changed.
    edited = LorebookEntry.model_validate({**shown, "position": "after_char"})
    assert edited.position == "after_char"
    assert book(edited.model_dump()).entries[0].position == "after_char"


# -- SillyTavern's recursion settings ----------------------------------------------------------


def test_recursion_settings_are_read_as_stored_or_from_either_sillytavern_spelling() -> None:
    from hearth.characters.lorebook import LorebookEntry

    snake = {"prevent_recursion": True, "exclude_recursion": True, "delay_until_recursion": 2}
    camel = {"preventRecursion": True, "excludeRecursion": True, "delayUntilRecursion": True}
    for extensions in (snake, camel):
        entry = LorebookEntry.model_validate({"keys": ["a"], "extensions": extensions})
        assert (entry.prevent_recursion, entry.exclude_recursion, entry.delay_until_recursion) == (
            True,
            True,
            True,
        )
        engine = book({"keys": ["a"], "content": "x", "extensions": extensions}).entries[0]
        assert engine.prevent_recursion and engine.exclude_recursion
        assert engine.delay_until_recursion
    plain = LorebookEntry.model_validate({"keys": ["a"]})
    assert not (plain.prevent_recursion or plain.exclude_recursion or plain.delay_until_recursion)
    own = LorebookEntry.model_validate(
        {"keys": ["a"], "prevent_recursion": False, "extensions": {"prevent_recursion": True}}
    )
    assert own.prevent_recursion is False


def test_a_prevent_recursion_entrys_content_triggers_no_other_entry() -> None:
    lore = book(
        {"keys": ["king"], "content": "The king has a sword.", "prevent_recursion": True},
        {"keys": ["sword"], "content": "Swords are sharp."},
        recursive_scanning=True,
    )
    assert contents(select_entries(lore, ["the king"], tokens)) == ["The king has a sword."]


def test_an_exclude_recursion_entry_is_triggered_by_the_chat_only() -> None:
    lore = book(
        {"keys": ["king"], "content": "The king has a sword.", "insertion_order": 1},
        {"keys": ["sword"], "content": "Swords are sharp.", "exclude_recursion": True},
        recursive_scanning=True,
    )
    assert contents(select_entries(lore, ["the king"], tokens)) == ["The king has a sword."]
    assert contents(select_entries(lore, ["the king's sword"], tokens)) == [
        "The king has a sword.",
        "Swords are sharp.",
    ]


def test_a_delay_until_recursion_entry_is_triggered_only_in_a_recursion_step() -> None:
    lore = book(
        {"keys": ["king"], "content": "The king has a sword.", "insertion_order": 1},
        {"keys": ["sword"], "content": "Swords are sharp.", "delay_until_recursion": True},
        {"keys": [], "content": "Later rule.", "constant": True, "delay_until_recursion": True},
        recursive_scanning=True,
    )
    assert select_entries(lore, ["a sword"], tokens) == []
    assert contents(select_entries(lore, ["the king"], tokens)) == [
        "The king has a sword.",
        "Swords are sharp.",
        "Later rule.",
    ]


def test_a_delay_until_recursion_entry_matches_the_chat_too_once_a_step_recurses() -> None:
    # SillyTavern's recursion step reads the chat and the content recursed on.
    lore = book(
        {"keys": ["king"], "content": "The king sits.", "insertion_order": 1},
        {"keys": ["sword"], "content": "Swords are sharp.", "delay_until_recursion": True},
        recursive_scanning=True,
    )
    assert contents(select_entries(lore, ["the king's sword"], tokens)) == [
        "The king sits.",
        "Swords are sharp.",
    ]


def test_without_recursive_scanning_a_delay_until_recursion_entry_never_triggers() -> None:
    lore = book(
        {"keys": ["king"], "content": "The king has a sword."},
        {"keys": ["sword"], "content": "Swords are sharp.", "delay_until_recursion": True},
    )
    assert contents(select_entries(lore, ["the king's sword"], tokens)) == ["The king has a sword."]


# -- SillyTavern's delay -----------------------------------------------------------------------


def test_an_entry_with_a_delay_waits_until_the_chat_has_that_many_messages() -> None:
    lore = book(
        {"keys": ["dragon"], "content": "D", "delay": 3},
        {"keys": [], "content": "C", "constant": True, "extensions": {"delay": 3}},
    )
    assert select_entries(lore, ["dragon"], tokens, message_count=2) == []
    assert contents(select_entries(lore, ["dragon"], tokens, message_count=3)) == ["D", "C"]
    # The chat's length unknown: no delay applies.
    assert contents(select_entries(lore, ["dragon"], tokens)) == ["D", "C"]


def test_delay_is_read_as_stored_or_from_sillytavern_extensions() -> None:
    from hearth.characters.lorebook import LorebookEntry

    assert LorebookEntry.model_validate({"extensions": {"delay": 5}}).delay == 5
    assert LorebookEntry.model_validate({"extensions": {"delay": None}}).delay is None
    assert LorebookEntry.model_validate({"delay": 2, "extensions": {"delay": 5}}).delay == 2


# -- CCv3 decorators ---------------------------------------------------------------------------


def test_an_exclude_keys_decorator_keeps_the_entry_out_when_one_of_them_is_found() -> None:
    lore = book({"keys": ["dragon"], "content": "@@exclude_keys dead, slain\nDragons live."})
    assert contents(select_entries(lore, ["a dragon"], tokens)) == ["Dragons live."]
    assert select_entries(lore, ["the dragon was SLAIN"], tokens) == []


def test_an_additional_keys_decorator_needs_one_of_them_found_too() -> None:
    lore = book(
        {"keys": ["castle"], "content": "@@additional_keys night\n@@additional_keys rain\nC"}
    )
    assert select_entries(lore, ["the castle"], tokens) == []
    assert contents(select_entries(lore, ["the castle in the rain"], tokens)) == ["C"]
    assert contents(select_entries(lore, ["the castle at night"], tokens)) == ["C"]


def test_position_decorators_hearth_has_no_place_for_go_to_the_nearest_place() -> None:
    lore = book(
        {"keys": ["a"], "content": "@@position personality\nP"},
        {"keys": ["a"], "content": "@@position scenario\nS"},
        {"keys": ["a"], "content": "@@position before_example_messages\nE"},
        {"keys": ["a"], "content": "@@position pt_custom\nU", "position": "after_char"},
    )
    assert [(e.position, e.content) for e in lore.entries] == [
        ("after_char", "P"),
        ("after_char", "S"),
        ("before_examples", "E"),
        ("after_char", "U"),
    ]


def test_a_scan_depth_decorator_sets_the_entrys_scan_depth() -> None:
    lore = book({"keys": ["dragon"], "content": "@@scan_depth 1\nD"}, scan_depth=4)
    assert lore.entries[0].scan_depth == 1
    assert select_entries(lore, ["dragon", "hello"], tokens) == []


def test_activate_only_after_and_every_decorators_count_the_characters_messages() -> None:
    lore = book(
        {"keys": ["a"], "content": "@@activate_only_after 2\nafter"},
        {"keys": ["a"], "content": "@@activate_only_every 3\nevery"},
    )

    def selected(count: int | None) -> list[str]:
        return contents(select_entries(lore, ["a"], tokens, character_message_count=count))

    assert selected(1) == []
    assert selected(2) == ["after"]
    assert selected(3) == ["after", "every"]
    assert selected(None) == ["after", "every"]


# -- SillyTavern's include names ---------------------------------------------------------------


def test_with_names_a_key_equal_to_a_speakers_name_triggers() -> None:
    lore = book({"keys": ["Seraphina"], "content": "S"}, {"keys": ["/^Dana:/m"], "content": "D"})
    said = ["Hello there.", "Hi!"]
    assert select_entries(lore, said, tokens) == []
    assert contents(select_entries(lore, said, tokens, names=["Seraphina", "Dana"])) == ["S", "D"]


def test_names_are_aligned_with_the_newest_messages() -> None:
    lore = book({"keys": ["Seraphina"], "content": "S"}, scan_depth=1)
    said = ["old", "older", "newest"]
    assert select_entries(lore, said, tokens, names=["Seraphina", "Dana"]) == []
    assert contents(select_entries(lore, said, tokens, names=["Dana", "Seraphina"])) == ["S"]
