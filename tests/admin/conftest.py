"""Admin tests: an admin account, the chat tests' fake LLM behind the real gateway."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.admin.helpers import make_admin
from tests.chats.conftest import fake_llm, fake_llm_server, llm
from tests.factories import Account, create_account

__all__ = ["fake_llm", "fake_llm_server", "llm"]


@pytest.fixture
async def admin(app: FastAPI, client: httpx.AsyncClient) -> Account:
    account = await create_account(client)
    await make_admin(app, account.user["id"])
    return account
