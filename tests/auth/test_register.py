"""Registration: who may sign up, and what makes a request bad."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from hearth.auth import service
from tests.factories import PASSWORD, register


async def test_register_returns_the_new_user_without_secrets(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register",
        json={
            "email": "Ann@Example.com",
            "username": "Ann_1",
            "password": PASSWORD,
            "display_name": "Ann",
            "birthdate": "1990-05-01",
            "locale": "ru",
        },
    )
    assert response.status_code == 201
    user = response.json()
    assert user["email"] == "ann@example.com"
    assert user["username"] == "ann_1"
    assert user["display_name"] == "Ann"
    assert user["locale"] == "ru"
    assert user["birthdate"] == "1990-05-01"
    assert user["is_admin"] is False
    assert "password" not in response.text and "hash" not in response.text


async def test_email_is_unique_regardless_of_case(client: httpx.AsyncClient) -> None:
    await register(client, email="bob@example.com", username="bob")
    response = await client.post(
        "/auth/register",
        json={"email": "BOB@EXAMPLE.COM", "username": "bobby", "password": PASSWORD},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"


async def test_username_is_unique_regardless_of_case(client: httpx.AsyncClient) -> None:
    await register(client, email="c1@example.com", username="carol")
    response = await client.post(
        "/auth/register",
        json={"email": "c2@example.com", "username": "CAROL", "password": PASSWORD},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "username_taken"


async def test_username_rules_are_enforced_per_field(client: httpx.AsyncClient) -> None:
    for bad in ["ab", "x" * 33, "has space", "dash-name", "ünï"]:
        response = await client.post(
            "/auth/register", json={"email": "d@example.com", "username": bad, "password": PASSWORD}
        )
        assert response.status_code == 422, bad
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert [d["field"] for d in error["details"]] == ["username"]


async def test_weak_passwords_are_refused(client: httpx.AsyncClient) -> None:
    cases = {
        "short": "short1",
        "same as username": "eveeveeve",
        "same as email": "eveeveeve@example.com",
        "common": "password123",
    }
    for label, password in cases.items():
        response = await client.post(
            "/auth/register",
            json={"email": "eveeveeve@example.com", "username": "eveeveeve", "password": password},
        )
        assert response.status_code == 422, label
        assert response.json()["error"]["code"] in {"weak_password", "validation_error"}, label
    # Nothing was created by any refused attempt.
    ok = await client.post(
        "/auth/register",
        json={"email": "eveeveeve@example.com", "username": "eveeveeve", "password": PASSWORD},
    )
    assert ok.status_code == 201


async def test_malformed_bodies_get_422_with_field_details(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register",
        json={"email": "not-an-email", "username": "ok_name", "password": PASSWORD, "locale": "fr"},
    )
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"email", "locale"}

    response = await client.post(
        "/auth/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_implausible_birthdate_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register",
        json={
            "email": "f@example.com",
            "username": "frank",
            "password": PASSWORD,
            "birthdate": "2999-01-01",
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "birthdate"


async def test_a_sign_up_sent_twice_at_once_makes_one_account_and_says_why_not_two(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # All three requests pass the check for a taken email before any of them writes.
    together = asyncio.Barrier(3)
    hash_password = service.hash_password

    async def hash_when_all_checked(password: str) -> str:
        await together.wait()
        return await hash_password(password)

    monkeypatch.setattr(service, "hash_password", hash_when_all_checked)
    body = {"email": "dora@example.com", "username": "dora", "password": PASSWORD}

    answers = await asyncio.gather(*(client.post("/auth/register", json=body) for _ in range(3)))

    assert sorted(answer.status_code for answer in answers) == [201, 409, 409]
    refused = [answer.json()["error"]["code"] for answer in answers if answer.status_code == 409]
    assert refused == ["email_taken", "email_taken"]
    login = await client.post("/auth/login", json={"login": "dora", "password": PASSWORD})
    assert login.status_code == 200
