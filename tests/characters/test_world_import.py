"""SillyTavern world files (world info) and what cards carry beyond Hearth's fields."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.characters.helpers import create_character
from tests.factories import Account, create_account

# A world file as SillyTavern saves it: entries keyed by uid, its settings in camelCase.
WORLD_FILE: dict[str, Any] = {
    "name": "The Shire",
    "entries": {
        "7": {
            "uid": 7,
            "key": ["hobbit", "halfling"],
            "keysecondary": [],
            "comment": "Hobbits",
            "content": "Hobbits are small folk who love comfort.",
            "constant": False,
            "selective": True,
            "order": 100,
            "position": 1,
            "disable": False,
            "displayIndex": 0,
            "excludeRecursion": True,
            "preventRecursion": True,
            "delayUntilRecursion": False,
            "probability": 100,
            "useProbability": True,
            "depth": 4,
            "selectiveLogic": 0,
            "group": "",
            "groupOverride": False,
            "groupWeight": 100,
            "scanDepth": None,
            "caseSensitive": None,
            "matchWholeWords": None,
            "useGroupScoring": None,
            "automationId": "shire-1",
            "role": None,
            "vectorized": False,
            "sticky": 2,
            "cooldown": 3,
            "delay": 1,
            "characterFilter": {"isExclude": False, "names": ["Frodo"], "tags": []},
            "triggers": ["normal"],
            "ignoreBudget": True,
            "outletName": "shire",
            "someOtherToolsSetting": {"kept": True},
        }
    },
}


async def _import(client: httpx.AsyncClient, user: Account, data: bytes) -> httpx.Response:
    return await client.post(
        "/characters/import", files={"file": ("file.json", data)}, headers=user.headers
    )


async def _card(client: httpx.AsyncClient, user: Account, cid: str, spec: str) -> dict[str, Any]:
    response = await client.get(f"/characters/{cid}/card?spec={spec}", headers=user.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_world_file_imported_as_a_card_is_422_saying_it_is_a_lorebook(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)

    response = await _import(client, me, json.dumps(WORLD_FILE).encode())

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "lorebook_not_card"
    assert "lorebook" in error["message"]
    mine = await client.get("/me/characters", headers=me.headers)
    assert mine.json()["items"] == []


async def test_a_world_file_patched_as_the_lorebook_becomes_the_characters_lorebook(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)

    response = await client.patch(
        f"/characters/{character['id']}", json={"lorebook": WORLD_FILE}, headers=me.headers
    )

    assert response.status_code == 200, response.text
    book = response.json()["lorebook"]
    assert book["name"] == "The Shire"
    [entry] = book["entries"]
    assert entry["id"] == 7
    assert entry["keys"] == ["hobbit", "halfling"]
    assert entry["content"] == "Hobbits are small folk who love comfort."
    assert entry["position"] == "after_char"
    assert entry["selective"] is True


async def test_a_world_file_keyed_by_a_digit_that_is_not_a_number_keeps_it_as_the_id(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    world = {"entries": {"²": {"key": ["a"], "content": "x"}}}

    response = await client.patch(
        f"/characters/{character['id']}", json={"lorebook": world}, headers=me.headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["lorebook"]["entries"][0]["id"] == "²"


async def test_a_world_file_with_a_bad_entry_patched_as_the_lorebook_is_422(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)

    response = await client.patch(
        f"/characters/{character['id']}",
        json={"lorebook": {"entries": {"0": "not an entry"}}},
        headers=me.headers,
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_world_file_settings_hearth_has_no_field_for_export_under_sillytaverns_names(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    await client.patch(
        f"/characters/{character['id']}", json={"lorebook": WORLD_FILE}, headers=me.headers
    )

    for spec in ("v2", "v3"):
        card = await _card(client, me, character["id"], spec)
        [entry] = card["data"]["character_book"]["entries"]
        assert entry["id"] == 7
        extensions = entry["extensions"]
        assert extensions["exclude_recursion"] is True
        assert extensions["prevent_recursion"] is True
        assert extensions.get("delay_until_recursion", False) is False
        assert extensions["sticky"] == 2
        assert extensions["cooldown"] == 3
        assert extensions["delay"] == 1
        assert extensions["automation_id"] == "shire-1"
        assert extensions["display_index"] == 0
        assert extensions["characterFilter"] == {
            "isExclude": False,
            "names": ["Frodo"],
            "tags": [],
        }
        assert extensions["triggers"] == ["normal"]
        assert extensions["vectorized"] is False
        assert extensions["ignore_budget"] is True
        assert extensions["outlet_name"] == "shire"
        assert extensions["someOtherToolsSetting"] == {"kept": True}
        assert entry["position"] == "after_char"


def _card_with_entry(position: str, number: int) -> bytes:
    entry = {
        "keys": ["castle"],
        "content": "The castle stands on a hill.",
        "enabled": True,
        "insertion_order": 100,
        "position": position,
        "extensions": {"position": number},
    }
    card = {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {"name": "Guard", "character_book": {"entries": [entry]}},
    }
    return json.dumps(card).encode()


@pytest.mark.parametrize(
    ("position", "number", "expected"),
    [("after_char", 0, "before_char"), ("before_char", 1, "after_char")],
)
async def test_an_entrys_number_in_its_extensions_wins_over_its_position_field(
    client: httpx.AsyncClient, position: str, number: int, expected: str
) -> None:
    me = await create_account(client)

    response = await _import(client, me, _card_with_entry(position, number))

    assert response.status_code == 201, response.text
    assert response.json()["lorebook"]["entries"][0]["position"] == expected


async def test_a_json_array_is_refused_as_not_a_character_card(client: httpx.AsyncClient) -> None:
    me = await create_account(client)

    response = await _import(client, me, b'[{"name": "Aria"}]')

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_card"
    assert "not a character card" in error["message"]


async def test_blank_alternate_greetings_are_dropped_so_greeting_index_counts_the_listed_ones(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    card = {
        "spec": "chara_card_v2",
        "data": {
            "name": "Aria",
            "first_mes": "Hi.",
            "alternate_greetings": ["", "Hey there.", "  ", "Good evening."],
        },
    }
    imported = (await _import(client, me, json.dumps(card).encode())).json()
    assert imported["alternate_greetings"] == ["Hey there.", "Good evening."]

    chat = await client.post(
        "/chats",
        json={"character_id": imported["id"], "greeting_index": 2},
        headers=me.headers,
    )

    assert chat.status_code == 201, chat.text
    assert chat.json()["first_message"]["content"] == "Good evening."


async def test_blank_alternate_greetings_sent_to_patch_are_dropped(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)

    response = await client.patch(
        f"/characters/{character['id']}",
        json={"alternate_greetings": ["One.", "", "Two."]},
        headers=me.headers,
    )

    assert response.json()["alternate_greetings"] == ["One.", "Two."]


async def test_a_card_not_changed_since_import_keeps_its_modification_date(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    card = {
        "spec": "chara_card_v3",
        "spec_version": "3.0",
        "data": {"name": "Aria", "creation_date": 1600000000, "modification_date": 1700000000},
    }
    imported = (await _import(client, me, json.dumps(card).encode())).json()

    exported = await _card(client, me, imported["id"], "v3")

    assert exported["data"]["creation_date"] == 1600000000
    assert exported["data"]["modification_date"] == 1700000000
