"""Details people notice: form errors in their language, a phone-sized profile that fits,
one Escape per dialog, a tag field that lets go of the focus."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import DESKTOP, MOBILE, BrowserLog, Server
from tests.e2e.test_journey import PASSWORD
from tests.e2e.test_session import account, open_signed_in

pytestmark = pytest.mark.e2e


async def test_a_field_error_from_the_server_is_shown_in_the_ui_language(
    browser: Any, server: Server
) -> None:
    await account(server, "taken")
    context = await browser.new_context(viewport=DESKTOP, locale="ru-RU", bypass_csp=True)
    page = await context.new_page()
    await page.goto(f"{server.url}/#/signup")
    await page.fill("input[name=email]", "taken@example.com")
    await page.fill("input[name=username]", "someone_else")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    email_error = page.locator(".field:has(input[name=email]) .field-error")
    await email_error.wait_for(state="visible")
    assert await email_error.inner_text() == "Этот адрес уже зарегистрирован."
    await context.close()


async def test_leaving_a_wrong_sign_up_field_shows_its_error_and_lets_the_user_move_on(
    browser: Any, server: Server
) -> None:
    context = await browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = await context.new_page()
    await page.goto(f"{server.url}/#/signup")
    await page.click("input[name=email]")
    await page.keyboard.type("carol@example.com")
    await page.keyboard.press("Tab")
    await page.keyboard.type("carol-x")  # not a valid username
    await page.keyboard.press("Tab")
    await page.keyboard.type("Carol")

    assert await page.input_value("input[name=display_name]") == "Carol"
    assert await page.input_value("input[name=username]") == "carol-x"
    assert await page.locator(".field:has(input[name=username]) .field-error").is_visible()
    # Untouched fields say nothing yet.
    assert not await page.locator(".field:has(input[name=password]) .field-error").is_visible()
    await context.close()


async def test_a_range_error_names_its_bound_in_the_ui_language(
    browser: Any, server: Server
) -> None:
    tokens = await account(server, "noter")
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert (await http.patch("/me", json={"locale": "es"}, headers=headers)).is_success
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/")
    await page.wait_for_function("document.documentElement.lang === 'es'")
    message = await page.evaluate(
        """async () => {
          const { ApiError } = await import('/js/api.js');
          const details = [{ field: 'depth', message: 'Input should be less than or equal to 100',
                             type: 'less_than_equal', ctx: { le: 100 } }];
          return new ApiError(422, 'validation_error', '', details).fieldErrors.depth;
        }"""
    )
    assert message == "Como máximo 100."
    await context.close()


async def test_the_profile_fits_a_phone_whatever_the_browser_calls_itself(
    browser: Any, server: Server
) -> None:
    tokens = await account(server, "phoneuser")
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        long_agent = {"User-Agent": "Mozilla/5.0 " + "VeryLongBrowserToken" * 20}
        login = {"login": "phoneuser", "password": PASSWORD}
        assert (await http.post("/auth/login", json=login, headers=long_agent)).status_code == 200
    context, page = await open_signed_in(
        browser, tokens, viewport=MOBILE, is_mobile=True, has_touch=True
    )
    await page.goto(f"{server.url}/#/profile")
    await page.wait_for_selector(".session-row")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"]
    await context.close()


async def test_escape_closes_only_the_dialog_on_top(browser: Any, server: Server) -> None:
    tokens = await account(server, "stacker")
    log = BrowserLog()
    context, page = await open_signed_in(browser, tokens, log=log)
    await page.goto(f"{server.url}/#/")
    await page.wait_for_selector(".catalog")
    await page.evaluate(
        """async () => {
          const { openDialog } = await import('/js/components/dialog.js');
          for (const name of ['under', 'over']) {
            openDialog((dialog) => dialog.append(Object.assign(document.createElement('button'),
              { textContent: name })), { label: name });
          }
        }"""
    )
    assert await page.locator(".dialog").count() == 2
    await page.keyboard.press("Escape")
    assert await page.locator(".dialog").count() == 1
    assert await page.locator(".dialog").get_attribute("aria-label") == "under"
    await page.keyboard.press("Escape")
    assert await page.locator(".dialog").count() == 0
    await context.close()


async def test_leaving_the_tag_field_keeps_the_tag_and_lets_focus_go(
    browser: Any, server: Server
) -> None:
    tokens = await account(server, "tagger")
    context, page = await open_signed_in(browser, tokens)
    await page.goto(f"{server.url}/#/characters/new")
    await page.wait_for_selector("input[name=name]")
    await page.locator(".tags-input input").fill("mytag")
    await page.click("textarea[name=description]")
    await page.keyboard.type("Typed where I clicked.")
    assert await page.input_value("textarea[name=description]") == "Typed where I clicked."
    assert await page.locator(".tags-input .tag-pill").all_inner_texts() == ["mytag"]
    await context.close()
