"""Fixtures: a fresh database per backend, a running app per test, an HTTP client over ASGI.

See CONTRIBUTING.md for how tests and engineers share this tree.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from hearth.app import create_app
from hearth.config import Settings
from tests.database import backends, create_schema, empty_all_tables, fresh_database


@pytest.fixture(scope="session", params=backends())
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A migrated-to-models database, shared by the tests of one backend."""
    async with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        await create_schema(url)
        yield url


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Override in a test module to change settings for its tests."""
    return {}


@pytest.fixture
def settings(tmp_path: Path, database_url: str, settings_overrides: dict[str, object]) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "secret_key": "test-secret-key-that-is-long-enough-for-hs256",
        "log_json": False,
        **settings_overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def app(settings: Settings, database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        await empty_all_tables(database_url)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as http:
        yield http
