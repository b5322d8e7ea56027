"""The browser session: silent refresh is serialized (a refresh token is presented once), and a
session that cannot be renewed ends on the sign-in page."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import DESKTOP, BrowserLog, Server
from tests.e2e.test_journey import PASSWORD

pytestmark = pytest.mark.e2e


async def account(server: Server, name: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
        assert (await http.post("/auth/register", json=body)).status_code == 201
        login = {"login": name, "password": PASSWORD}
        return dict((await http.post("/auth/login", json=login)).json())


def seed_script(access: str, refresh: str, expires_at_ms: int) -> str:
    tokens = json.dumps({"access": access, "refresh": refresh, "expiresAt": expires_at_ms})
    return (
        "if (!sessionStorage.getItem('seeded')) {"
        f" localStorage.setItem('hearth.tokens', {json.dumps(tokens)});"
        " localStorage.setItem('hearth.lang', 'en');"
        " sessionStorage.setItem('seeded', '1'); }"
    )


async def open_signed_in(
    browser: Any,
    tokens: Mapping[str, Any],
    *,
    log: BrowserLog | None = None,
    wait_ms: float = 15_000,
    **context_options: Any,
) -> tuple[Any, Any]:
    """A new browser context already signed in with `tokens`, and a page in it."""
    options = {"viewport": DESKTOP, "bypass_csp": True, **context_options}
    context = await browser.new_context(**options)
    await context.add_init_script(
        seed_script(tokens["access_token"], tokens["refresh_token"], 10**13)
    )
    page = await context.new_page()
    if log is not None:
        log.attach(page)
    page.set_default_timeout(wait_ms)
    return context, page


async def test_concurrent_requests_share_one_refresh(browser: Any, server: Server) -> None:
    tokens = await account(server, "racer")
    context = await browser.new_context(viewport=DESKTOP, bypass_csp=True)
    # The stored access token looks expired: the next requests must renew it first.
    expired = int(time.time() * 1000) - 60_000
    await context.add_init_script(
        seed_script(tokens["access_token"], tokens["refresh_token"], expired)
    )
    page = await context.new_page()
    log = BrowserLog()
    log.attach(page)
    refreshes: list[str] = []
    page.on(
        "request", lambda r: refreshes.append(r.url) if r.url.endswith("/auth/refresh") else None
    )
    await page.goto(f"{server.url}/#/signin-not-needed")
    await page.wait_for_selector(".app-header .user-chip")
    refreshes.clear()
    await page.evaluate("""() => {
        const tokens = JSON.parse(localStorage.getItem('hearth.tokens'));
        tokens.expiresAt = Date.now() - 60000;
        localStorage.setItem('hearth.tokens', JSON.stringify(tokens));
    }""")
    names = await page.evaluate("""async () => {
        const api = await import('/js/api.js');
        const all = await Promise.all([1, 2, 3, 4, 5, 6].map(() => api.get('/me')));
        return all.map((me) => me.username);
    }""")
    assert names == ["racer"] * 6
    assert len(refreshes) == 1
    # The rotated pair works; the first refresh token is dead.
    stored = json.loads(await page.evaluate("localStorage.getItem('hearth.tokens')"))
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        me = await http.get("/me", headers={"Authorization": f"Bearer {stored['access']}"})
        assert me.status_code == 200
    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()


async def test_a_session_that_cannot_be_renewed_goes_to_sign_in(
    browser: Any, server: Server
) -> None:
    context = await browser.new_context(viewport=DESKTOP, bypass_csp=True)
    stale = int(time.time() * 1000) + 600_000
    await context.add_init_script(seed_script("not-a-token", "not-a-valid-refresh-token", stale))
    page = await context.new_page()
    await page.goto(f"{server.url}/#/profile")
    await page.wait_for_selector("input[name=login]")
    assert page.url.split("#", 1)[1].startswith("/signin")
    assert await page.evaluate("localStorage.getItem('hearth.tokens')") is None
    await context.close()


async def test_an_expired_session_found_by_the_early_refresh_goes_to_sign_in(
    browser: Any, server: Server
) -> None:
    context = await browser.new_context(viewport=DESKTOP, bypass_csp=True)
    expired = int(time.time() * 1000) - 60_000  # renewed before use; the renewal is refused
    await context.add_init_script(seed_script("stale", "not-a-valid-refresh-token", expired))
    page = await context.new_page()
    await page.goto(f"{server.url}/#/chats")
    await page.wait_for_selector("input[name=login]")
    assert page.url.split("#", 1)[1].startswith("/signin")
    await context.close()
