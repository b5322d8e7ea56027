"""`hearth create-admin` on an account that already exists (the CLI test covers a new one)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from hearth.config import Settings
from hearth.users.admin_bootstrap import ensure_admin
from hearth.users.models import User
from tests.factories import PASSWORD, create_account


async def test_create_admin_promotes_an_existing_account_for_good(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    member = await create_account(client)
    assert member.user["is_admin"] is False

    created = await ensure_admin(settings, member.user["email"], member.user["username"], PASSWORD)

    assert created is False
    me = await client.get("/me", headers=member.headers)
    assert me.json()["is_admin"] is True


async def test_create_admin_refuses_an_existing_account_without_its_own_password(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # Someone registered the operator's address first, with a password of their own.
    squatter = await create_account(client)

    with pytest.raises(ValueError, match="not its password"):
        await ensure_admin(
            settings, squatter.user["email"], squatter.user["username"], "operator pass 999"
        )

    me = await client.get("/me", headers=squatter.headers)
    assert me.json()["is_admin"] is False


async def test_create_admin_verifies_the_promoted_email_and_audits_the_promotion(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    member = await create_account(client)
    async with app.state.db.sessionmaker.begin() as db:
        await db.execute(
            update(User)
            .where(User.id == uuid.UUID(member.user["id"]))
            .values(email_verified_at=None)
        )

    await ensure_admin(settings, member.user["email"], member.user["username"], PASSWORD)

    me = await client.get("/me", headers=member.headers)
    assert me.json()["email_verified"] is True
    audit = await client.get(
        "/admin/audit", params={"action": "user.promote"}, headers=member.headers
    )
    (entry,) = audit.json()["items"]
    assert entry["actor_id"] is None  # the command line
    assert entry["target_id"] == member.user["id"]
    assert entry["before"] == {"is_admin": False, "email_verified": False}
    assert entry["after"] == {"is_admin": True, "email_verified": True}
