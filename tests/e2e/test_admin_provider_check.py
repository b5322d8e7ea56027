"""The admin console's provider check lists a provider an administrator disabled as such,
without calling it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import OPS_EMAIL, BrowserLog, Server
from tests.e2e.test_journey import PASSWORD
from tests.e2e.test_session import open_signed_in
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

pytestmark = pytest.mark.e2e


async def test_check_all_lists_a_disabled_provider_as_disabled_not_contacted(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        # The ops administrator may exist already (an earlier test of this server made it).
        body = {"email": OPS_EMAIL, "username": "ops", "password": PASSWORD}
        assert (await http.post("/auth/register", json=body)).status_code in (201, 409)
        admin = (await http.post("/auth/login", json={"login": "ops", "password": PASSWORD})).json()
        headers = {"Authorization": f"Bearer {admin['access_token']}"}
        provider = {
            "name": "dormant",
            "kind": "local",
            "base_url": "http://127.0.0.1:9/v1",  # nothing listens: it must not be called
            "extra": {"default_model": "sleepy"},
            "enabled": False,
        }
        added = await http.post("/admin/providers", json=provider, headers=headers)
        assert added.status_code == 201, added.text
    fake_llm.script(Reply(tokens=["OK"]))  # the env provider's answer to the probe
    log = BrowserLog()
    context, page = await open_signed_in(browser, admin, log=log, wait_ms=30_000)
    await page.goto(f"{server.url}/#/admin/providers")
    await page.click("button:has-text('Check all providers')")

    row = page.locator("tr[data-provider='dormant']")
    await row.wait_for()
    assert await row.locator("td").all_inner_texts() == [
        "dormant",
        "dormant/sleepy",
        "Disabled, not contacted",
        "—",
    ]
    await page.locator("tr[data-provider='local'] .badge-success").wait_for()
    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()
