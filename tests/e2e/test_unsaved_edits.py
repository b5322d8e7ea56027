"""Nothing typed is lost without a question: the character editor asks before Back or a link
throws its unsaved changes away (and arms the browser's own question for a reload), and a
dialog holding typed text asks before Escape or the backdrop closes it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_dialogs_and_field_errors import open_persona_dialog, translations
from tests.e2e.test_session import account, open_signed_in

pytestmark = pytest.mark.e2e

EN = translations("en")
# What a reload or closing the tab would do: true when the page asks the browser to ask.
RELOAD_WOULD_ASK = """() => {
  const event = new Event('beforeunload', { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}"""


async def character_of(server: Server, tokens: dict[str, Any], name: str) -> str:
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        body = {"name": name, "tagline": "Keeps the lighthouse."}
        response = await http.post("/characters", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


async def open_editor(page: Any, server: Server, character_id: str) -> None:
    # The catalog first, so that Back has somewhere to go inside the app.
    await page.goto(f"{server.url}/#/")
    await page.wait_for_selector(".catalog")
    await page.goto(f"{server.url}/#/characters/{character_id}/edit")
    await page.wait_for_selector("form.editor-sections input[name=name]")


async def test_back_from_an_editor_with_changes_asks_and_keep_editing_keeps_them(
    browser: Any, server: Server
) -> None:
    tokens = await account(server, "unsaved_back")
    character_id = await character_of(server, tokens, "Ida")
    context, page = await open_signed_in(browser, tokens)
    await open_editor(page, server, character_id)
    assert await page.evaluate(RELOAD_WOULD_ASK) is False  # nothing changed yet

    await page.fill("textarea[name=description]", "Ida counts ships at night.")
    assert await page.evaluate(RELOAD_WOULD_ASK) is True

    await page.go_back()
    question = page.locator(".dialog", has_text=EN["dialog.discard_title"])
    await question.wait_for()
    assert EN["dialog.discard_changes_text"] in await question.inner_text()
    await question.locator("button", has_text=EN["dialog.keep"]).click()

    await question.wait_for(state="detached")
    assert page.url.endswith(f"#/characters/{character_id}/edit")
    kept = await page.input_value("textarea[name=description]")
    assert kept == "Ida counts ships at night."

    await page.go_back()
    await question.wait_for()
    await question.locator("button", has_text=EN["dialog.discard"]).click()
    await page.wait_for_selector(".catalog")
    assert await page.locator(".dialog").count() == 0
    assert await page.evaluate(RELOAD_WOULD_ASK) is False
    await context.close()


async def test_a_link_from_a_changed_new_character_asks_before_leaving(
    browser: Any, server: Server
) -> None:
    tokens = await account(server, "unsaved_link")
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/characters/new")
    await page.wait_for_selector("form.editor-sections input[name=name]")
    await page.fill("input[name=name]", "Half-written")

    await page.locator(".sticky-actions a", has_text=EN["common.cancel"]).click()

    question = page.locator(".dialog", has_text=EN["dialog.discard_title"])
    await question.wait_for()
    assert page.url.endswith("#/characters/new")
    await question.locator("button", has_text=EN["dialog.discard"]).click()
    await page.wait_for_selector(".catalog")
    await context.close()


async def test_after_a_save_leaving_the_editor_asks_nothing(browser: Any, server: Server) -> None:
    tokens = await account(server, "unsaved_saved")
    character_id = await character_of(server, tokens, "Ida")
    context, page = await open_signed_in(browser, tokens)
    await open_editor(page, server, character_id)
    await page.fill("input[name=tagline]", "Keeps the lighthouse, and the logbook.")

    await page.click("form.editor-sections button[type=submit]")

    await page.wait_for_selector(".char-title")  # the save went on to the character page
    assert await page.locator(".dialog").count() == 0
    assert await page.evaluate(RELOAD_WOULD_ASK) is False
    await page.go_back()  # back to the editor, now showing the saved text: nothing to ask
    await page.wait_for_selector("form.editor-sections input[name=name]")
    await page.go_back()
    await page.wait_for_selector(".catalog")
    assert await page.locator(".dialog").count() == 0
    await context.close()


async def test_escape_on_a_dialog_with_typed_text_asks_and_escape_again_keeps_it(
    browser: Any, server: Server
) -> None:
    tokens = await account(server, "unsaved_escape")
    context, page = await open_signed_in(browser, tokens)
    await open_persona_dialog(page, server)
    await page.fill(".dialog textarea[name=description]", "A retired sailor who talks to gulls.")
    assert await page.evaluate(RELOAD_WOULD_ASK) is True

    await page.keyboard.press("Escape")
    question = page.locator(".dialog", has_text=EN["dialog.discard_title"])
    await question.wait_for()
    assert EN["dialog.discard_close_text"] in await question.inner_text()
    await page.keyboard.press("Escape")  # Escape on the question: keep the dialog

    await question.wait_for(state="detached")
    kept = await page.input_value(".dialog textarea[name=description]")
    assert kept == "A retired sailor who talks to gulls."

    # A click on the backdrop asks too; Discard closes the dialog.
    await page.mouse.click(5, 5)
    await question.wait_for()
    await question.locator("button", has_text=EN["dialog.discard"]).click()
    await page.locator(".dialog").wait_for(state="detached")
    assert page.url.endswith("#/profile")
    assert await page.evaluate(RELOAD_WOULD_ASK) is False
    await context.close()


async def test_escape_closes_an_untouched_dialog_at_once(browser: Any, server: Server) -> None:
    tokens = await account(server, "unsaved_untouched")
    context, page = await open_signed_in(browser, tokens)
    await open_persona_dialog(page, server)

    await page.keyboard.press("Escape")

    await page.locator(".dialog").wait_for(state="detached")
    await context.close()


async def test_switching_the_language_in_a_changed_editor_asks_first(
    browser: Any, server: Server
) -> None:
    tokens = await account(server, "unsaved_language")
    character_id = await character_of(server, tokens, "Ida")
    context, page = await open_signed_in(browser, tokens)
    await open_editor(page, server, character_id)
    await page.fill("textarea[name=description]", "Ida counts ships at night.")
    question = page.locator(".dialog", has_text=EN["dialog.discard_title"])

    await page.select_option(".lang-select", "ru")
    await question.wait_for()
    assert EN["dialog.discard_language_text"] in await question.inner_text()
    await question.locator("button", has_text=EN["dialog.keep"]).click()
    await question.wait_for(state="detached")
    assert await page.input_value("textarea[name=description]") == "Ida counts ships at night."
    assert await page.input_value(".lang-select") == "en"

    await page.select_option(".lang-select", "ru")
    await question.locator("button", has_text=EN["dialog.discard"]).click()
    # Drawn again in Russian, from the stored character.
    await page.wait_for_function(
        "document.querySelector('textarea[name=description]')?.value === ''"
        " && document.documentElement.lang === 'ru'"
    )
    await context.close()
