"""Details of the chat page: reply errors and the prompt inspector in the UI's language, the
import dialog's reason, the search box's limit, focus after edits and menus, ***bold italic***,
phone tap targets, an empty author's note frequency, and user names after a persona switch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

import hearth.web
from tests.e2e.conftest import MOBILE, REPLY_TOKENS, Server
from tests.e2e.test_chat_resilience import bearer, chat_with_turns, say
from tests.e2e.test_journey import last_ai, send, wait_status
from tests.e2e.test_session import open_signed_in
from tests.e2e.test_ui_polish import in_language
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

pytestmark = pytest.mark.e2e

I18N = Path(hearth.web.__file__).resolve().parent / "i18n"


def translations(lang: str) -> dict[str, str]:
    return dict(json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8")))


async def focused(page: Any) -> str:
    """The focused element, as `tag.class[aria-label]`."""
    return str(
        await page.evaluate(
            """() => { const el = document.activeElement;
                const label = el.getAttribute('aria-label') || '';
                return `${el.tagName.toLowerCase()}.${el.className}[${label}]`; }"""
        )
    )


async def test_a_failed_reply_says_why_in_the_ui_language(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "failru", turns=0)
    context, page = await open_signed_in(browser, tokens)
    await in_language(page, server, tokens, "ru", f"/chats/{chat_id}")
    fake_llm.script(Reply(status=400, error_message="scripted failure"))
    await send(page, "Привет")
    await wait_status(page, "error")
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        page_of = await http.get(f"/chats/{chat_id}/messages", headers=bearer(tokens))
    code = page_of.json()["items"][0]["error"]["code"]
    shown = await last_ai(page).locator(".msg-error .grow").inner_text()
    assert shown == translations("ru")[f"reply_error.{code}"]
    await page.reload()
    await wait_status(page, "error")
    assert await last_ai(page).locator(".msg-error .grow").inner_text() == shown
    await context.close()


async def test_the_prompt_inspector_names_parts_and_roles_in_the_ui_language(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "inspectru")
    context, page = await open_signed_in(browser, tokens)
    await in_language(page, server, tokens, "ru", f"/chats/{chat_id}")
    reply = last_ai(page)
    await reply.hover()
    await reply.locator(".act-inspect").click()
    await page.wait_for_selector(".prompt-part-name")
    ru = translations("ru")
    names = await page.locator(".prompt-part-name").all_inner_texts()
    assert ru["chat.prompt_part_system"] in names and ru["chat.prompt_part_history"] in names
    assert not {"system", "history", "example_dialogue", "lorebook"} & set(names)
    roles = set(await page.locator(".prompt-message b").all_text_contents())  # folded away
    translated = {ru[f"chat.prompt_role_{role}"] for role in ("system", "user", "assistant")}
    assert roles and roles <= translated
    await context.close()


async def test_the_import_dialog_shows_why_the_server_refused_the_file(
    browser: Any, server: Server, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "badimport", turns=0)
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    await page.wait_for_selector(".msg-ai[data-status=complete]")  # the chat is drawn
    await page.click(".chat-tools-menu > button")
    await page.locator(".chat-tools-menu [role=menuitem]", has_text="Import").click()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json at all\n", encoding="utf-8")
    await page.set_input_files(".import-chat-form input[type=file]", str(bad))
    await page.locator(".import-chat-form button[type=submit]").click()
    alert = page.locator(".import-chat-form .alert-error")
    await alert.wait_for()
    assert "Line 1 is not JSON." in await alert.inner_text()
    await context.close()


async def test_the_chat_search_takes_no_more_than_the_api_accepts(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "longsearch", turns=0)
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    search = page.locator(".chat-search")
    await search.click()
    await page.keyboard.insert_text("x" * 250)
    assert len(await search.input_value()) == 200
    await page.wait_for_timeout(800)  # the debounced search has run
    assert await page.locator(".chat-sidebar .alert-error, #chat-sidebar .alert-error").count() == 0
    await context.close()


async def test_focus_returns_after_an_edit_and_after_escape_on_a_menu(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "keyboard")
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    mine = page.locator(".msg-user").first
    await mine.hover()
    await mine.locator(".act-edit").click()
    await page.locator(".msg-edit").press("Escape")
    assert (await focused(page)).startswith("button.icon-btn sm act-edit")
    await mine.locator(".act-edit").press("Enter")
    await page.locator(".msg-edit").fill("Edited with the keyboard.")
    await page.locator(".msg-edit").press("Control+Enter")
    await page.wait_for_selector(".msg-user .msg-body:has-text('Edited with the keyboard.')")
    assert (await focused(page)).startswith("button.icon-btn sm act-edit")

    tools = page.locator(".chat-tools-menu > button")
    await tools.focus()
    await page.keyboard.press("Enter")
    await page.wait_for_selector(".chat-tools-menu .menu:not([hidden])")
    await page.keyboard.press("Escape")
    assert await page.locator(".chat-tools-menu .menu").is_hidden()
    assert await page.evaluate(
        "document.activeElement === document.querySelector('.chat-tools-menu > button')"
    )

    # Tab out of an open menu and it closes.
    await page.keyboard.press("Enter")
    await page.wait_for_selector(".chat-tools-menu .menu:not([hidden])")
    for _ in range(5):
        await page.keyboard.press("Tab")
    assert await page.locator(".chat-tools-menu .menu").is_hidden()
    await context.close()


async def test_triple_stars_are_bold_italic_and_the_rest_of_the_line_is_plain(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "triple", turns=0)
    await say(server, fake_llm, tokens, chat_id, "***triple*** and the rest")
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    body = page.locator(".msg-user .msg-body")
    await body.wait_for()
    assert await body.locator("strong > em").inner_text() == "triple"
    assert await body.locator(".rp-action").count() == 0
    assert (await body.inner_text()).strip() == "triple and the rest"
    await context.close()


async def test_stars_and_swipe_arrows_are_finger_sized_on_a_phone_only(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "fingers")
    for viewport, large in ((MOBILE, True), ({"width": 1280, "height": 800}, False)):
        context, page = await open_signed_in(browser, tokens, viewport=viewport)
        await page.goto(f"{server.url}/#/chats/{chat_id}")
        await page.wait_for_selector(".msg-ai .star")
        for selector in (".msg-ai .star", ".msg-ai .swipe-prev", ".msg-ai .swipe-next"):
            box = await page.locator(selector).last.bounding_box()
            assert box is not None
            assert (box["width"] >= 40 and box["height"] >= 40) == large, (selector, box)
        await context.close()


async def test_an_empty_frequency_keeps_the_author_note_on_its_default(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "notefreq", turns=0)
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    await page.wait_for_selector(".msg-ai[data-status=complete]")  # the chat is drawn
    await page.click(".chat-tools-menu > button")
    await page.locator(".chat-tools-menu [role=menuitem]", has_text="Author").click()
    form = page.locator(".author-note-form")
    await form.locator("textarea").fill("Keep it short.")
    await form.locator("input[name=frequency]").fill("")
    await form.locator("button[type=submit]").click()
    await form.wait_for(state="detached")
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        chat = (await http.get(f"/chats/{chat_id}", headers=bearer(tokens))).json()
    assert chat["author_note"]["text"] == "Keep it short."
    assert chat["author_note"]["frequency"] == 1
    await context.close()


async def test_after_a_persona_switch_user_messages_are_named_as_after_a_reload(
    browser: Any, server: Server, fake_llm: FakeOpenAI
) -> None:
    tokens, chat_id = await chat_with_turns(server, fake_llm, "personas", turns=0)
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        for name, default in (("Alice", True), ("Bob", False)):
            made = await http.post(
                "/me/personas", json={"name": name, "is_default": default}, headers=bearer(tokens)
            )
            assert made.status_code == 201, made.text
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/chats/{chat_id}")
    fake_llm.script(Reply(tokens=REPLY_TOKENS, delay=0))
    await send(page, "As Alice.")
    await wait_status(page, "complete")
    await page.locator(".persona-select").select_option(label="Bob")
    await page.wait_for_function(
        """[...document.querySelectorAll('.msg-user .msg-name')]
            .every((n) => n.textContent === 'Bob')"""
    )
    live = await page.locator(".msg-user .msg-name").all_inner_texts()
    await page.reload()
    await page.wait_for_selector(".msg-user .msg-name")
    assert await page.locator(".msg-user .msg-name").all_inner_texts() == live == ["Bob"]
    await context.close()
