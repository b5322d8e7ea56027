"""Profile (mature content only for adults, personas, log out everywhere), an error shown in
place with Retry, and the catalog's infinite scroll."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import BrowserLog, Server
from tests.e2e.test_journey import PASSWORD, last_ai, send, text_of_last_ai, wait_status
from tests.e2e.test_session import open_signed_in
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

pytestmark = pytest.mark.e2e


async def signed_in_page(browser: Any, server: Server, name: str) -> tuple[Any, Any, dict]:
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
        assert (await http.post("/auth/register", json=body)).status_code == 201
        login = {"login": name, "password": PASSWORD}
        tokens = dict((await http.post("/auth/login", json=login)).json())
    context, page = await open_signed_in(browser, tokens)
    return context, page, tokens


async def test_profile_adult_opt_in_personas_and_log_out_everywhere(
    browser: Any, server: Server
) -> None:
    context, page, _ = await signed_in_page(browser, server, "profiler")
    log = BrowserLog()
    log.attach(page)
    await page.goto(f"{server.url}/#/profile")
    nsfw = page.locator(".switch input[type=checkbox]")
    await nsfw.wait_for(state="attached")
    assert await nsfw.is_disabled()  # no birthdate yet: mature content is out of reach
    await page.fill("input[name=birthdate]", "1990-04-01")
    await page.dispatch_event("input[name=birthdate]", "change")
    assert not await nsfw.is_disabled()
    await page.locator(".switch").click()
    await page.fill("input[name=display_name]", "Pat")
    await page.click(".card:has(input[name=display_name]) button[type=submit]")
    await page.wait_for_selector(".toast.success")
    await page.reload()
    await page.wait_for_selector("input[name=display_name]")
    assert await page.input_value("input[name=display_name]") == "Pat"
    assert await page.locator(".switch input[type=checkbox]").is_checked()

    await page.click("button:has-text('New persona')")
    await page.fill(".dialog input[name=name]", "Captain Pat")
    await page.fill(".dialog textarea[name=description]", "Sails small boats badly.")
    await page.click(".dialog button[type=submit]")
    await page.wait_for_selector(".persona:has-text('Captain Pat')")

    await page.click("button:has-text('Log out everywhere')")
    await page.click(".dialog .btn-danger")
    await page.wait_for_selector("input[name=login]")
    assert await page.evaluate("localStorage.getItem('hearth.tokens')") is None
    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()


async def test_a_failed_reply_shows_in_place_and_retry_recovers(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    context, page, tokens = await signed_in_page(browser, server, "unlucky")
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        character = {"name": "Flint", "greeting": "Ready when you are."}
        created = (await http.post("/characters", json=character, headers=headers)).json()
        chat = (
            await http.post("/chats", json={"character_id": created["id"]}, headers=headers)
        ).json()
    log = BrowserLog()
    log.attach(page)
    await page.goto(f"{server.url}/#/chats/{chat['id']}")
    await page.wait_for_selector(".msg-ai")
    fake_llm.script(Reply(status=400, error_message="scripted failure"))
    await send(page, "Go!")
    await wait_status(page, "error")
    alert = last_ai(page).locator(".msg-error")
    assert await alert.is_visible()
    await alert.locator("button", has_text="Retry").click()
    await wait_status(page, "complete")
    assert len(await text_of_last_ai(page)) > 20
    assert not await last_ai(page).locator(".msg-error").is_visible()
    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()


async def test_the_catalog_loads_more_as_you_scroll(browser: Any, server: Server) -> None:
    context, page, tokens = await signed_in_page(browser, server, "prolific")
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        for n in range(30):
            body = {"name": f"Scroller {n:02d}", "tags": ["scrolltest"], "visibility": "public"}
            assert (await http.post("/characters", json=body, headers=headers)).status_code == 201
    await page.goto(f"{server.url}/#/?tags=scrolltest&sort=new")
    await page.wait_for_selector(".cc[data-id]")
    first = await page.locator(".cc[data-id]").count()
    assert first < 30
    for _ in range(10):
        await page.mouse.wheel(0, 4000)
        await page.wait_for_timeout(300)
        if await page.locator(".cc[data-id]").count() == 30:
            break
    assert await page.locator(".cc[data-id]").count() == 30
    names = await page.locator(".cc[data-id] .cc-name").all_inner_texts()
    assert len(set(names)) == 30
    await context.close()
