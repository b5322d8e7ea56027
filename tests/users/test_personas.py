"""Personas: who the user plays, with exactly one default."""

from __future__ import annotations

import asyncio

import httpx

from tests.factories import create_account


async def test_first_persona_becomes_the_default(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    first = (
        await client.post("/me/personas", headers=account.headers, json={"name": "Knight"})
    ).json()
    assert first["is_default"] is True
    second = (
        await client.post("/me/personas", headers=account.headers, json={"name": "Bard"})
    ).json()
    assert second["is_default"] is False


async def test_making_a_persona_default_unsets_the_previous_one(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    a = (await client.post("/me/personas", headers=account.headers, json={"name": "A"})).json()
    b = (
        await client.post(
            "/me/personas", headers=account.headers, json={"name": "B", "is_default": True}
        )
    ).json()
    personas = {
        p["id"]: p for p in (await client.get("/me/personas", headers=account.headers)).json()
    }
    assert personas[b["id"]]["is_default"] is True
    assert personas[a["id"]]["is_default"] is False
    await client.patch(
        f"/me/personas/{a['id']}", headers=account.headers, json={"is_default": True}
    )
    personas = {
        p["id"]: p for p in (await client.get("/me/personas", headers=account.headers)).json()
    }
    assert [p["is_default"] for p in personas.values()].count(True) == 1
    assert personas[a["id"]]["is_default"] is True


async def test_persona_fields_are_validated(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    for body in [{"name": ""}, {"name": "x" * 65}, {"name": "ok", "description": "x" * 4001}, {}]:
        response = await client.post("/me/personas", headers=account.headers, json=body)
        assert response.status_code == 422, body


async def test_other_users_personas_are_404(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    stranger = await create_account(client)
    persona = (
        await client.post("/me/personas", headers=owner.headers, json={"name": "Mine"})
    ).json()
    path = f"/me/personas/{persona['id']}"
    assert (await client.get(path, headers=stranger.headers)).status_code == 404
    assert (
        await client.patch(path, headers=stranger.headers, json={"name": "Stolen"})
    ).status_code == 404
    assert (await client.delete(path, headers=stranger.headers)).status_code == 404
    assert (await client.get(path, headers=owner.headers)).json()["name"] == "Mine"


async def test_deleted_persona_is_gone(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    persona = (
        await client.post("/me/personas", headers=account.headers, json={"name": "Temp"})
    ).json()
    assert (
        await client.delete(f"/me/personas/{persona['id']}", headers=account.headers)
    ).status_code == 204
    assert (await client.get("/me/personas", headers=account.headers)).json() == []


async def test_a_persona_deleted_from_two_tabs_at_once_is_204_then_404(
    client: httpx.AsyncClient,
) -> None:
    account = await create_account(client)
    persona = (
        await client.post("/me/personas", headers=account.headers, json={"name": "Twice"})
    ).json()
    path = f"/me/personas/{persona['id']}"

    answers = await asyncio.gather(*(client.delete(path, headers=account.headers) for _ in "ab"))

    assert sorted(a.status_code for a in answers) == [204, 404]
    assert (await client.get("/me/personas", headers=account.headers)).json() == []
