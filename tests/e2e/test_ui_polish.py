"""What QA found rough in the UI: a display name that would not clear, chats that could not be
archived, a quota refusal that did not say until when, a Stop that stopped nothing, a toolbar
over the text, a stale tab title, squeezed titles and selects, and admin actions without a
question first."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import MOBILE, BrowserLog, Server
from tests.e2e.test_journey import PASSWORD, last_ai, send, wait_status
from tests.e2e.test_session import account, open_signed_in
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

pytestmark = pytest.mark.e2e

LONG_TITLE = "The long road north through the salt marshes"


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def with_chats(
    server: Server, name: str, count: int = 1, **register: Any
) -> tuple[dict[str, Any], list[str]]:
    """A new user with `count` chats, one character each."""
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD, **register}
        assert (await http.post("/auth/register", json=body)).status_code == 201
        login = {"login": name, "password": PASSWORD}
        tokens = dict((await http.post("/auth/login", json=login)).json())
        chats = []
        for n in range(count):
            character = {"name": f"Marsh Guide {n}", "greeting": "*She lifts the lantern.* Ready?"}
            created = await http.post("/characters", json=character, headers=bearer(tokens))
            chat = await http.post(
                "/chats", json={"character_id": created.json()["id"]}, headers=bearer(tokens)
            )
            chats.append(chat.json()["id"])
        return tokens, chats


async def administrator(server: Server, name: str) -> dict[str, Any]:
    """An admin of our own: the two admin emails of the server belong to other tests."""
    from hearth.config import Settings
    from hearth.users.admin_bootstrap import ensure_admin

    settings = Settings(_env_file=None, data_dir=server.data_dir)  # type: ignore[call-arg]
    await ensure_admin(settings, f"{name}@example.com", name, PASSWORD)
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        login = {"login": name, "password": PASSWORD}
        return dict((await http.post("/auth/login", json=login)).json())


async def in_language(
    page: Any, server: Server, tokens: dict[str, Any], lang: str, path: str
) -> None:
    """Open `path` in `lang`: the profile's language is the one the app starts in."""
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        changed = await http.patch("/me", json={"locale": lang}, headers=bearer(tokens))
        assert changed.status_code == 200
    await page.goto(f"{server.url}/#{path}")
    await page.wait_for_function("(lang) => document.documentElement.lang === lang", arg=lang)


async def test_clearing_the_display_name_removes_it(browser: Any, server: Server) -> None:
    tokens = await account(server, "polish_nameless")
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        named = await http.patch("/me", json={"display_name": "Rita"}, headers=bearer(tokens))
        assert named.status_code == 200
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/profile")
    name = page.locator("input[name=display_name]")
    await name.wait_for()
    assert await name.input_value() == "Rita"
    await name.fill("")
    await page.locator("form:has(input[name=display_name]) button[type=submit]").click()
    await page.locator(".toast", has_text="Profile saved").wait_for()
    await page.reload()
    await name.wait_for()
    assert await name.input_value() == ""
    await context.close()


async def test_an_archived_chat_leaves_the_list_and_is_found_under_archived(
    browser: Any, server: Server
) -> None:
    tokens, (kept, archived) = await with_chats(server, "polish_archivist", count=2)
    log = BrowserLog()
    context, page = await open_signed_in(browser, tokens, log=log)
    await page.goto(f"{server.url}/#/chats")
    await page.wait_for_function("document.querySelectorAll('.chat-item').length === 2")

    item = page.locator(f".chat-item[data-id='{archived}']")
    await item.locator(".chat-item-menu").click()
    await item.locator(".menu button", has_text="Archive").click()
    await page.wait_for_function("document.querySelectorAll('.chat-item').length === 1")
    await page.locator(".toast", has_text="Chat archived.").wait_for()
    await page.reload()
    await page.wait_for_selector(f".chat-item[data-id='{kept}']")
    assert await page.locator(".chat-item").count() == 1

    await page.locator(".chat-filter button", has_text="Archived").click()
    await page.wait_for_selector(f".chat-item[data-id='{archived}']")
    assert await page.locator(".chat-item").count() == 1
    assert await page.locator(".chat-filter [aria-pressed=true]").inner_text() == "Archived"

    await item.locator(".chat-item-menu").click()
    await item.locator(".menu button", has_text="Unarchive").click()
    await page.locator(".chat-items .empty", has_text="No archived chats.").wait_for()
    await page.locator(".chat-filter button", has_text="Active").click()
    await page.wait_for_function("document.querySelectorAll('.chat-item').length === 2")
    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()


