"""The chat's tools beyond the journey: continue a reply, and the chat list's pin, rename and
delete with undo."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import REPLY_TEXT, BrowserLog, Server
from tests.e2e.proxy import CuttableProxy
from tests.e2e.test_journey import PASSWORD, last_ai, text_of_last_ai, wait_status
from tests.e2e.test_session import open_signed_in
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

pytestmark = pytest.mark.e2e


async def two_chats(server: Server, username: str = "tools") -> tuple[dict[str, Any], list[str]]:
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        body = {"email": f"{username}@example.com", "username": username, "password": PASSWORD}
        assert (await http.post("/auth/register", json=body)).status_code == 201
        login = {"login": username, "password": PASSWORD}
        tokens = dict((await http.post("/auth/login", json=login)).json())
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        chats = []
        for name in ("Odo", "Pell"):
            character = {"name": name, "greeting": f"*{name} waves.* Hello there."}
            created = (await http.post("/characters", json=character, headers=headers)).json()
            chat = await http.post("/chats", json={"character_id": created["id"]}, headers=headers)
            chats.append(chat.json()["id"])
        return tokens, chats


async def test_continue_pin_rename_and_delete_with_undo(browser: Any, server: Server) -> None:
    tokens, (odo_chat, pell_chat) = await two_chats(server)
    log = BrowserLog()
    context, page = await open_signed_in(browser, tokens, log=log)

    # Continue extends the greeting in place.
    await page.goto(f"{server.url}/#/chats/{odo_chat}")
    await page.wait_for_selector(".msg-ai[data-status=complete]")
    before = await text_of_last_ai(page)
    await last_ai(page).hover()
    await last_ai(page).locator(".act-continue").click()
    await wait_status(page, "complete")
    after = await text_of_last_ai(page)
    assert after.startswith(before) and len(after) > len(before)

    # Pell's chat is newer, so first; pinning Odo's moves it to the top.
    items = page.locator(".chat-item")
    await page.wait_for_function("document.querySelectorAll('.chat-item').length === 2")
    odo = page.locator(f".chat-item[data-id='{odo_chat}']")
    await odo.locator(".chat-item-menu").click()
    await odo.locator(".menu button", has_text="Pin").click()
    await page.wait_for_selector(f".chat-item[data-id='{odo_chat}'] .pin-mark")
    assert await items.first.get_attribute("data-id") == odo_chat

    # Rename through the dialog.
    await odo.locator(".chat-item-menu").click()
    await odo.locator(".menu button", has_text="Rename").click()
    await page.fill(".dialog input", "Odo, the map game")
    await page.keyboard.press("Enter")
    await page.wait_for_selector(".chat-item-title:has-text('Odo, the map game')")
    assert await page.locator(".chat-head-name").inner_text() == "Odo, the map game"

    # Delete, undo, and it is back; delete again and it stays gone.
    pell = page.locator(f".chat-item[data-id='{pell_chat}']")
    await pell.locator(".chat-item-menu").click()
    await pell.locator(".menu button", has_text="Delete").click()
    await page.wait_for_function("document.querySelectorAll('.chat-item').length === 1")
    await page.locator(".toast button", has_text="Undo").click()
    await page.wait_for_selector(f".chat-item[data-id='{pell_chat}']")
    await pell.locator(".chat-item-menu").click()
    await pell.locator(".menu button", has_text="Delete").click()
    await page.wait_for_function("document.querySelectorAll('.chat-item').length === 1")
    await page.reload()
    await page.wait_for_selector(".chat-item")
    assert await page.locator(".chat-item").count() == 1

    # Export the open chat as Markdown from the header's menu.
    await page.click(".chat-head-controls .menu-wrap > button")
    async with page.expect_download() as download_info:
        await page.click(".chat-head-controls .menu button:has-text('Markdown')")
    download = await download_info.value
    assert download.suggested_filename.endswith(".md")
    exported = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8")
    assert "Hello there" in exported

    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()


async def test_a_dropped_connection_reattaches_and_the_reply_finishes(
    browser: Any, server: Server
) -> None:
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        body = {"email": "flaky@example.com", "username": "flaky", "password": PASSWORD}
        assert (await http.post("/auth/register", json=body)).status_code == 201
        login = {"login": "flaky", "password": PASSWORD}
        tokens = dict((await http.post("/auth/login", json=login)).json())
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        created = (await http.post("/characters", json={"name": "Gale"}, headers=headers)).json()
        start = {"character_id": created["id"]}
        chat = (await http.post("/chats", json=start, headers=headers)).json()
    context, page = await open_signed_in(browser, tokens, wait_ms=20_000)
    reattached: list[str] = []

    def on_request(request: Any) -> None:
        if request.url.endswith("/stream"):
            reattached.append(request.headers.get("last-event-id", ""))

    page.on("request", on_request)
    proxy = CuttableProxy(int(server.url.rsplit(":", 1)[1]))
    through_proxy = proxy.start()
    try:
        await page.goto(f"{through_proxy}/#/chats/{chat['id']}")
        await page.wait_for_selector(".composer-input:enabled")
        box = page.locator(".composer-input")
        await box.fill("first line")
        await box.press("Shift+Enter")  # a new line, not a send
        await box.type("second line")
        assert await box.input_value() == "first line\nsecond line"
        await box.press("Enter")
        await page.wait_for_function(
            """() => { const all = document.querySelectorAll('.msg-ai');
                const last = all[all.length - 1];
                return last && last.dataset.status === 'streaming'
                    && last.querySelector('.msg-body').innerText.length > 10; }"""
        )
        proxy.cut()  # the stream breaks mid-reply; the page picks it up where it left off
        await wait_status(page, "complete", wait_ms=30_000)
        assert await text_of_last_ai(page) == REPLY_TEXT.replace("*", "")
        assert reattached and all(int(last_id) > 1 for last_id in reattached)
        assert "second line" in await page.locator(".msg-user").last.inner_text()
        await context.close()
    finally:
        proxy.stop()


async def test_html_from_the_model_is_shown_as_text_never_run(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        body = {"email": "wary@example.com", "username": "wary", "password": PASSWORD}
        assert (await http.post("/auth/register", json=body)).status_code == 201
        login = {"login": "wary", "password": PASSWORD}
        tokens = dict((await http.post("/auth/login", json=login)).json())
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        created = (await http.post("/characters", json={"name": "Trix"}, headers=headers)).json()
        start = {"character_id": created["id"]}
        chat = (await http.post("/chats", json=start, headers=headers)).json()
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat['id']}")
    await page.wait_for_selector(".composer-input:enabled")
    fake_llm.script(
        Reply(tokens=['<img src=x onerror="window.pwned=1">', " <script>window.pwned=2</script>"])
    )
    await page.locator(".composer-input").fill("Show me a trick.")
    await page.locator(".composer-input").press("Enter")
    await wait_status(page, "complete")
    body_el = last_ai(page).locator(".msg-body")
    assert await body_el.locator("img, script").count() == 0
    assert "<img src=x" in await body_el.inner_text()
    assert await page.evaluate("window.pwned === undefined")
    await context.close()


async def test_an_unsent_message_survives_a_reload_until_it_is_sent_or_the_user_signs_out(
    browser: Any, server: Server
) -> None:
    tokens, (odo_chat, pell_chat) = await two_chats(server, "drafter")
    log = BrowserLog()
    context, page = await open_signed_in(browser, tokens, log=log)
    box = page.locator(".composer-input")

    await page.goto(f"{server.url}/#/chats/{odo_chat}")
    await box.fill("Half a thought about the")
    await page.reload()
    await page.wait_for_selector(".msg-ai[data-status=complete]")
    assert await box.input_value() == "Half a thought about the"

    # Drafts are per chat.
    await page.goto(f"{server.url}/#/chats/{pell_chat}")
    await page.wait_for_selector(f".chat-item[data-id='{pell_chat}'].active")
    assert await box.input_value() == ""
    await page.goto(f"{server.url}/#/chats/{odo_chat}")
    await page.wait_for_selector(f".chat-item[data-id='{odo_chat}'].active")
    assert await box.input_value() == "Half a thought about the"

    # Sent, it is no draft any more.
    await box.press("Enter")
    await page.wait_for_selector(".msg-user")
    await wait_status(page, "complete")
    await page.reload()
    await page.wait_for_selector(".msg-user")
    assert await box.input_value() == ""

    # Signing out forgets every draft.
    await box.fill("Something private")
    await page.locator(".user-chip").click()
    await page.locator(".menu button", has_text="Sign out").click()
    await page.wait_for_function("!localStorage.getItem('hearth.tokens')")
    drafts = await page.evaluate(
        "Object.keys(localStorage).filter((k) => k.startsWith('hearth.draft.'))"
    )
    assert drafts == []
    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()
