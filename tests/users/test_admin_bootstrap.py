"""`hearth create-admin` on an account that already exists (the CLI test covers a new one)."""

from __future__ import annotations

import httpx

from hearth.config import Settings
from hearth.users.admin_bootstrap import ensure_admin
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
