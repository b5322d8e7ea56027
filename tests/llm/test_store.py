"""Providers stored by admins: keys encrypted at rest, loaded into the gateway, never logged."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from hearth.llm.gateway import LLMGateway
from hearth.llm.models import LLMProviderRecord
from hearth.llm.secret_box import SecretBox, SecretUnreadable
from hearth.llm.store import (
    InvalidProviderConfig,
    delete_provider,
    load_stored_providers,
    save_provider,
    stored_provider_configs,
)
from hearth.llm.types import StreamStart
from tests.fakes import FakeOpenAI
from tests.llm.collect import drain
from tests.llm.conftest import MESSAGES, llm_settings

APP_SECRET = "test-app-secret-that-is-long-enough"
STORED_KEY = "sk-stored-by-admin-0123456789"


@pytest.fixture
async def session() -> AsyncIterator[AsyncSession]:
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    async with engine.begin() as conn:
        await conn.run_sync(
            LLMProviderRecord.metadata.create_all, tables=[LLMProviderRecord.__table__]
        )
    async with async_sessionmaker(engine, expire_on_commit=False)() as db:
        yield db
    await engine.dispose()


def test_secret_box_round_trips_and_refuses_another_secret() -> None:
    token = SecretBox(APP_SECRET).encrypt(STORED_KEY)
    assert STORED_KEY not in token
    assert SecretBox(APP_SECRET).decrypt(token) == STORED_KEY
    with pytest.raises(SecretUnreadable):
        SecretBox("another-secret").decrypt(token)


async def test_stored_key_is_encrypted_at_rest(session: AsyncSession) -> None:
    await save_provider(
        session,
        SecretBox(APP_SECRET),
        name="ollama",
        kind="local",
        base_url="http://127.0.0.1:11434/v1",
        api_key=STORED_KEY,
    )
    row = await session.scalar(select(LLMProviderRecord))
    assert row is not None and row.api_key_encrypted and STORED_KEY not in row.api_key_encrypted
    assert STORED_KEY not in repr(row)


async def test_stored_provider_serves_through_the_gateway(
    session: AsyncSession, openai_fake: FakeOpenAI
) -> None:
    box = SecretBox(APP_SECRET)
    await save_provider(
        session,
        box,
        name="my-vllm",
        kind="local",
        base_url=openai_fake.base_url,
        api_key=STORED_KEY,
        extra={"default_model": "qwen2.5"},
    )
    gateway = LLMGateway(llm_settings())
    assert await load_stored_providers(session, gateway, box) == 1
    assert gateway.default_model == "my-vllm/qwen2.5"
    result = await drain(gateway.stream(MESSAGES))
    assert result.events[0] == StreamStart("my-vllm", "qwen2.5")
    assert openai_fake.requests[-1].headers["authorization"] == f"Bearer {STORED_KEY}"


async def test_saving_without_a_key_keeps_the_stored_one(session: AsyncSession) -> None:
    box = SecretBox(APP_SECRET)
    await save_provider(session, box, name="or", kind="openrouter", api_key=STORED_KEY)
    await save_provider(session, box, name="or", kind="openrouter", base_url="http://x/v1")
    [config] = await stored_provider_configs(session, box)
    assert config.key() == STORED_KEY and config.base_url == "http://x/v1"


async def test_disabled_and_deleted_providers_leave_the_gateway(session: AsyncSession) -> None:
    box = SecretBox(APP_SECRET)
    gateway = LLMGateway(llm_settings(openai_api_key="env-key"))
    await save_provider(session, box, name="openai", kind="openai", api_key=STORED_KEY)
    await save_provider(session, box, name="extra", kind="anthropic", api_key=STORED_KEY)
    await load_stored_providers(session, gateway, box)
    assert gateway.provider_config("openai").source == "database"  # type: ignore[union-attr]

    await delete_provider(session, "openai")
    await save_provider(session, box, name="extra", kind="anthropic", enabled=False)
    await load_stored_providers(session, gateway, box)
    assert gateway.provider_config("extra") is None
    assert gateway.provider_config("openai").source == "env"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "kind", "extra"),
    [("Bad/Name", "openai", {}), ("demo", "openai", {}), ("ok", "nope", {}), ("ya", "yandex", {})],
)
async def test_invalid_provider_configs_are_refused(
    session: AsyncSession, name: str, kind: str, extra: dict[str, str]
) -> None:
    with pytest.raises(InvalidProviderConfig):
        await save_provider(
            session, SecretBox(APP_SECRET), name=name, kind=kind, api_key="k", extra=extra
        )


async def test_stored_keys_never_appear_in_logs(
    session: AsyncSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    box = SecretBox(APP_SECRET)
    await save_provider(
        session,
        box,
        name="dead",
        kind="local",
        base_url="http://127.0.0.1:9/v1",
        api_key=STORED_KEY,
        extra={"default_model": "m"},
    )
    gateway = LLMGateway(llm_settings())
    await load_stored_providers(session, gateway, box)
    await drain(gateway.stream(MESSAGES))
    await gateway.list_models()
    assert caplog.records
    assert STORED_KEY not in caplog.text