async def test_a_send_refused_for_quota_says_when_it_renews_and_the_meter_rereads_usage(
    browser: Any, server: Server
) -> None:
    admin = await administrator(server, "polish_quota_keeper")
    tokens, (chat_id,) = await with_chats(server, "polish_spender")
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        me = (await http.get("/me", headers=bearer(tokens))).json()
        plan = {"daily_units": 0}  # nothing left today: refused until the renewal
        limited = await http.put(f"/admin/users/{me['id']}/plan", json=plan, headers=bearer(admin))
        assert limited.status_code == 200, limited.text
    context, page = await open_signed_in(browser, tokens)
    usage_reads: list[str] = []
    page.on("request", lambda r: usage_reads.append(r.url) if "/me/usage" in r.url else None)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    await page.wait_for_selector(".sidebar-foot .meter:not([hidden])")
    reads_before = len(usage_reads)

    async with page.expect_response(lambda r: r.url.endswith("/messages")) as refused:
        await send(page, "One more question.")
    response = await refused.value
    assert response.status == 429
    reset_at = (await response.json())["error"]["details"]["reset_at"]
    toast = page.locator(".toast.error")
    await toast.wait_for()
    expected = await page.evaluate(
        """(at) => {
          const time = new Intl.DateTimeFormat('en', { timeStyle: 'short' }).format(new Date(at));
          const other = new Intl.DateTimeFormat('en', { weekday: 'short', hour: 'numeric',
                                                        minute: '2-digit' }).format(new Date(at));
          return [time, other];
        }""",
        reset_at,
    )
    text = await toast.inner_text()
    assert "It renews in" in text
    assert any(f"({clock})" in text for clock in expected), text
    for _ in range(50):  # the refused send is news to the meter too: it reads usage again
        if len(usage_reads) > reads_before:
            break
        await page.wait_for_timeout(100)
    assert len(usage_reads) > reads_before
    await context.close()


async def test_the_usage_meter_counts_a_finished_reply_without_a_reload(
    browser: Any, server: Server
) -> None:
    tokens, (chat_id,) = await with_chats(server, "polish_counter")
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    used = page.locator(".sidebar-foot .meter-used")
    await used.wait_for()
    before = await used.inner_text()
    assert before.startswith("0 of")
    await send(page, "Tell me about the marsh.")
    await wait_status(page, "complete")
    await page.wait_for_function(
        "(before) => document.querySelector('.sidebar-foot .meter-used').textContent !== before",
        arg=before,
    )
    assert not (await used.inner_text()).startswith("0 of")
    await context.close()


