"""Prompt assembly: parts, order, macros, lorebook, author's note, the history window."""

from __future__ import annotations

import dataclasses
import json
import random
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from hearth.chats.lorebook import Lorebook
from hearth.chats.prompt import (
    DEFAULT_MAIN_PROMPT,
    RATING_DIRECTIVES,
    AuthorNote,
    CharacterSheet,
    DepthPrompt,
    HistoryItem,
    Mode,
    PromptRequest,
    assemble_prompt,
    text_checksum,
)
from hearth.chats.turns import depth_prompt as depth_prompt_of
from hearth.llm.tokens import REPLY_PRIMING, estimate_content_tokens, estimate_prompt_tokens

CARD = CharacterSheet(
    name="Aria",
    description="{{char}} runs the inn.",
    personality="warm",
    scenario="A stormy night.",
)


def history(n: int, words: int = 10) -> list[HistoryItem]:
    items = []
    for i in range(n):
        role = "user" if i % 2 == 0 else "assistant"
        items.append(HistoryItem(role, f"m{i} " + "word " * words))
    return items


def request(**overrides: Any) -> PromptRequest:
    values: dict[str, Any] = {
        "character": CARD,
        "user_name": "Sam",
        "history": [HistoryItem("user", "Hi {{char}}")],
        "context_length": 8192,
        "reply_reserve": 512,
    }
    values.update(overrides)
    return PromptRequest(**values)


def test_system_part_comes_from_the_character_fields_with_macros() -> None:
    prompt = assemble_prompt(request(persona_description="{{user}} is a bard."))

    system = prompt.messages[0]
    assert system.role == "system"
    main = DEFAULT_MAIN_PROMPT.replace("{{char}}", "Aria").replace("{{user}}", "Sam")
    assert system.content.startswith(main)
    assert "Aria runs the inn." in system.content
    assert "Aria's personality: warm" in system.content
    assert "Scenario: A stormy night." in system.content
    assert "About Sam: Sam is a bard." in system.content
    assert prompt.messages[-1].content == "Hi Aria"


def test_nickname_is_used_for_char() -> None:
    card = dataclasses.replace(CARD, nickname="Ari")
    assert "Ari runs the inn." in assemble_prompt(request(character=card)).messages[0].content


def test_card_system_prompt_replaces_the_default_and_honours_original() -> None:
    card = dataclasses.replace(CARD, system_prompt="Be poetic. {{original}}")
    system = assemble_prompt(request(character=card)).messages[0].content
    assert system.startswith("Be poetic. Write Aria's next reply")
    plain = dataclasses.replace(CARD, system_prompt="Only this.")
    assert assemble_prompt(request(character=plain)).messages[0].content.startswith("Only this.")


def test_post_history_instructions_come_last() -> None:
    card = dataclasses.replace(CARD, post_history_instructions="Reply in {{random:one}} line.")
    prompt = assemble_prompt(request(character=card, history=history(4)))
    assert prompt.messages[-1].role == "system"
    assert prompt.messages[-1].content == "Reply in one line."


def test_sfw_characters_get_the_sfw_directive() -> None:
    sfw = assemble_prompt(request()).messages[0].content
    nsfw = assemble_prompt(
        request(character=dataclasses.replace(CARD, content_rating="nsfw"))
    ).messages[0]
    assert RATING_DIRECTIVES["sfw"] in sfw
    assert RATING_DIRECTIVES["sfw"] not in nsfw.content


def test_lorebook_entries_are_placed_before_or_after_the_character() -> None:
    lore = Lorebook.from_card(
        {
            "entries": [
                {"keys": ["storm"], "content": "BEFORE", "position": "before_char"},
                {"keys": ["storm"], "content": "AFTER", "position": "after_char"},
                {"keys": ["dragon"], "content": "NEVER"},
            ]
        }
    )
    card = dataclasses.replace(CARD, lorebook=lore)
    prompt = assemble_prompt(request(character=card, history=[HistoryItem("user", "a storm!")]))
    system = prompt.messages[0].content
    assert system.index("BEFORE") < system.index("Aria runs the inn.") < system.index("AFTER")
    assert "NEVER" not in system
    assert {p.name: p.tokens for p in prompt.parts}["lorebook"] > 0


