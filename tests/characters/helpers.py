"""Small helpers for the characters tests: accounts of each kind, characters with defaults."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from tests.factories import Account, create_account

_counter = itertools.count(1)


def character_body(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    body: dict[str, Any] = {
        "name": f"Character {n}",
        "tagline": "A test character",
        "description": "Someone to talk to.",
        "greeting": "Hello there.",
        "tags": ["test"],
        "content_rating": "sfw",
        "visibility": "public",
    }
    body.update(overrides)
    return body


async def create_character(
    client: httpx.AsyncClient, owner: Account, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/characters", json=character_body(**overrides), headers=owner.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def adult(client: httpx.AsyncClient, *, opted_in: bool = True) -> Account:
    account = await create_account(client, birthdate="1990-05-17")
    if opted_in:
        response = await client.patch("/me", json={"show_nsfw": True}, headers=account.headers)
        assert response.status_code == 200, response.text
    return account


async def minor(client: httpx.AsyncClient) -> Account:
    return await create_account(client, birthdate="2015-03-01")


async def admin(client: httpx.AsyncClient, app: Any) -> Account:
    from sqlalchemy import update

    from hearth.users.models import User

    account = await create_account(client)
    async with app.state.db.sessionmaker() as session, session.begin():
        await session.execute(
            update(User).where(User.username == account.user["username"]).values(is_admin=True)
        )
    return account