async def test_stop_cancels_a_reply_being_drafted_for_the_user(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, (chat_id,) = await with_chats(server, "polish_drafter")
    log = BrowserLog()
    context, page = await open_signed_in(browser, tokens, log=log)
    aborted: list[str] = []
    page.on("requestfailed", lambda r: aborted.append(r.url) if "/impersonate" in r.url else None)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    await page.wait_for_selector(".composer-input:enabled")
    placeholder = await page.get_attribute(".composer-input", "placeholder")

    fake_llm.script(Reply(hang=True))  # the draft never comes: only Stop can end the wait
    await page.click(".chat-tools-menu > button")
    await page.locator(".chat-tools-menu .menu [role=menuitem]", has_text="Write my reply").click()
    await page.locator(".composer-stop").wait_for(state="visible")
    await page.click(".composer-stop")
    await page.locator(".composer-send").wait_for(state="visible", timeout=2_000)
    assert await page.get_attribute(".composer-input", "placeholder") == placeholder
    assert await page.input_value(".composer-input") == ""
    assert len(aborted) == 1
    assert await page.locator(".toast.error").count() == 0
    errors, _failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == []
    await context.close()


TEXT_RECTS = """(msg) => {
  const rects = [];
  for (const part of msg.querySelectorAll('.msg-head, .msg-body')) {
    const walker = document.createTreeWalker(part, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      if (!walker.currentNode.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(walker.currentNode);
      for (const r of range.getClientRects()) rects.push([r.left, r.top, r.right, r.bottom]);
    }
  }
  return rects;
}"""


async def toolbar_covers_text(page: Any) -> list[list[float]]:
    """Text lines of any message that lie under the shown toolbar."""
    box = await last_ai(page).locator(".msg-tools").bounding_box()
    assert box is not None and box["width"] > 0
    left, top = box["x"], box["y"]
    right, bottom = left + box["width"], top + box["height"]
    covered = []
    for message in await page.locator(".msg").all():
        for x1, y1, x2, y2 in await message.evaluate(TEXT_RECTS):
            if x1 < right and x2 > left and y1 < bottom and y2 > top:
                covered.append([x1, y1, x2, y2])
    return covered


async def test_the_message_toolbar_covers_no_text_on_desktop_or_phone(
    browser: Any, server: Server, artifacts: Path
) -> None:
    tokens, (chat_id,) = await with_chats(server, "polish_reader")
    async with httpx.AsyncClient(base_url=server.api, timeout=30) as http:
        sent = await http.post(
            f"/chats/{chat_id}/messages",
            json={"content": "Which way to the mill?"},
            headers={**bearer(tokens), "Accept": "application/json"},
        )
        assert sent.status_code in (200, 201), sent.text

    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    await page.wait_for_selector(".msg-ai[data-status=complete] >> nth=1")
    await last_ai(page).hover()
    await page.wait_for_function(
        "getComputedStyle(document.querySelector('.msg-ai:last-child .msg-tools')).opacity === '1'"
    )
    assert await toolbar_covers_text(page) == []
    await page.screenshot(path=str(artifacts / "ui-polish-toolbar-desktop.png"))
    await context.close()

    context, page = await open_signed_in(
        browser, tokens, viewport=MOBILE, is_mobile=True, has_touch=True
    )
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    await page.wait_for_selector(".msg-ai[data-status=complete] >> nth=1")
    await last_ai(page).focus()  # what a long-press does: the tools show
    await last_ai(page).locator(".msg-tools").wait_for(state="visible")
    assert await toolbar_covers_text(page) == []
    assert await page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    await page.screenshot(path=str(artifacts / "ui-polish-toolbar-phone.png"))
    await context.close()


async def test_renaming_the_open_chat_renames_the_browser_tab(browser: Any, server: Server) -> None:
    tokens, (chat_id,) = await with_chats(server, "polish_renamer")
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    await page.wait_for_function("document.title === 'Marsh Guide 0 · Hearth'")
    item = page.locator(f".chat-item[data-id='{chat_id}']")
    await item.locator(".chat-item-menu").click()
    await item.locator(".menu button", has_text="Rename").click()
    await page.fill(".dialog input", "Lanterns at dusk")
    await page.keyboard.press("Enter")
    await page.wait_for_function("document.title === 'Lanterns at dusk · Hearth'")
    await context.close()


@pytest.mark.parametrize("lang", ["ru", "es"])
async def test_chat_titles_and_the_model_select_get_their_room_in_long_languages(
    browser: Any, server: Server, artifacts: Path, lang: str
) -> None:
    tokens, chats = await with_chats(server, f"polish_roomy_{lang}", count=2)
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        for chat_id in chats:
            renamed = await http.patch(
                f"/chats/{chat_id}", json={"title": LONG_TITLE}, headers=bearer(tokens)
            )
            assert renamed.status_code == 200

    context, page = await open_signed_in(browser, tokens)
    await in_language(page, server, tokens, lang, f"/chats/{chats[0]}")
    await page.wait_for_selector(".chat-item-title")
    widths = await page.evaluate(
        """() => [...document.querySelectorAll('.chat-item-top')].map((row) => ({
            row: row.clientWidth,
            title: row.querySelector('.chat-item-title').clientWidth,
            time: row.querySelector('.chat-item-time').clientWidth }))"""
    )
    for w in widths:  # the time is a short stamp; the title has most of the line
        assert w["time"] <= w["row"] / 4 and w["title"] >= w["row"] * 2 / 3, w
    await context.close()

    context, page = await open_signed_in(
        browser, tokens, viewport=MOBILE, is_mobile=True, has_touch=True
    )
    await in_language(page, server, tokens, lang, f"/chats/{chats[0]}")
    await page.wait_for_selector(".model-select option", state="attached")
    room = await page.evaluate(
        """() => {
          const select = document.querySelector('.model-select');
          const style = getComputedStyle(select);
          const probe = document.createElement('span');
          probe.style.font = style.font;
          probe.style.whiteSpace = 'pre';
          probe.textContent = select.selectedOptions[0].text;
          document.body.append(probe);
          const text = probe.getBoundingClientRect().width;
          probe.remove();
          const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
          return { text, padding, width: select.clientWidth, label: probe.textContent };
        }"""
    )
    assert room["text"] + room["padding"] <= room["width"], room
    assert await page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    await page.screenshot(path=str(artifacts / f"ui-polish-chat-phone-{lang}.png"))
    await context.close()


async def search(page: Any, path: str, words: str) -> None:
    """Type into the list's search and wait for its answer: the rows are redrawn then."""
    await page.wait_for_selector(".table tbody tr")
    async with page.expect_response(lambda r: path in r.url and "q=" in r.url):
        await page.fill("input[type=search]", words)
    await page.wait_for_timeout(100)


async def test_blocking_asks_first_and_cancelling_blocks_nobody(
    browser: Any, server: Server
) -> None:
    admin = await administrator(server, "polish_warden")
    victim, _chats = await with_chats(server, "polish_suspect")
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        character = {"name": "Suspicious Sage", "greeting": "Hm.", "visibility": "public"}
        created = await http.post("/characters", json=character, headers=bearer(victim))
        character_id = created.json()["id"]
    context, page = await open_signed_in(browser, admin)

    await page.goto(f"{server.url}/#/admin/users")
    await search(page, "/admin/users?", "polish_suspect")
    row = page.locator(".table tbody tr", has_text="polish_suspect@example.com")
    await row.wait_for()
    await row.locator("button", has_text="Block").click()
    dialog = page.locator(".dialog")
    await dialog.locator("h2", has_text="Block polish_suspect?").wait_for()
    await dialog.locator("button", has_text="Cancel").click()
    assert await row.locator(".badge", has_text="Active").count() == 1
    await row.locator("button", has_text="Block").click()
    await dialog.locator("button.btn-danger", has_text="Block").click()
    await (
        page.locator(".table tbody tr", has_text="polish_suspect@example.com")
        .locator(".badge", has_text="Blocked")
        .wait_for()
    )

    await page.goto(f"{server.url}/#/admin/characters")
    await search(page, "/admin/characters?", "Suspicious Sage")
    row = page.locator(".table tbody tr", has_text="Suspicious Sage")
    await row.wait_for()
    await row.locator("button", has_text="Block").click()
    await dialog.locator("h2", has_text="Block Suspicious Sage?").wait_for()
    await page.keyboard.press("Escape")
    assert await row.locator(".badge", has_text="Active").count() == 1
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        shown = await http.get(f"/characters/{character_id}")
        assert shown.status_code == 200  # cancelled: still in the catalog
    await context.close()


async def test_the_providers_tab_speaks_the_ui_language(browser: Any, server: Server) -> None:
    admin = await administrator(server, "polish_operator")
    context, page = await open_signed_in(browser, admin)
    await in_language(page, server, admin, "ru", "/admin/providers")
    row = page.locator(".table tbody tr[data-name=local]")
    await row.wait_for()
    cells = [re.sub(r"\s+", " ", c).strip() for c in await row.locator("td").all_inner_texts()]
    assert cells[1:3] == ["Локальный сервер", "Переменные окружения"]
    assert cells[5] == "Работает"
    await context.close()
