"""Small helpers of the admin tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update

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
