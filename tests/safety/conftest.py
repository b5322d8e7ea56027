"""Safety tests: the chat tests' fake LLM server behind the real gateway."""

from __future__ import annotations

from tests.admin.conftest import admin
from tests.chats.conftest import fake_llm, fake_llm_server, llm

__all__ = ["admin", "fake_llm", "fake_llm_server", "llm"]
