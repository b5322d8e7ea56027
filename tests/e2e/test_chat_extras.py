"""More of the chat's tools: alternate greetings as swipes, hide from the prompt, stars that
stay after a reload, the author's note, the prompt inspector, impersonation into the composer,
a branch from a message, importing a SillyTavern chat, and delete → trash → restore."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import MOBILE, REPLY_TEXT, REPLY_TOKENS, BrowserLog, Server
from tests.e2e.test_journey import PASSWORD, last_ai
from tests.e2e.test_session import open_signed_in
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

pytestmark = pytest.mark.e2e

GREETING = "*Wren unrolls a chart.* Where to?"
ALTERNATE = '"Back so soon?" Wren grins.'
# The usual reply without the pauses between tokens: nothing here watches it stream.
QUICK = Reply(tokens=REPLY_TOKENS, delay=0)
IMPORTED_LINE = "An imported line about lighthouses."


async def prepare(server: Server, fake_llm: FakeOpenAI) -> tuple[dict[str, Any], str, str]:
    """A user with a chat with Wren: the greeting, one message and the model's reply."""
    async with httpx.AsyncClient(base_url=server.api, timeout=30) as http:
        body = {"email": "wren@example.com", "username": "wrenfan", "password": PASSWORD}
        assert (await http.post("/auth/register", json=body)).status_code == 201
        login = {"login": "wrenfan", "password": PASSWORD}
        tokens = dict((await http.post("/auth/login", json=login)).json())
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        character = {"name": "Wren", "greeting": GREETING, "alternate_greetings": [ALTERNATE]}
        created = (await http.post("/characters", json=character, headers=headers)).json()
        chat = await http.post("/chats", json={"character_id": created["id"]}, headers=headers)
        chat_id = chat.json()["id"]
        fake_llm.script(QUICK)
        sent = await http.post(
            f"/chats/{chat_id}/messages",
            json={"content": "To the lighthouse, please."},
            headers={**headers, "Accept": "application/json"},
        )
        assert sent.status_code in (200, 201), sent.text
        return tokens, created["id"], chat_id


def jsonl() -> str:
    rows = [
        {"user_name": "Me", "character_name": "Wren", "create_date": "2024-05-01@10h00m00s"},
        {"name": "Me", "is_user": True, "mes": "Tell me about the coast.", "send_date": ""},
        {"name": "Wren", "is_user": False, "mes": IMPORTED_LINE, "send_date": ""},
    ]
    return "\n".join(json.dumps(row) for row in rows) + "\n"


async def shot(page: Any, path: Path) -> None:
    await page.evaluate("document.querySelectorAll('.toast').forEach((el) => el.remove())")
    await page.screenshot(path=str(path))


async def open_tool(page: Any, label: str) -> None:
    await page.click(".chat-tools-menu > button")
    await page.locator(".chat-tools-menu .menu [role=menuitem]", has_text=label).click()


