"""Readiness when Redis is configured (needs the Redis at 127.0.0.1:6379)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from hearth.app import create_app
from hearth.config import Settings


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"redis_url": "redis://127.0.0.1:6379/0"}


async def test_readyz_checks_redis_when_configured(client: httpx.AsyncClient) -> None:
    response = await client.get("http://test/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_readyz_is_503_when_redis_is_down(settings: Settings) -> None:
    broken = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    app: FastAPI = create_app(broken)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unavailable"
    assert response.json()["error"]["code"] == "service_unavailable"