def test_a_pick_in_a_lorebook_entry_does_not_change_with_the_other_entries_triggered() -> None:
    lore = Lorebook.from_card(
        {
            "entries": [
                {"keys": ["dragon"], "content": "A-PICK {{pick:1,2,3,4,5,6,7,8,9}}"},
                {"constant": True, "content": "B-PICK {{pick:1,2,3,4,5,6,7,8,9}}"},
            ]
        }
    )
    card = dataclasses.replace(CARD, lorebook=lore)

    def b_pick(text: str, seed: str) -> str:
        prompt = assemble_prompt(
            request(character=card, history=[HistoryItem("user", text)], pick_seed=seed)
        )
        system = prompt.messages[0].content
        return system[system.index("B-PICK") :].split("\n")[0]

    for seed in (f"chat-{n}" for n in range(10)):
        assert b_pick("hello", seed) == b_pick("a dragon!", seed)


def test_lorebook_keys_match_the_names_their_macros_stand_for() -> None:
    lore = Lorebook.from_card(
        {"entries": [{"keys": ["{{user}}'s ring", "<char>'s hat"], "content": "RING"}]}
    )
    card = dataclasses.replace(CARD, lorebook=lore)
    with_ring = assemble_prompt(
        request(character=card, history=[HistoryItem("user", "Sam's ring glows")])
    )
    assert "RING" in with_ring.messages[0].content
    with_hat = assemble_prompt(request(character=card, history=[HistoryItem("user", "Aria's hat")]))
    assert "RING" in with_hat.messages[0].content


def test_author_note_goes_in_at_its_depth_every_frequency_turns() -> None:
    note = AuthorNote("[NOTE]", depth=2, frequency=2)
    shown = assemble_prompt(request(history=history(5), author_note=note, turn=4))
    skipped = assemble_prompt(request(history=history(5), author_note=note, turn=3))
    contents = [m.content for m in shown.messages]
    assert contents[-3] == "[NOTE]"
    assert "[NOTE]" not in [m.content for m in skipped.messages]


def test_example_dialogue_is_dropped_before_any_history() -> None:
    card = dataclasses.replace(CARD, example_dialogue="{{char}}: " + "example " * 60)
    roomy = assemble_prompt(request(character=card, history=history(4)))
    fixed_and_history = assemble_prompt(
        request(character=dataclasses.replace(card, example_dialogue=""), history=history(4))
    ).total_tokens
    tight = assemble_prompt(
        request(
            character=card,
            history=history(4),
            context_length=fixed_and_history + 512 + 5,  # room for all history, not the example
        )
    )
    assert not roomy.example_dialogue_dropped
    assert "Example of how Aria writes" in roomy.messages[1].content
    assert tight.example_dialogue_dropped
    assert tight.history_count == 4


def test_example_dialogue_is_dropped_when_older_history_was_not_even_read() -> None:
    card = dataclasses.replace(CARD, example_dialogue="{{char}}: hi")
    prompt = assemble_prompt(request(character=card, history=history(4), has_older_history=True))
    assert prompt.example_dialogue_dropped


def test_window_keeps_the_newest_messages_at_the_exact_budget_boundary() -> None:
    items = history(10)
    everything = assemble_prompt(request(history=items))
    exact = assemble_prompt(request(history=items, context_length=everything.total_tokens + 512))
    one_short = assemble_prompt(
        request(history=items, context_length=everything.total_tokens + 512 - 1)
    )

    assert exact.history_count == 10
    assert exact.total_tokens <= exact.budget
    assert one_short.history_count == 9
    assert one_short.total_tokens <= one_short.budget
    # The oldest went first; the newest stayed.
    assert one_short.messages[1].content == items[1].content
    assert one_short.messages[-1].content == items[-1].content


def test_system_part_and_latest_user_message_are_never_dropped() -> None:
    items = [*history(3), HistoryItem("user", "the latest " + "word " * 200)]
    prompt = assemble_prompt(request(history=items, context_length=600, reply_reserve=512))
    assert prompt.messages[0].role == "system"
    assert prompt.messages[-1].content == items[-1].content
    assert prompt.history_count == 1


