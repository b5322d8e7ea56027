"""Changing the password while signed in."""

from __future__ import annotations

import httpx

from hearth.config import Settings
from tests.factories import create_account, login


async def test_password_change_ends_other_sessions_but_keeps_this_one(
    client: httpx.AsyncClient,
) -> None:
    account = await create_account(client)
    laptop = await login(client, account.user["username"])
    response = await client.post(
        "/auth/password/change",
        headers=account.headers,
        json={"current_password": account.password, "new_password": "completely different 42"},
    )
    assert response.status_code == 204
    assert (await client.get("/me", headers=account.headers)).status_code == 200
    laptop_headers = {"Authorization": f"Bearer {laptop['access_token']}"}
    assert (await client.get("/me", headers=laptop_headers)).status_code == 401
    relogin = await client.post(
        "/auth/login",
        json={"login": account.user["username"], "password": "completely different 42"},
    )
    assert relogin.status_code == 200


async def test_password_change_needs_the_current_password(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    response = await client.post(
        "/auth/password/change",
        headers=account.headers,
        json={"current_password": "not it at all", "new_password": "completely different 42"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "wrong_password"


async def test_wrong_current_passwords_are_throttled_like_failed_sign_ins(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    account = await create_account(client)
    guess = {"current_password": "not it at all", "new_password": "completely different 42"}
    for _ in range(settings.login_failures_limit):
        wrong = await client.post("/auth/password/change", headers=account.headers, json=guess)
        assert wrong.status_code == 400

    throttled = await client.post("/auth/password/change", headers=account.headers, json=guess)

    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "rate_limited"
    assert int(throttled.headers["Retry-After"]) >= 1
    signing_in = await client.post(
        "/auth/login", json={"login": account.user["username"], "password": account.password}
    )
    assert signing_in.status_code == 429  # the guesses count against the password itself
