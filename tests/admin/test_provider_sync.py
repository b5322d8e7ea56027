"""A provider or model choice stored through one worker reaches the others."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from hearth.app import create_app
from hearth.config import Settings
from tests.factories import Account
from tests.fakes.openai_server import FakeOpenAI


async def test_another_worker_picks_up_a_stored_provider_and_default_model(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: Account,
    settings: Settings,
    fake_llm: FakeOpenAI,
) -> None:
    other = create_app(settings)  # a second worker on the same database
    async with other.router.lifespan_context(other):
        added = await client.post(
            "/admin/providers",
            json={
                "name": "office",
                "kind": "local",
                "base_url": fake_llm.base_url,
                "api_key": "sk-office-key-123456",
                "extra": {"default_model": "fake-model"},
            },
            headers=admin.headers,
        )
        assert added.status_code == 201, added.text
        chosen = await client.put(
            "/admin/models", json={"default_model": "office/fake-model"}, headers=admin.headers
        )
        assert chosen.status_code == 200, chosen.text
        assert other.state.llm.provider_config("office") is None

        assert await other.state.provider_sync.sync_once() is True

        assert other.state.llm.provider_config("office") is not None
        assert other.state.llm.default_model == "office/fake-model"
        assert await other.state.provider_sync.sync_once() is False  # nothing new