def test_snapshot_counts_tokens_per_part() -> None:
    snapshot = assemble_prompt(request(history=history(4))).snapshot()
    parts = {p["name"]: p["tokens"] for p in snapshot["parts"]}
    assert parts["system"] > 0 and parts["history"] > 0
    assert len(snapshot["messages"]) == 5


def test_impersonate_and_continue_add_an_instruction_last() -> None:
    impersonate = assemble_prompt(request(mode="impersonate"))
    cont = assemble_prompt(request(mode="continue"))
    assert "Write Sam's next message" in impersonate.messages[-1].content
    assert "Continue Aria's last message" in cont.messages[-1].content


@pytest.mark.parametrize("mode", ["reply", "continue", "impersonate"])
def test_total_and_parts_count_every_message_sent(mode: Mode) -> None:
    lore = Lorebook.from_card({"entries": [{"keys": ["storm"], "content": "Storms are rare."}]})
    card = dataclasses.replace(
        CARD,
        lorebook=lore,
        example_dialogue="{{char}}: Welcome!",
        post_history_instructions="Be brief.",
    )
    counted = [*history(6)[:-1], HistoryItem("user", "A storm, {{char}}?", tokens=999)]
    prompt = assemble_prompt(
        request(
            character=card,
            history=counted,
            author_note=AuthorNote("[NOTE]", depth=1),
            turn=1,
            mode=mode,
        )
    )

    # A count the reader gave is dropped once macros change the text.
    assert prompt.messages[-2 if mode == "reply" else -3].content == "A storm, Aria?"
    assert prompt.total_tokens == estimate_prompt_tokens(prompt.messages)
    assert sum(p.tokens for p in prompt.parts) + REPLY_PRIMING == prompt.total_tokens


def test_a_count_given_with_a_history_item_is_used_as_is() -> None:
    plain = assemble_prompt(request(history=[HistoryItem("user", "hello")]))
    given = assemble_prompt(request(history=[HistoryItem("user", "hello", tokens=500)]))
    history_tokens = {p.name: p.tokens for p in given.parts}["history"]
    assert history_tokens == 500
    assert given.total_tokens - plain.total_tokens == 500 - estimate_content_tokens("hello")


def test_snapshot_refers_to_stored_messages_and_copies_only_prompt_text() -> None:
    # As the drivers give them: hex text from SQLite, UUIDs from PostgreSQL.
    ids: list[object] = [uuid.uuid4().hex, uuid.uuid4(), uuid.uuid4().hex, uuid.uuid4()]
    items = [
        HistoryItem(h.role, h.content, source=i) for h, i in zip(history(3), ids, strict=False)
    ]
    items.append(HistoryItem("user", "A storm, {{char}}?", source=ids[3]))
    note = AuthorNote("Thunder rolls.", depth=1)

    prompt = assemble_prompt(request(history=items, author_note=note))
    entries = prompt.snapshot()["messages"]

    assert len(entries) == len(prompt.messages)
    by_role_text = {(e["role"], e.get("content")): e for e in entries}
    assert by_role_text[("system", "Thunder rolls.")] == {
        "role": "system",
        "content": "Thunder rolls.",
    }
    refs = [e for e in entries if "ref" in e]
    assert [uuid.UUID(e["ref"]) for e in refs] == [uuid.UUID(str(i)) for i in ids]
    # The macro-filled message keeps the text it was sent as, and the stored text's checksum.
    assert entries[-1] == {
        "role": "user",
        "ref": str(ids[3]),
        "checksum": text_checksum("A storm, {{char}}?"),
        "content": "A storm, Aria?",
    }
    for entry, item in zip(refs[:3], items, strict=False):
        assert entry == {
            "role": item.role,
            "ref": str(item.source),
            "checksum": text_checksum(item.content),
        }
    assert entries[0]["role"] == "system" and "Aria runs the inn." in entries[0]["content"]


