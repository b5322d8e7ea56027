"""Administering characters: blocked ones vanish and cannot be chatted with."""

from __future__ import annotations

import httpx

from tests.admin.helpers import audit_entries
from tests.chats.helpers import create_character, create_chat, send_json
from tests.factories import Account, create_account
from tests.fakes.openai_server import FakeOpenAI


async def _catalog_ids(client: httpx.AsyncClient) -> list[str]:
    return [c["id"] for c in (await client.get("/characters")).json()["items"]]


async def test_search_includes_private_and_blocked_characters(
    client: httpx.AsyncClient, admin: Account
) -> None:
    owner = await create_account(client)
    private = await create_character(client, owner, name="Hidden Sage", visibility="private")

    found = await client.get("/admin/characters", params={"q": "sage"}, headers=admin.headers)

    assert [c["id"] for c in found.json()["items"]] == [private["id"]]
    await client.post(f"/admin/characters/{private['id']}/block", headers=admin.headers)
    blocked = await client.get("/admin/characters", params={"blocked": True}, headers=admin.headers)
    assert [c["id"] for c in blocked.json()["items"]] == [private["id"]]


async def test_search_by_name_ignores_letter_case_in_any_alphabet(
    client: httpx.AsyncClient, admin: Account
) -> None:
    owner = await create_account(client, display_name="Ольга Морозова")
    wanted = await create_character(client, owner, name="Снежная Королева")
    await create_character(client, owner, name="Snow Queen")

    characters = await client.get(
        "/admin/characters", params={"q": "снежная"}, headers=admin.headers
    )
    users = await client.get("/admin/users", params={"q": "МОРОЗОВА"}, headers=admin.headers)

    assert [c["id"] for c in characters.json()["items"]] == [wanted["id"]]
    assert [u["id"] for u in users.json()["items"]] == [owner.user["id"]]


async def test_blocked_character_vanishes_from_catalog_and_direct_reads(
    client: httpx.AsyncClient, admin: Account
) -> None:
    owner = await create_account(client)
    viewer = await create_account(client)
    character = await create_character(client, owner)
    assert character["id"] in await _catalog_ids(client)

    await client.post(f"/admin/characters/{character['id']}/block", headers=admin.headers)

    assert character["id"] not in await _catalog_ids(client)
    direct = await client.get(f"/characters/{character['id']}", headers=viewer.headers)
    assert direct.status_code == 404
    start = await client.post(
        "/chats", json={"character_id": character["id"]}, headers=viewer.headers
    )
    assert start.status_code == 404


async def test_existing_chat_with_a_blocked_character_is_read_only(
    client: httpx.AsyncClient, admin: Account, fake_llm: FakeOpenAI
) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner)
    chat = await create_chat(client, owner, character["id"])

    await client.post(f"/admin/characters/{character['id']}/block", headers=admin.headers)

    listed = await client.get(f"/chats/{chat['id']}/messages", headers=owner.headers)
    assert listed.status_code == 200
    refused = await send_json(client, owner, chat["id"])
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "character_blocked"
    assert fake_llm.requests == []


async def test_unblocked_character_returns_to_the_catalog(
    client: httpx.AsyncClient, admin: Account
) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner)
    await client.post(f"/admin/characters/{character['id']}/block", headers=admin.headers)

    await client.post(f"/admin/characters/{character['id']}/unblock", headers=admin.headers)

    assert character["id"] in await _catalog_ids(client)
    actions = [e["action"] for e in await audit_entries(client, admin, target_id=character["id"])]
    assert actions == ["character.unblock", "character.block"]


async def test_admin_edits_anyones_character_and_the_change_is_audited(
    client: httpx.AsyncClient, admin: Account
) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner, name="Typo Nmae")

    response = await client.patch(
        f"/admin/characters/{character['id']}", json={"name": "Typo Name"}, headers=admin.headers
    )

    assert response.json()["name"] == "Typo Name"
    (entry,) = await audit_entries(client, admin, action="character.edit")
    assert (entry["before"], entry["after"]) == ({"name": "Typo Nmae"}, {"name": "Typo Name"})


async def test_admin_deletes_a_character(client: httpx.AsyncClient, admin: Account) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner)

    response = await client.delete(f"/admin/characters/{character['id']}", headers=admin.headers)

    assert response.status_code == 204
    assert (await client.get(f"/characters/{character['id']}")).status_code == 404
    assert [e["action"] for e in await audit_entries(client, admin)] == ["character.delete"]


async def test_a_blocked_character_can_be_deleted_by_its_creator_but_not_changed_or_copied(
    client: httpx.AsyncClient, admin: Account
) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner)
    await client.post(f"/admin/characters/{character['id']}/block", headers=admin.headers)
    path = f"/characters/{character['id']}"

    edited = await client.patch(path, json={"visibility": "public"}, headers=owner.headers)
    exported = await client.get(f"{path}/card", headers=owner.headers)

    assert edited.status_code == exported.status_code == 403
    assert {edited.json()["error"]["code"], exported.json()["error"]["code"]} == {
        "character_locked"
    }
    assert (await client.get(f"{path}/card", headers=admin.headers)).status_code == 200
    assert (await client.delete(path, headers=owner.headers)).status_code == 204


async def test_an_admin_changing_someone_elses_character_by_the_public_routes_is_audited(
    client: httpx.AsyncClient, admin: Account
) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner, visibility="private")
    path = f"/characters/{character['id']}"
    mine = await create_character(client, admin)

    made_public = await client.patch(path, json={"visibility": "public"}, headers=admin.headers)
    deleted = await client.delete(path, headers=admin.headers)
    await client.patch(f"/characters/{mine['id']}", json={"name": "Mine"}, headers=admin.headers)

    assert made_public.status_code == 200 and deleted.status_code == 204
    entries = await audit_entries(client, admin, target_id=character["id"])
    assert [e["action"] for e in entries] == ["character.delete", "character.edit"]
    assert entries[1]["after"] == {"visibility": "public"}
    assert await audit_entries(client, admin, target_id=mine["id"]) == []  # their own
