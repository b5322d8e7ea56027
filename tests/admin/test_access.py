"""Every admin endpoint refuses everyone but admins (enumerated from the app's routes)."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from hearth.app import create_app
from hearth.config import Settings
from tests.factories import Account, create_account

ZERO_ID = "00000000-0000-7000-8000-000000000000"


def admin_operations(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route under /api/v1/admin, ids filled with a dummy uuid."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith("/api/v1/admin"):
            continue
        for method in operations:
            concrete = re.sub(r"\{[^}]+\}", ZERO_ID, path).removeprefix("/api/v1")
            found.append((method.upper(), concrete))
    return found


def test_the_admin_surface_is_enumerated(settings: Settings) -> None:
    operations = admin_operations(create_app(settings))
    assert len(operations) >= 30
    assert ("GET", "/admin/stats") in operations
    assert ("GET", "/admin/audit") in operations


async def test_every_admin_endpoint_is_403_for_a_signed_in_user(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    someone = await create_account(client)
    refused = {}
    for method, path in admin_operations(app):
        response = await client.request(method, path, headers=someone.headers, json={})
        refused[(method, path)] = response.status_code
    assert set(refused.values()) == {403}, {k: v for k, v in refused.items() if v != 403}


async def test_every_admin_endpoint_is_401_without_a_token(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    statuses = {
        (method, path): (await client.request(method, path, json={})).status_code
        for method, path in admin_operations(app)
    }
    assert set(statuses.values()) == {401}, statuses


@pytest.mark.parametrize("path", ["/admin/stats", "/admin/users", "/admin/audit", "/admin/plans"])
async def test_an_admin_may_read(client: httpx.AsyncClient, admin: Account, path: str) -> None:
    assert (await client.get(path, headers=admin.headers)).status_code == 200