async def test_chat_tools_from_greeting_swipes_to_trash(
    browser: Any, server: Server, fake_llm: FakeOpenAI, artifacts: Path, tmp_path: Path
) -> None:
    tokens, _character_id, chat_id = await prepare(server, fake_llm)
    log = BrowserLog()
    context, page = await open_signed_in(browser, tokens, log=log)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    await page.wait_for_selector(".msg-ai[data-status=complete] >> nth=1")

    # The greeting's alternates are swipes on the first message, though it is not the last.
    first = page.locator(".msg-ai").first
    assert await first.locator(".swipe-count").inner_text() == "1/2"
    await first.locator(".swipe-next").click()
    await first.locator(".msg-body:has-text('Back so soon?')").wait_for()

    # Hide the user's message from the prompt: visibly marked.
    mine = page.locator(".msg-user").first
    await mine.hover()
    await mine.locator(".act-hide").click()
    await page.wait_for_selector(".msg-user.is-hidden .msg-hidden-badge:visible")

    # Three stars on the reply survive a reload.
    reply = last_ai(page)
    await reply.locator(".msg-rating .star >> nth=2").click()
    await page.wait_for_selector(".msg-ai[data-rating='3']")
    await page.reload()
    await page.wait_for_selector(".msg-ai[data-rating='3'] .star.on >> nth=2")
    assert await page.locator(".msg-user.is-hidden").count() == 1

    # The author's note is saved with its depth and frequency.
    await open_tool(page, "Author's note")
    await page.fill(".author-note-form textarea[name=text]", "Keep the weather stormy.")
    await page.fill(".author-note-form input[name=depth]", "2")
    await page.fill(".author-note-form input[name=frequency]", "3")
    await shot(page, artifacts / "chat-author-note-desktop.png")
    await page.click(".author-note-form button[type=submit]")
    await page.wait_for_selector(".author-note-form", state="detached")
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        stored = (await http.get(f"/chats/{chat_id}", headers=headers)).json()
    assert stored["author_note"] == {"text": "Keep the weather stormy.", "depth": 2, "frequency": 3}

    # The prompt inspector lists the parts of the reply's prompt with their tokens.
    await last_ai(page).hover()
    await last_ai(page).locator(".act-inspect").click()
    await page.wait_for_selector(".prompt-parts li")
    # The greeting was swiped after this reply: the prompt said something else then.
    await page.click(".prompt-messages summary")
    changed = page.locator(".prompt-message .prompt-changed")
    assert await changed.count() == 1
    assert "Changed since this reply" in await changed.inner_text()
    await shot(page, artifacts / "chat-prompt-inspector-desktop.png")
    await page.keyboard.press("Escape")

    # Impersonation drafts the next message into the composer; nothing is sent.
    count = await page.locator(".msg").count()
    fake_llm.script(QUICK)
    await open_tool(page, "Write my reply")
    await page.wait_for_function(
        "(text) => document.querySelector('.composer-input').value === text", arg=REPLY_TEXT
    )
    assert await page.locator(".msg").count() == count
    await shot(page, artifacts / "chat-tools-desktop.png")
    await page.fill(".composer-input", "")

    # A branch from the user's message is a new chat, opened at once.
    await mine.hover()
    await mine.locator(".act-branch").click()
    await page.wait_for_function("(id) => !location.hash.endsWith(id)", arg=chat_id)
    branch_id = page.url.rsplit("/", 1)[-1]
    await page.wait_for_selector(f".chat-item[data-id='{branch_id}']")
    await page.wait_for_selector(".msg-user")

    # Import a SillyTavern chat with this character.
    source = tmp_path / "wren.jsonl"
    source.write_text(jsonl(), encoding="utf-8")
    await open_tool(page, "Import chat")
    await page.set_input_files(".import-chat-form input[type=file]", str(source))
    await page.click(".import-chat-form button[type=submit]")
    await page.wait_for_selector(f".msg-ai:has-text('{IMPORTED_LINE}')")
    imported_id = page.url.rsplit("/", 1)[-1]
    assert imported_id not in (chat_id, branch_id)

    # Delete it, find it in the trash, restore it.
    item = page.locator(f".chat-item[data-id='{imported_id}']")
    await item.locator(".chat-item-menu").click()
    await item.locator(".menu button", has_text="Delete").click()
    await page.wait_for_selector(f".chat-item[data-id='{imported_id}']", state="detached")
    await page.click(".trash-link")
    await page.wait_for_selector(f".trash-item[data-id='{imported_id}']")
    await shot(page, artifacts / "trash-desktop.png")
    await page.locator(f".trash-item[data-id='{imported_id}'] .restore").click()
    await page.wait_for_selector(f".msg-ai:has-text('{IMPORTED_LINE}')")
    await page.wait_for_selector(f".chat-item[data-id='{imported_id}']")

    # Search the chats: only the imported one has the word, shown where it is in it.
    await page.fill(".chat-search", "LIGHTHOUSES")
    found = page.locator(".chat-item .chat-item-preview mark")
    await found.first.wait_for()
    assert await found.all_inner_texts() == ["lighthouses"]
    assert await page.locator(".chat-item").evaluate_all(
        "(items) => items.map((item) => item.dataset.id)"
    ) == [imported_id]
    await shot(page, artifacts / "chat-search-desktop.png")
    await page.fill(".chat-search", "")
    await page.wait_for_selector(f".chat-item[data-id='{chat_id}']")

    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()

    # Phone size: the chat with its marks, and the trash (with the branch in it).
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert (await http.delete(f"/chats/{branch_id}", headers=headers)).status_code == 204
    log = BrowserLog()
    phone, page = await open_signed_in(
        browser, tokens, log=log, viewport=MOBILE, is_mobile=True, has_touch=True
    )
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    await page.wait_for_selector(".msg-ai[data-rating='3']")
    await shot(page, artifacts / "chat-tools-mobile.png")
    assert await page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    await page.goto(f"{server.url}/#/trash")
    await page.wait_for_selector(f".trash-item[data-id='{branch_id}']")
    await shot(page, artifacts / "trash-mobile.png")
    assert await page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    await page.locator(f".trash-item[data-id='{branch_id}'] .delete-forever").click()
    await page.locator(".dialog .btn-danger").click()
    await page.wait_for_selector(f".trash-item[data-id='{branch_id}']", state="detached")
    await page.wait_for_selector(".empty")
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        gone = await http.get(f"/chats/{branch_id}", headers=headers)
    assert gone.status_code == 404
    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await phone.close()