def test_an_entry_at_depth_goes_into_the_chat_as_a_message_of_its_role() -> None:
    lore = Lorebook.from_card(
        {
            "entries": [
                {"keys": ["m4"], "content": "DEEP {{char}}", "depth": 2, "role": "user"},
                {"keys": ["m4"], "content": "LAST", "depth": 0, "role": "assistant"},
            ]
        }
    )
    card = dataclasses.replace(CARD, lorebook=lore)
    prompt = assemble_prompt(request(character=card, history=history(5)))
    sent = [(m.role, m.content) for m in prompt.messages]
    # Two chat messages from the end: before m3 and m4; at depth 0, after the last.
    assert sent[-4:] == [
        ("user", "DEEP Aria"),
        ("assistant", history(5)[3].content),
        ("user", history(5)[4].content),
        ("assistant", "LAST"),
    ]
    assert "DEEP" not in prompt.messages[0].content
    assert prompt.history_count == 5


def test_entries_at_the_same_depth_and_role_are_joined_in_insertion_order() -> None:
    lore = Lorebook.from_card(
        {
            "entries": [
                {"keys": ["m0"], "content": "TWO", "depth": 1, "insertion_order": 2},
                {"keys": ["m0"], "content": "ONE", "depth": 1, "insertion_order": 1},
                {"keys": ["m0"], "content": "USER", "depth": 1, "role": "user"},
            ]
        }
    )
    card = dataclasses.replace(CARD, lorebook=lore)
    note = AuthorNote("[NOTE]", depth=1)
    prompt = assemble_prompt(request(character=card, history=history(3), author_note=note))
    sent = [(m.role, m.content) for m in prompt.messages]
    # As SillyTavern orders one depth's messages; the author's note after the lorebook's.
    assert sent[-4:] == [
        ("user", "USER"),
        ("system", "ONE\nTWO"),
        ("system", "[NOTE]"),
        ("user", history(3)[-1].content),
    ]


def test_entries_at_depth_are_counted_in_the_lorebook_part_and_the_window() -> None:
    lore = Lorebook.from_card(
        {"entries": [{"constant": True, "content": "lore " * 50, "depth": 3}]}
    )
    card = dataclasses.replace(CARD, lorebook=lore)
    items = history(10)
    plain = assemble_prompt(request(history=items))
    tight = assemble_prompt(
        request(character=card, history=items, context_length=plain.total_tokens + 512)
    )
    parts = {p.name: p.tokens for p in tight.parts}
    assert parts["lorebook"] == estimate_content_tokens(("lore " * 50).strip())
    assert tight.total_tokens == estimate_prompt_tokens(tight.messages) <= tight.budget
    assert sum(parts.values()) + REPLY_PRIMING == tight.total_tokens
    assert tight.history_count < 10  # room for the entry came from the oldest messages


def test_lorebook_rolls_come_from_the_requests_random_source() -> None:
    import random

    entries = [{"keys": ["m0"], "content": f"E{n}", "probability": 50} for n in range(12)]
    card = dataclasses.replace(CARD, lorebook=Lorebook.from_card({"entries": entries}))

    def system(seed: int) -> str:
        prompt = assemble_prompt(
            request(character=card, history=history(1), rng=random.Random(seed))
        )
        return prompt.messages[0].content

    assert system(3) == system(3)
    assert any(system(3) != system(seed) for seed in range(4, 10))


def test_example_dialogue_blocks_are_dropped_from_the_last_when_space_runs_out() -> None:
    blocks = [f"{{{{user}}}}: q{n}\n{{{{char}}}}: " + "answer " * 30 for n in range(3)]
    card = dataclasses.replace(CARD, example_dialogue="<START>\n" + "\n<START>\n".join(blocks))
    roomy = assemble_prompt(request(character=card, history=history(4)))
    example = roomy.messages[1].content
    assert example.startswith("Example of how Aria writes:\n<START>\nSam: q0")
    assert example.count("<START>") == 3 and not roomy.example_dialogue_dropped

    two_blocks = {p.name: p.tokens for p in roomy.parts}["example_dialogue"] - (
        estimate_content_tokens(example)
        - estimate_content_tokens(example.rsplit("\n<START>", 1)[0])
    )
    tight = assemble_prompt(
        request(
            character=card,
            history=history(4),
            context_length=roomy.total_tokens + 512 - (roomy.parts[2].tokens - two_blocks),
        )
    )
    kept = tight.messages[1].content
    assert kept.count("<START>") == 2 and "q1" in kept and "q2" not in kept
    assert tight.example_dialogue_dropped and tight.history_count == 4
    assert tight.total_tokens <= tight.budget


