"""Refresh rotation, reuse detection, logout and logout-all."""

from __future__ import annotations

import asyncio

import httpx

from tests.factories import create_account, login


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/auth/refresh", json={"refresh_token": token})


async def test_refresh_rotates_the_pair(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    response = await _refresh(client, account.refresh_token)
    assert response.status_code == 200
    pair = response.json()
    assert pair["refresh_token"] != account.refresh_token
    me = await client.get("/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200
    # The new refresh token works in turn.
    assert (await _refresh(client, pair["refresh_token"])).status_code == 200


async def test_refresh_token_reuse_revokes_family(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    second = (await _refresh(client, account.refresh_token)).json()
    replay = await _refresh(client, account.refresh_token)
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "refresh_token_reused"
    # Every token of that family is dead now, including the legitimate newest one...
    assert (await _refresh(client, second["refresh_token"])).status_code == 401
    me = await client.get("/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 401


async def test_reuse_in_one_family_leaves_other_sessions_alive(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    other_device = await login(client, account.user["username"])
    await _refresh(client, account.refresh_token)
    await _refresh(client, account.refresh_token)  # replay
    response = await _refresh(client, other_device["refresh_token"])
    assert response.status_code == 200


async def test_concurrent_use_of_one_refresh_token_lets_only_one_through(
    client: httpx.AsyncClient,
) -> None:
    account = await create_account(client)
    results = await asyncio.gather(*[_refresh(client, account.refresh_token) for _ in range(5)])
    assert sorted(r.status_code for r in results).count(200) <= 1


async def test_unknown_refresh_token_is_401(client: httpx.AsyncClient) -> None:
    response = await _refresh(client, "x" * 43)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_invalid"


async def test_logout_ends_the_session_and_is_idempotent(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    for _ in range(2):
        response = await client.post("/auth/logout", json={"refresh_token": account.refresh_token})
        assert response.status_code == 204
    assert (await _refresh(client, account.refresh_token)).status_code == 401
    assert (await client.get("/me", headers=account.headers)).status_code == 401


async def test_logout_all_ends_every_session_of_the_user(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    phone = await login(client, account.user["username"])
    bystander = await create_account(client)
    assert (await client.post("/auth/logout-all", headers=account.headers)).status_code == 204
    assert (await _refresh(client, phone["refresh_token"])).status_code == 401
    phone_headers = {"Authorization": f"Bearer {phone['access_token']}"}
    assert (await client.get("/me", headers=phone_headers)).status_code == 401
    assert (await client.get("/me", headers=bystander.headers)).status_code == 200


async def test_sessions_list_marks_the_current_one(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    await login(client, account.user["username"])
    sessions = (await client.get("/me/sessions", headers=account.headers)).json()
    assert len(sessions) == 2
    assert [s["current"] for s in sessions].count(True) == 1
