"""A reply outlives a long network outage and a stale tab; deleting counts what the server has;
a single message can go; a user message left without a reply can get one."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import REPLY_TEXT, REPLY_TOKENS, Server
from tests.e2e.proxy import CuttableProxy
from tests.e2e.test_journey import PASSWORD, last_ai, send, text_of_last_ai, wait_status
from tests.e2e.test_session import open_signed_in
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

pytestmark = pytest.mark.e2e

QUICK = Reply(tokens=REPLY_TOKENS, delay=0)
SLOW = Reply(tokens=REPLY_TOKENS, delay=0.4)  # ~20 s: long enough to act during it


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def chat_with_turns(
    server: Server, fake_llm: FakeOpenAI, name: str, turns: int = 1
) -> tuple[dict[str, Any], str]:
    """A new user's chat: the greeting, then `turns` messages each with the model's reply."""
    async with httpx.AsyncClient(base_url=server.api, timeout=30) as http:
        body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
        assert (await http.post("/auth/register", json=body)).status_code == 201
        login = {"login": name, "password": PASSWORD}
        tokens = dict((await http.post("/auth/login", json=login)).json())
        character = {"name": "Moss", "greeting": "*Moss looks up.* Hello."}
        created = (await http.post("/characters", json=character, headers=bearer(tokens))).json()
        start = {"character_id": created["id"]}
        chat_id = (await http.post("/chats", json=start, headers=bearer(tokens))).json()["id"]
        for n in range(turns):
            await say(server, fake_llm, tokens, chat_id, f"Message number {n + 1}.")
        return tokens, chat_id


async def say(
    server: Server, fake_llm: FakeOpenAI, tokens: dict[str, Any], chat_id: str, text: str
) -> None:
    """Send a message over the API, as another tab would, and wait for the whole reply."""
    fake_llm.script(QUICK)
    async with httpx.AsyncClient(base_url=server.api, timeout=30) as http:
        headers = {**bearer(tokens), "Accept": "application/json"}
        sent = await http.post(
            f"/chats/{chat_id}/messages", json={"content": text}, headers=headers
        )
        assert sent.status_code in (200, 201), sent.text


async def stored(server: Server, tokens: dict[str, Any], chat_id: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        page = await http.get(f"/chats/{chat_id}/messages?limit=100", headers=bearer(tokens))
        return list(reversed(page.json()["items"]))


async def open_delete_menu(page: Any, message: Any, item: str) -> None:
    await message.hover()
    await message.locator(".msg-delete-menu > button").click()
    await message.locator(".msg-delete-menu [role=menuitem]", has_text=item).click()


async def test_a_long_outage_keeps_reconnecting_and_the_reply_arrives_when_back_online(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "outage", turns=0)
    context, page = await open_signed_in(browser, tokens, wait_ms=30_000)
    proxy = CuttableProxy(int(server.url.rsplit(":", 1)[1]))
    through_proxy = proxy.start()
    try:
        await page.goto(f"{through_proxy}/#/chats/{chat_id}")
        await send(page, "Tell me about the river.")
        await page.wait_for_function(
            """() => { const all = document.querySelectorAll('.msg-ai');
                const last = all[all.length - 1];
                return last && last.dataset.status === 'streaming'
                    && last.querySelector('.msg-body').innerText.length > 10; }"""
        )
        await context.set_offline(True)
        proxy.cut()
        # Longer than every retry the page used to make before it gave up (0.5+1.5+3+6 s).
        await page.wait_for_timeout(15_000)
        assert await last_ai(page).get_attribute("data-status") == "streaming"
        assert await last_ai(page).locator(".msg-reconnecting").is_visible()
        assert await page.locator(".composer-stop").is_visible()

        back = time.monotonic()
        await context.set_offline(False)
        # The `online` event re-attaches at once, not at the next 10 s retry.
        await wait_status(page, "complete", wait_ms=8_000)
        assert time.monotonic() - back < 6
        assert await text_of_last_ai(page) == REPLY_TEXT.replace("*", "")
        assert not await last_ai(page).locator(".msg-reconnecting").count()
        assert await page.locator(".composer-stop").is_hidden()
        await context.close()
    finally:
        proxy.stop()


async def test_a_send_refused_for_a_running_reply_shows_that_reply_and_it_can_be_stopped(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "refused", turns=0)
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    await page.wait_for_selector(".composer-input:enabled")

    # Another tab starts a long reply; this page does not know of it.
    fake_llm.script(SLOW)
    async with httpx.AsyncClient(base_url=server.api, timeout=60) as http:
        elsewhere = asyncio.create_task(
            http.post(
                f"/chats/{chat_id}/messages",
                json={"content": "From the other tab."},
                headers={**bearer(tokens), "Accept": "application/json"},
            )
        )
        for _ in range(50):
            chat = (await http.get(f"/chats/{chat_id}", headers=bearer(tokens))).json()
            if chat["generating_message_id"]:
                break
            await asyncio.sleep(0.1)
        assert chat["generating_message_id"]

        try:
            await send(page, "From this tab.")
            running = page.locator(f".msg-ai[data-id='{chat['generating_message_id']}']")
            await running.wait_for(timeout=5_000)
            assert await running.get_attribute("data-status") == "streaming"
            await page.locator(".composer-stop").click()
            await wait_status(page, "stopped")
        finally:
            with contextlib.suppress(httpx.HTTPError):
                await elsewhere
    assert await page.locator(".composer-input").input_value() == "From this tab."
    await context.close()


async def test_delete_from_here_counts_and_shows_the_messages_the_server_has(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "staletab")
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    await page.wait_for_function("document.querySelectorAll('.msg').length === 3")
    await say(server, fake_llm, tokens, chat_id, "Sent from another tab.")

    await open_delete_menu(page, page.locator(".msg-user").first, "Delete this and all after it")
    dialog = page.locator(".dialog")
    await dialog.wait_for()
    assert "(3)" in await dialog.inner_text()
    assert await page.locator(".msg").count() == 5  # what goes is shown before it goes
    await dialog.locator(".btn-danger").click()
    await page.wait_for_function("document.querySelectorAll('.msg').length === 1")
    assert [m["role"] for m in await stored(server, tokens, chat_id)] == ["assistant"]
    await context.close()


async def test_one_message_in_the_middle_can_be_deleted_alone(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "deleteone", turns=2)
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    await page.wait_for_function("document.querySelectorAll('.msg').length === 5")

    await open_delete_menu(page, page.locator(".msg-user").first, "Delete message")
    await page.locator(".dialog .btn-danger").click()
    await page.wait_for_function("document.querySelectorAll('.msg').length === 4")
    contents = [m["content"] for m in await stored(server, tokens, chat_id)]
    assert len(contents) == 4 and "Message number 1." not in contents
    assert "Message number 2." in contents
    await page.reload()
    await page.wait_for_function("document.querySelectorAll('.msg').length === 4")
    await context.close()


async def test_a_user_message_left_without_a_reply_can_get_one(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "noreply")
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    await page.wait_for_function("document.querySelectorAll('.msg').length === 3")

    reply = last_ai(page)
    await reply.hover()
    await reply.locator(".act-delete").click()
    await page.locator(".dialog .btn-danger").click()
    await page.wait_for_function("document.querySelectorAll('.msg').length === 2")

    fake_llm.script(QUICK)
    await page.locator(".msg-user .act-reply").click()
    await page.wait_for_function("document.querySelectorAll('.msg').length === 3")
    await wait_status(page, "complete")
    assert await text_of_last_ai(page) == REPLY_TEXT.replace("*", "")
    assert not await page.locator(".act-reply").count()
    roles = [m["role"] for m in await stored(server, tokens, chat_id)]
    assert roles == ["assistant", "user", "assistant"]
    await context.close()