def test_example_dialogue_without_start_is_one_block() -> None:
    card = dataclasses.replace(CARD, example_dialogue="{{char}}: hi")
    prompt = assemble_prompt(request(character=card))
    assert prompt.messages[1].content == "Example of how Aria writes:\n<START>\nAria: hi"


# -- SillyTavern's places by the author's note and the example dialogue --------------------


def _with_lore(*entries: dict[str, Any], **fields: Any) -> CharacterSheet:
    return dataclasses.replace(
        CARD, lorebook=Lorebook.from_card({"entries": list(entries)}), **fields
    )


def test_entries_by_the_author_note_are_joined_into_it_at_its_depth() -> None:
    card = _with_lore(
        {"constant": True, "content": "BELOW", "position": "after_author_note"},
        {"constant": True, "content": "ABOVE {{char}}", "position": "before_author_note"},
    )
    note = AuthorNote("[NOTE]", depth=1)
    prompt = assemble_prompt(request(character=card, history=history(3), author_note=note))
    sent = [(m.role, m.content) for m in prompt.messages]
    assert sent[-2:] == [("system", "ABOVE Aria\n[NOTE]\nBELOW"), ("user", history(3)[-1].content)]
    assert "ABOVE" not in prompt.messages[0].content


def test_entries_by_the_author_note_go_in_at_the_default_depth_when_the_chat_has_none() -> None:
    card = _with_lore({"constant": True, "content": "LORE", "position": "before_author_note"})
    prompt = assemble_prompt(request(character=card, history=history(6)))
    sent = [m.content for m in prompt.messages]
    # Four chat messages from the end, as SillyTavern's empty default note.
    assert sent[-5:] == ["LORE", *(h.content for h in history(6)[-4:])]


def test_entries_by_the_author_note_stay_out_when_the_note_does_not_go_in() -> None:
    card = _with_lore({"constant": True, "content": "LORE", "position": "after_author_note"})
    note = AuthorNote("[NOTE]", depth=1, frequency=3)
    prompt = assemble_prompt(request(character=card, history=history(3), author_note=note, turn=2))
    assert all("LORE" not in m.content for m in prompt.messages)
    parts = {p.name: p.tokens for p in prompt.parts}
    assert parts["lorebook"] == parts["author_note"] == 0


def test_entries_by_the_examples_are_example_blocks_before_and_after_the_cards() -> None:
    card = _with_lore(
        {"constant": True, "content": "{{char}}: after", "position": "after_examples"},
        {"constant": True, "content": "<START>\n{{char}}: before", "position": "before_examples"},
        example_dialogue="<START>\n{{char}}: card",
    )
    prompt = assemble_prompt(request(character=card))
    assert prompt.messages[1].content == (
        "Example of how Aria writes:\n"
        "<START>\nAria: before\n<START>\nAria: card\n<START>\nAria: after"
    )


def test_entries_by_the_examples_make_an_example_message_without_the_cards() -> None:
    card = _with_lore({"constant": True, "content": "{{char}}: lore", "position": "after_examples"})
    prompt = assemble_prompt(request(character=card))
    assert prompt.messages[1].content == "Example of how Aria writes:\n<START>\nAria: lore"
    parts = {p.name: p.tokens for p in prompt.parts}
    assert parts["example_dialogue"] == 0
    assert parts["lorebook"] == estimate_prompt_tokens(prompt.messages[1:2]) - REPLY_PRIMING


def test_lorebook_part_counts_its_share_of_the_note_and_the_examples() -> None:
    entries = [
        {"constant": True, "content": "lore " * 20, "position": position}
        for position in ("before_author_note", "after_author_note", "before_examples")
    ]
    card = _with_lore(*entries, example_dialogue="{{char}}: " + "card " * 20)
    note = AuthorNote("[NOTE]", depth=1)
    plain = assemble_prompt(
        request(
            character=dataclasses.replace(CARD, example_dialogue=card.example_dialogue),
            history=history(4),
            author_note=note,
        )
    )
    prompt = assemble_prompt(request(character=card, history=history(4), author_note=note))
    parts = {p.name: p.tokens for p in prompt.parts}
    plain_parts = {p.name: p.tokens for p in plain.parts}
    assert prompt.total_tokens == estimate_prompt_tokens(prompt.messages)
    assert sum(parts.values()) + REPLY_PRIMING == prompt.total_tokens
    assert parts["author_note"] == plain_parts["author_note"]
    assert parts["example_dialogue"] == plain_parts["example_dialogue"]
    assert parts["lorebook"] == prompt.total_tokens - plain.total_tokens > 0


