"""Small helpers that create things through the public API, with overridable defaults."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


@dataclass
class Account:
    user: dict[str, Any]
    access_token: str
    refresh_token: str
    password: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    body = {"email": f"user{n}@example.com", "username": f"user{n}", "password": PASSWORD}
    body.update(overrides)
    response = await client.post("/auth/register", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def login(
    client: httpx.AsyncClient, login_name: str, password: str = PASSWORD
) -> dict[str, Any]:
    response = await client.post("/auth/login", json={"login": login_name, "password": password})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def create_account(client: httpx.AsyncClient, **overrides: Any) -> Account:
    """Register and sign in; overrides go to the registration body."""
    user = await register(client, **overrides)
    password = overrides.get("password", PASSWORD)
    tokens = await login(client, user["username"], password)
    return Account(user, tokens["access_token"], tokens["refresh_token"], password)
