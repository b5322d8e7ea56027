"""Fixtures: a fresh database per backend, a running app per test, an HTTP client over ASGI.

See CONTRIBUTING.md for how tests and engineers share this tree.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

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


@pytest.fixture(scope="session")
def _built_apps() -> dict[str, tuple[Settings, FastAPI]]:
    return {}


@pytest.fixture
def settings(
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
    settings_overrides: dict[str, object],
    _built_apps: dict[str, tuple[Settings, FastAPI]],
) -> Settings:
    key = repr((database_url, sorted(settings_overrides.items())))
    if key not in _built_apps:
        values: dict[str, object] = {
            "environment": "test",
            "data_dir": tmp_path_factory.mktemp("data"),
            "database_url": database_url,
            "secret_key": "test-secret-key-that-is-long-enough-for-hs256",
            "log_json": False,
            # Cheap hashes keep the suite fast; production strength is the default.
            "password_hash_time_cost": 1,
            "password_hash_memory_kib": 64,
            **settings_overrides,
        }
        built = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        # Building the routes costs most of a second: one app per distinct configuration,
        # with a fresh lifespan (and so fresh state) for every test.
        _built_apps[key] = (built, create_app(built))
    return _built_apps[key][0]


@pytest.fixture
async def app(
    settings: Settings, database_url: str, _built_apps: dict[str, tuple[Settings, FastAPI]]
) -> AsyncIterator[FastAPI]:
    application = next(app for s, app in _built_apps.values() if s is settings)
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