def test_lorebook_example_blocks_after_the_cards_are_dropped_first() -> None:
    card = _with_lore(
        {"constant": True, "content": "{{char}}: " + "lore " * 30, "position": "after_examples"},
        example_dialogue="{{char}}: card",
    )
    roomy = assemble_prompt(request(character=card, history=history(4)))
    lore_share = {p.name: p.tokens for p in roomy.parts}["lorebook"]
    tight = assemble_prompt(
        request(character=card, history=history(4), context_length=roomy.total_tokens + 511 - 20)
    )
    assert lore_share > 20
    assert tight.messages[1].content == "Example of how Aria writes:\n<START>\nAria: card"
    assert tight.example_dialogue_dropped and tight.history_count == 4
    assert {p.name: p.tokens for p in tight.parts}["lorebook"] == 0


def _random_history() -> list[HistoryItem]:
    return [
        HistoryItem("user", "I roll {{roll:1d1000000}}.", source=uuid.uuid4().hex),
        HistoryItem("assistant", "{{random::red::green::blue::gold}}!", source=uuid.uuid4()),
        HistoryItem("user", "And {{roll 1d1000000}}? {{random::a::b::c::d::e}}"),
    ]


def test_stored_messages_give_the_same_random_values_on_every_turn() -> None:
    items = _random_history()
    first = assemble_prompt(request(history=items, rng=random.Random(1)))
    second = assemble_prompt(request(history=items, rng=random.Random(2)))

    texts = [m.content for m in first.messages[1:]]
    assert texts == [m.content for m in second.messages[1:]]
    assert "{{" not in "".join(texts)
    # What the inspector shows is what was sent.
    shown = [e["content"] for e in first.snapshot()["messages"][1:]]
    assert shown == texts


def test_two_stored_messages_alike_draw_their_own_values() -> None:
    items = [HistoryItem("user", "{{roll:1d1000000}}", source=uuid.uuid4().hex) for _ in range(2)]
    prompt = assemble_prompt(request(history=items))
    assert prompt.messages[1].content != prompt.messages[2].content


def test_a_message_being_continued_keeps_the_values_it_was_sent_with() -> None:
    source = uuid.uuid4().hex
    stored = HistoryItem("assistant", "{{roll:1d1000000}}", source=source)
    continued = HistoryItem("assistant", "{{roll:1d1000000}}", seed=source)
    before = assemble_prompt(request(history=[stored], rng=random.Random(1)))
    now = assemble_prompt(request(history=[continued], rng=random.Random(2), mode="continue"))
    assert before.messages[1].content == now.messages[1].content


def test_character_note_goes_in_at_its_depth_as_its_role_every_turn() -> None:
    note = DepthPrompt("[{{char}} hides a secret.]", depth=2, role="user")
    card = dataclasses.replace(CARD, depth_prompt=note)
    for turn in (1, 2):
        prompt = assemble_prompt(request(character=card, history=history(5), turn=turn))
        at = [m.content for m in prompt.messages].index("[Aria hides a secret.]")
        assert prompt.messages[at].role == "user"
        assert [m.content[:2] for m in prompt.messages[at + 1 :]] == ["m3", "m4"]


def test_character_note_comes_after_the_author_note_at_the_same_depth() -> None:
    card = dataclasses.replace(CARD, depth_prompt=DepthPrompt("[CHARACTER]", depth=1))
    prompt = assemble_prompt(
        request(character=card, history=history(3), author_note=AuthorNote("[AUTHOR]", depth=1))
    )
    assert [m.content for m in prompt.messages][-3:-1] == ["[AUTHOR]", "[CHARACTER]"]


