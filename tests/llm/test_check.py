"""`hearth llm check`: a table that says plainly which provider works and why not."""

from __future__ import annotations

import asyncio
import io
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from typer.testing import CliRunner

from hearth.llm.check import check_providers, render_checks
from hearth.llm.cli import llm_app
from hearth.llm.gateway import LLMGateway
from hearth.llm.secret_box import SecretBox
from hearth.llm.store import save_provider
from tests.database import create_schema
from tests.fakes import FakeAnthropic, FakeGemini, FakeOpenAI, Reply
from tests.llm.conftest import OPENAI_KEY, llm_settings

APP_SECRET = "test-app-secret-that-is-long-enough-for-the-cli"

ENV_VARS = (
    "OPENAI_API_KEY",
    "OPENROUTER_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "YANDEX_API_KEY",
    "HEARTH_LOCAL_LLM_BASE_URL",
    "HEARTH_DEFAULT_MODEL",
    "HEARTH_FALLBACK_MODELS",
    "HEARTH_LLM_PROXY",
    "HEARTH_DATABASE_URL",
    "HEARTH_DATA_DIR",
    "HEARTH_SECRET_KEY",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> pytest.MonkeyPatch:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))  # no stray .env
    return monkeypatch


async def test_check_reports_ok_with_latency(openai_fake: FakeOpenAI) -> None:
    gateway = LLMGateway(
        llm_settings(openai_api_key=OPENAI_KEY, openai_base_url=openai_fake.base_url)
    )
    [check] = await check_providers(gateway)
    assert (check.provider, check.model, check.ok, check.status) == (
        "openai",
        "openai/gpt-4o-mini",
        True,
        "OK",
    )
    assert check.latency_ms is not None


async def test_check_explains_a_dead_key_in_plain_words(openai_fake: FakeOpenAI) -> None:
    openai_fake.default_reply = Reply(status=401, error_message="Incorrect API key provided")
    gateway = LLMGateway(
        llm_settings(openai_api_key=OPENAI_KEY, openai_base_url=openai_fake.base_url)
    )
    [check] = await check_providers(gateway)
    assert not check.ok and check.status == "key rejected" and check.code == "llm_auth"


async def test_check_says_cannot_connect_for_a_dead_base_url() -> None:
    gateway = LLMGateway(
        llm_settings(local_base_url="http://127.0.0.1:9/v1", local_model="llama3.2")
    )
    [check] = await check_providers(gateway)
    assert check.status == "cannot connect to base URL"


def test_cli_check_without_providers_says_which_env_vars_to_set(
    clean_env: pytest.MonkeyPatch,
) -> None:
    result = CliRunner().invoke(llm_app, ["check"])
    assert result.exit_code == 2
    assert "No LLM provider is configured" in result.output
    assert "OPENAI_API_KEY" in result.output and "HEARTH_LOCAL_LLM_BASE_URL" in result.output


def test_cli_check_prints_a_table_and_fails_on_a_dead_key(
    clean_env: pytest.MonkeyPatch, openai_fake: FakeOpenAI
) -> None:
    openai_fake.default_reply = Reply(status=401, error_message="Incorrect API key provided")
    clean_env.setenv("OPENAI_API_KEY", OPENAI_KEY)
    clean_env.setenv("OPENAI_BASE_URL", openai_fake.base_url)
    result = CliRunner().invoke(llm_app, ["check"])
    assert result.exit_code == 1
    header, row = result.output.splitlines()[:2]
    assert header.split() == ["PROVIDER", "MODEL", "STATUS", "LATENCY"]
    assert row.startswith("openai") and "key rejected" in row


async def _store_providers(url: str, *providers: dict[str, Any]) -> None:
    await create_schema(url)
    engine = create_async_engine(url)
    try:
        async with async_sessionmaker(engine)() as session:
            for provider in providers:
                await save_provider(session, SecretBox(APP_SECRET), **provider)
            await session.commit()
    finally:
        await engine.dispose()


def test_cli_check_lists_a_disabled_provider_without_calling_it(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, openai_fake: FakeOpenAI
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hearth.db'}"
    asyncio.run(
        _store_providers(
            url,
            {
                "name": "office",
                "kind": "local",
                "base_url": openai_fake.base_url,
                "extra": {"default_model": "fake-model"},
            },
            {
                "name": "spare",
                "kind": "local",
                "base_url": openai_fake.base_url,
                "extra": {"default_model": "fake-model-large"},
                "enabled": False,
            },
        )
    )
    clean_env.setenv("HEARTH_DATABASE_URL", url)
    clean_env.setenv("HEARTH_SECRET_KEY", APP_SECRET)

    result = CliRunner().invoke(llm_app, ["check"])

    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines()[1:] if line.strip()}
    assert "OK" in rows["office"]
    assert "spare/fake-model-large  disabled, not contacted" in rows["spare"]
    assert [r.json()["model"] for r in openai_fake.requests] == ["fake-model"]


def test_cli_check_with_every_provider_disabled_says_so_and_exits_2(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, openai_fake: FakeOpenAI
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hearth.db'}"
    asyncio.run(
        _store_providers(
            url,
            {"name": "spare", "kind": "local", "base_url": openai_fake.base_url, "enabled": False},
        )
    )
    clean_env.setenv("HEARTH_DATABASE_URL", url)
    clean_env.setenv("HEARTH_SECRET_KEY", APP_SECRET)

    result = CliRunner().invoke(llm_app, ["check"])

    assert result.exit_code == 2
    assert "spare" in result.output and "disabled, not contacted" in result.output
    assert "Every stored provider is disabled" in result.output
    assert openai_fake.requests == []


def test_render_without_checks_is_the_env_hint() -> None:
    assert "HEARTH_DEFAULT_MODEL" in render_checks([])


async def test_check_passes_on_every_adapter_when_the_servers_answer(
    openai_fake: FakeOpenAI, anthropic_fake: FakeAnthropic, gemini_fake: FakeGemini
) -> None:
    gateway = LLMGateway(
        llm_settings(
            openai_api_key=OPENAI_KEY,
            openai_base_url=openai_fake.base_url,
            anthropic_api_key="a-key",
            anthropic_base_url=anthropic_fake.base_url,
            gemini_api_key="g-key",
            gemini_base_url=gemini_fake.base_url,
        )
    )
    # Twice in CI the OpenAI probe failed with "no answer in time" (the adapters' timeout is
    # 1 s here), not reproduced since. Probes now start once every SDK is imported; if it
    # fails again, the message shows each check whole and, past 25 s, every task's stack.
    stuck: list[str] = []
    watch = asyncio.get_running_loop().call_later(25, lambda: stuck.append(_stacks()))
    try:
        checks = await check_providers(gateway)
    finally:
        watch.cancel()
    assert [(c.provider, c.status) for c in checks] == [
        ("openai", "OK"),
        ("anthropic", "OK"),
        ("gemini", "OK"),
    ], "\n".join([repr(checks), *stuck])


def _stacks() -> str:
    out = io.StringIO()
    for task in asyncio.all_tasks():
        task.print_stack(file=out)
    for thread_id, frame in sys._current_frames().items():
        out.write(f"thread {thread_id}:\n{''.join(traceback.format_stack(frame))}")
    return out.getvalue()
