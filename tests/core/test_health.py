"""Liveness and readiness."""

from __future__ import annotations

import httpx


async def test_healthz_answers_at_root_and_under_the_api(client: httpx.AsyncClient) -> None:
    assert (await client.get("http://test/healthz")).json() == {"status": "ok"}
    assert (await client.get("/healthz")).status_code == 200


async def test_readyz_is_ok_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("http://test/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok"}