def test_character_note_is_counted_in_its_part_and_the_budget() -> None:
    card = dataclasses.replace(CARD, depth_prompt=DepthPrompt("Secret " * 50, depth=0))
    with_note = assemble_prompt(request(character=card, history=history(40), context_length=900))
    without = assemble_prompt(request(history=history(40), context_length=900))

    parts = {p.name: p.tokens for p in with_note.parts}
    assert parts["character_note"] > 0
    assert with_note.total_tokens == estimate_prompt_tokens(with_note.messages)
    assert sum(parts.values()) + REPLY_PRIMING == with_note.total_tokens
    assert with_note.total_tokens <= with_note.budget
    assert with_note.history_count < without.history_count


def test_prompt_macros_read_the_card_the_persona_the_model_the_clock_and_the_chat() -> None:
    card = dataclasses.replace(
        CARD,
        post_history_instructions=(
            "{{model}} at {{isotime}} on {{isodate}}; {{persona}} / {{scenario}} / "
            "{{personality}} / {{description}} / last: {{lastMessage}}"
        ),
    )
    prompt = assemble_prompt(
        request(
            character=card,
            persona_description="{{user}} sings.",
            history=[HistoryItem("assistant", "Hello."), HistoryItem("user", "Bye, {{char}}.")],
            model="gpt-x",
            now=datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
        )
    )
    assert prompt.messages[-1].content == (
        "gpt-x at 09:30 on 2026-12-07; Sam sings. / A stormy night. / warm / "
        "Aria runs the inn. / last: Bye, Aria."
    )


def test_a_stored_message_last_message_is_the_one_before_it() -> None:
    items = [HistoryItem("user", "Hi."), HistoryItem("user", "You said: {{lastMessage}}")]
    assert assemble_prompt(request(history=items)).messages[-1].content == "You said: Hi."


def test_a_message_draws_the_same_values_whichever_form_its_id_comes_in() -> None:
    # A new message's id is a UUID; read back from SQLite it is hex text.
    source = uuid.uuid4()
    as_new = HistoryItem("user", "{{roll:1d1000000}}", source=source)
    as_read = HistoryItem("user", "{{roll:1d1000000}}", source=source.hex)
    texts = {assemble_prompt(request(history=[i])).messages[1].content for i in (as_new, as_read)}
    assert len(texts) == 1


def test_a_cards_character_note_is_read_from_its_extensions_with_sillytaverns_defaults() -> None:
    def read(depth_prompt: object) -> DepthPrompt | None:
        return depth_prompt_of(json.dumps({"depth_prompt": depth_prompt}))

    assert read({"prompt": "Hi", "depth": 2, "role": "user"}) == DepthPrompt("Hi", 2, "user")
    assert read({"prompt": "Hi", "depth": -1, "role": "narrator"}) == DepthPrompt("Hi", 4)
    assert read({"prompt": "Hi", "depth": "2"}) == DepthPrompt("Hi", 4)
    assert read({"prompt": "  "}) is None
    assert read({"prompt": 5}) is None
    assert read("Hi") is None
    assert depth_prompt_of('{"depth_prompt": ') is None
    assert depth_prompt_of('["depth_prompt"]') is None
    assert depth_prompt_of(None) is None


def test_a_lorebook_key_equal_to_the_speakers_name_triggers_its_entry() -> None:
    """SillyTavern scans each message as `Name: text`."""
    lore = Lorebook.from_card({"entries": [{"keys": ["Sam"], "content": "Sam owes rent."}]})
    card = dataclasses.replace(CARD, lorebook=lore)

    prompt = assemble_prompt(request(character=card, history=[HistoryItem("user", "Hello")]))

    assert "Sam owes rent." in prompt.messages[0].content


@pytest.mark.parametrize(("messages", "included"), [(3, False), (5, True)])
def test_a_delayed_lorebook_entry_waits_for_the_chat_to_be_that_long(
    messages: int, included: bool
) -> None:
    lore = Lorebook.from_card(
        {"entries": [{"keys": ["m"], "content": "The late clue.", "extensions": {"delay": 5}}]}
    )
    card = dataclasses.replace(CARD, lorebook=lore)

    prompt = assemble_prompt(request(character=card, history=history(messages)))

    assert ("The late clue." in prompt.messages[0].content) is included
