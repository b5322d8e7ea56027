"""Limits tests: the chat tests' fake LLM server (through the real gateway) and helpers."""

from __future__ import annotations

import uuid

import pytest

from tests.chats.conftest import fake_llm, fake_llm_server, live_client, llm

__all__ = ["fake_llm", "fake_llm_server", "live_client", "llm"]

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def redis_prefix() -> str:
    """A key prefix of this test run: runs sharing the Redis never see each other's keys."""
    return f"hearth-test-{uuid.uuid4().hex[:10]}"
