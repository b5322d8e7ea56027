"""Moderation: word/regex rules (file and admin table) block or flag user messages and
character fields; an optional OpenAI-style provider is asked too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.chats.helpers import create_character, create_chat, send_json
from tests.factories import Account, create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.safety.fake_moderation import FakeModeration

RULES = """\
# the operator's list
block: buy gold
flag: re:\\bcasino\\d*\\b
"""


@pytest.fixture(scope="module")
def moderation_server() -> Iterator[FakeModeration]:
    with FakeModeration() as fake:
        yield fake


@pytest.fixture
def settings_overrides(
    tmp_path_factory: pytest.TempPathFactory, moderation_server: FakeModeration
) -> dict[str, object]:
    rules = tmp_path_factory.mktemp("rules") / "rules.txt"
    rules.write_text(RULES)
    return {"moderation_rules": rules, "moderation_url": moderation_server.base_url}


async def _chat(client: httpx.AsyncClient) -> tuple[Account, str]:
    me = await create_account(client)
    character = await create_character(client, me)
    return me, (await create_chat(client, me, character["id"]))["id"]


async def _open_reports(client: httpx.AsyncClient, admin: Account) -> list[dict[str, object]]:
    response = await client.get("/admin/reports", headers=admin.headers)
    return list(response.json()["items"])


async def test_a_blocked_phrase_in_a_message_is_422_content_blocked(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me, chat_id = await _chat(client)

    response = await send_json(client, me, chat_id, "Where can I BUY  GOLD cheap?")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "content_blocked"
    assert fake_llm.requests == []


async def test_words_match_whole_words_only(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me, chat_id = await _chat(client)

    response = await send_json(client, me, chat_id, "I'll buy goldfish food")

    assert response.status_code == 200


async def test_a_flagged_message_goes_through_and_files_a_report(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI, admin: Account
) -> None:
    me, chat_id = await _chat(client)

    response = await send_json(client, me, chat_id, "Let's go to casino7 tonight")

    assert response.status_code == 200
    (report,) = await _open_reports(client, admin)
    assert report["source"] == "moderation"
    assert report["chat_id"] == chat_id
    assert report["subject_user_id"] == me.user["id"]
    assert "casino7" in str(report["excerpt"])


async def test_a_rule_added_by_an_admin_blocks_at_once(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI, admin: Account
) -> None:
    me, chat_id = await _chat(client)
    added = await client.post(
        "/admin/moderation/rules",
        json={"pattern": "spoilers", "action": "block", "scope": "messages"},
        headers=admin.headers,
    )
    assert added.status_code == 201

    response = await send_json(client, me, chat_id, "no spoilers please")

    assert response.json()["error"]["code"] == "content_blocked"
    audit = await client.get("/admin/audit", headers=admin.headers)
    assert audit.json()["items"][0]["action"] == "moderation.rule_add"


async def test_an_invalid_regex_rule_is_refused(client: httpx.AsyncClient, admin: Account) -> None:
    response = await client.post(
        "/admin/moderation/rules",
        json={"pattern": "(unclosed", "is_regex": True},
        headers=admin.headers,
    )
    assert response.status_code == 422


async def test_character_fields_are_checked_on_create_and_edit(client: httpx.AsyncClient) -> None:
    me = await create_account(client)
    created = await client.post(
        "/characters",
        json={"name": "Trader", "description": "Come buy gold from me"},
        headers=me.headers,
    )
    assert created.status_code == 422
    assert created.json()["error"]["code"] == "content_blocked"

    character = await create_character(client, me)
    edited = await client.patch(
        f"/characters/{character['id']}", json={"greeting": "Buy gold here!"}, headers=me.headers
    )
    assert edited.json()["error"]["code"] == "content_blocked"


async def test_the_moderation_provider_blocks_what_it_flags(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI, moderation_server: FakeModeration
) -> None:
    me, chat_id = await _chat(client)

    response = await send_json(client, me, chat_id, "tell me about the forbidden-topic")

    assert response.json()["error"]["code"] == "content_blocked"
    assert moderation_server.requests[-1].json() == {"input": "tell me about the forbidden-topic"}


async def test_a_failing_provider_does_not_block_anyone(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI, moderation_server: FakeModeration
) -> None:
    me, chat_id = await _chat(client)
    moderation_server.broken = True
    try:
        response = await send_json(client, me, chat_id, "hello there")
    finally:
        moderation_server.broken = False

    assert response.status_code == 200


def test_rules_file_parses_words_regexes_and_actions(tmp_path: Path) -> None:
    from hearth.safety.moderation import parse_rules_file

    rules = parse_rules_file("plain\nflag: re:ab+c\n# note\n\nblock: two words\nre:(broken\n")

    assert [(r.label, r.action) for r in rules] == [
        ("plain", "block"),
        ("ab+c", "flag"),
        ("two words", "block"),
    ]


async def test_editing_a_message_into_a_blocked_phrase_is_refused(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me, chat_id = await _chat(client)
    sent = (await send_json(client, me, chat_id, "hello")).json()["user_message"]

    edited = await client.patch(
        f"/chats/{chat_id}/messages/{sent['id']}",
        json={"content": "buy gold now"},
        headers=me.headers,
    )

    assert edited.json()["error"]["code"] == "content_blocked"


async def test_an_imported_card_with_a_blocked_phrase_is_refused_and_not_stored(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    card = {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {
            "name": "Trader",
            "description": "I can help you buy gold today.",
            "first_mes": "Hi",
        },
    }
    files = {"file": ("trader.json", json.dumps(card).encode(), "application/json")}

    response = await client.post("/characters/import", files=files, headers=me.headers)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "content_blocked"
    mine = await client.get("/me/characters", headers=me.headers)
    assert mine.json()["items"] == []


async def test_a_blocked_phrase_in_a_lorebook_is_refused_on_create_and_import(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    lorebook = {"entries": [{"keys": ["market"], "content": "Here you buy gold cheap."}]}
    created = await client.post(
        "/characters", json={"name": "Trader", "lorebook": lorebook}, headers=me.headers
    )
    assert created.status_code == 422
    assert created.json()["error"]["code"] == "content_blocked"

    card = {"spec": "chara_card_v2", "data": {"name": "Trader", "character_book": lorebook}}
    files = {"file": ("trader.json", json.dumps(card).encode(), "application/json")}
    imported = await client.post("/characters/import", files=files, headers=me.headers)
    assert imported.json()["error"]["code"] == "content_blocked"
    assert (await client.get("/me/characters", headers=me.headers)).json()["items"] == []


@pytest.mark.parametrize(
    "disguised",
    ["ｂｕｙ ｇｏｌｄ", "buy go\u200bld", "bu\u00ady gold", "buy\u2060 gold"],
    ids=["fullwidth", "zero-width space", "soft hyphen", "word joiner"],
)
async def test_a_blocked_phrase_disguised_with_unicode_is_still_blocked(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI, disguised: str
) -> None:
    me, chat_id = await _chat(client)

    response = await send_json(client, me, chat_id, f"Where can I {disguised}?")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "content_blocked"
