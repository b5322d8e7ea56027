"""Small helpers of the admin tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from hearth.characters.schemas import CharacterCreate
from hearth.characters.seed import system_user
from hearth.characters.service import create_character
from hearth.users.models import User
from tests.factories import Account


async def make_admin(app: FastAPI, user_id: str) -> None:
    async with app.state.db.sessionmaker() as session:
        await session.execute(
            update(User).where(User.id == uuid.UUID(user_id)).values(is_admin=True)
        )
        await session.commit()


async def audit_entries(
    client: httpx.AsyncClient, admin: Account, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get("/admin/audit", params=params, headers=admin.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def built_in_character(app: FastAPI) -> uuid.UUID:
    """A public demo character owned by the `hearth` system account, as seeding makes."""
    async with app.state.db.sessionmaker() as session:
        owner = await system_user(session)
        character = await create_character(
            session,
            owner,
            CharacterCreate(name="Guide", greeting="Hello!", visibility="public"),
            seed_key=f"test-{uuid.uuid4().hex[:8]}",
        )
        await session.commit()
        return character.id
