"""Signing in: by email or username, with throttling against guessing."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import PASSWORD, register


async def test_login_by_username_or_email_in_any_case(client: httpx.AsyncClient) -> None:
    await register(client, email="gina@example.com", username="gina")
    for login in ["gina", "GINA", "gina@example.com", "Gina@Example.com"]:
        response = await client.post("/auth/login", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, login
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 15 * 60
        assert body["access_token"] and body["refresh_token"]


async def test_wrong_password_and_unknown_user_look_the_same(client: httpx.AsyncClient) -> None:
    await register(client, email="hal@example.com", username="hal")
    wrong = await client.post("/auth/login", json={"login": "hal", "password": "nope-nope-nope"})
    unknown = await client.post("/auth/login", json={"login": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"login_failures_limit": 3}


async def test_repeated_failures_lock_the_account_with_retry_after(
    client: httpx.AsyncClient,
) -> None:
    await register(client, email="ivy@example.com", username="ivy")
    for _ in range(3):
        response = await client.post(
            "/auth/login", json={"login": "ivy", "password": "bad-guess-1"}
        )
        assert response.status_code == 401
    # Even the right password is refused while the account is throttled.
    response = await client.post("/auth/login", json={"login": "ivy", "password": PASSWORD})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 15 * 60
    # Another account is not affected.
    await register(client, email="jay@example.com", username="jay")
    ok = await client.post("/auth/login", json={"login": "jay", "password": PASSWORD})
    assert ok.status_code == 200


async def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register(client, email="lea@example.com", username="lea")
    for _ in range(4):
        await client.post("/auth/login", json={"login": "lea", "password": "bad-guess-1"})
    assert (
        await client.post("/auth/login", json={"login": "lea", "password": PASSWORD})
    ).status_code == 429

    elsewhere = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=elsewhere, base_url=str(client.base_url)) as owner:
        signed_in = await owner.post("/auth/login", json={"login": "lea", "password": PASSWORD})

    assert signed_in.status_code == 200


async def test_guesses_spread_over_many_addresses_still_lock_the_account(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register(client, email="max@example.com", username="max")
    for n in range(10):  # 3 failures allowed per address, 30 per account
        address = httpx.ASGITransport(app=app, client=(f"198.51.100.{n}", 40000))
        async with httpx.AsyncClient(transport=address, base_url=str(client.base_url)) as bot:
            for _ in range(3):
                await bot.post("/auth/login", json={"login": "max", "password": "bad-guess-1"})

    locked = await client.post("/auth/login", json={"login": "max", "password": PASSWORD})

    assert locked.status_code == 429


async def test_email_is_throttled_together_with_its_username(client: httpx.AsyncClient) -> None:
    await register(client, email="kim@example.com", username="kim")
    for login in ["kim", "KIM@example.com", "kim"]:
        await client.post("/auth/login", json={"login": login, "password": "bad-guess-1"})
    response = await client.post(
        "/auth/login", json={"login": "kim@example.com", "password": PASSWORD}
    )
    assert response.status_code == 429
