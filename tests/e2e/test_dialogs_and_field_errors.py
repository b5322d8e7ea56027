"""Dialogs belong to their page: Back (or any route change) closes them, and one holding what
the person typed asks first. The server's field errors read in the UI's language."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import hearth.web
from tests.e2e.conftest import DESKTOP, Server
from tests.e2e.test_journey import PASSWORD
from tests.e2e.test_session import account, open_signed_in

pytestmark = pytest.mark.e2e

I18N = Path(hearth.web.__file__).resolve().parent / "i18n"


def translations(lang: str) -> dict[str, str]:
    return dict(json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8")))


async def test_an_email_the_server_refuses_is_explained_in_russian(
    browser: Any, server: Server
) -> None:
    context = await browser.new_context(viewport=DESKTOP, locale="ru-RU", bypass_csp=True)
    page = await context.new_page()
    await page.goto(f"{server.url}/#/signup")
    await page.wait_for_function("document.documentElement.lang === 'ru'")
    # The browser takes it; the server wants a dot after the @.
    await page.fill("input[name=email]", "someone@localhost")
    await page.fill("input[name=username]", "someone_local")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    email_error = page.locator(".field:has(input[name=email]) .field-error")
    await email_error.wait_for(state="visible")
    assert await email_error.inner_text() == translations("ru")["validation.email"]
    await context.close()


async def test_the_servers_field_errors_read_in_russian_with_their_limits(
    browser: Any, server: Server
) -> None:
    """Real 422s of the API, as the UI's own client reads them."""
    context = await browser.new_context(viewport=DESKTOP, locale="ru-RU", bypass_csp=True)
    page = await context.new_page()
    await page.goto(f"{server.url}/#/signup")
    await page.wait_for_function("document.documentElement.lang === 'ru'")
    shown = await page.evaluate(
        """async () => {
          const { post } = await import('/js/api.js');
          const refused = async (body) => {
            try {
              await post('/auth/register', body, { auth: false });
            } catch (e) {
              return e.fieldErrors;
            }
            return null;
          };
          const password = 'long enough 1';
          const long = await refused(
            { email: 'a@example.com', username: 'u'.repeat(70), password: 'x' });
          const bad = await refused({ email: 'b@example.com', username: 'no spaces', password });
          const missing = await refused({ username: 'someone', password });
          return { long, bad, missing };
        }"""
    )
    ru = translations("ru")
    assert shown["long"]["username"] == "Не длиннее 64 символов."
    assert shown["long"]["password"] == "Не короче 8 символов."
    assert shown["bad"]["username"] == ru["auth.username_hint"]
    assert shown["missing"]["email"] == ru["validation.missing"]
    await context.close()


async def test_a_code_the_ui_does_not_know_uses_the_servers_translation_or_a_taken_message(
    browser: Any, server: Server
) -> None:
    context = await browser.new_context(viewport=DESKTOP, locale="es-ES", bypass_csp=True)
    page = await context.new_page()
    await page.goto(f"{server.url}/#/signup")
    await page.wait_for_function("document.documentElement.lang === 'es'")
    shown = await page.evaluate(
        """async () => {
          const { ApiError } = await import('/js/api.js');
          const one = (code, message, detail) =>
            new ApiError(409, code, message, [{ field: 'name', message: detail }]).fieldErrors.name;
          return {
            taken: one('shelf_name_taken', '', 'exists'),
            server: one('shelf_locked', 'La estantería está cerrada.', 'locked'),
            unknown: one('validation_error', '', 'No such persona.'),
          };
        }"""
    )
    assert shown == {
        "taken": translations("es")["validation.taken"],
        "server": "La estantería está cerrada.",  # the server translated the code
        "unknown": "No such persona.",  # nothing in it to translate: the server's words
    }
    await context.close()


async def open_persona_dialog(page: Any, server: Server) -> None:
    await page.goto(f"{server.url}/#/")
    await page.wait_for_selector(".catalog")
    await page.goto(f"{server.url}/#/profile")
    await page.locator("button", has_text="New persona").click()
    await page.wait_for_selector(".dialog input[name=name]")


async def test_back_closes_an_untouched_dialog_and_shows_the_page_before(
    browser: Any, server: Server
) -> None:
    tokens = await account(server, "dialog_back")
    context, page = await open_signed_in(browser, tokens)
    await open_persona_dialog(page, server)

    await page.go_back()

    await page.wait_for_selector(".catalog")
    assert await page.locator(".dialog, .dialog-backdrop").count() == 0
    await context.close()


async def test_back_from_a_dialog_with_typed_text_asks_before_it_is_lost(
    browser: Any, server: Server
) -> None:
    tokens = await account(server, "dialog_typed")
    context, page = await open_signed_in(browser, tokens)
    await open_persona_dialog(page, server)
    await page.fill(".dialog textarea[name=description]", "A retired sailor who talks to gulls.")
    en = translations("en")

    await page.go_back()
    question = page.locator(".dialog", has_text=en["dialog.discard_title"])
    await question.wait_for()
    assert page.url.endswith("#/profile")
    await question.locator("button", has_text=en["dialog.keep"]).click()

    assert await page.locator(".dialog").count() == 1
    kept = await page.input_value(".dialog textarea[name=description]")
    assert kept == "A retired sailor who talks to gulls."
    assert page.url.endswith("#/profile") and await page.locator(".profile, .route").count()

    await page.go_back()
    await question.wait_for()
    await question.locator("button", has_text=en["dialog.discard"]).click()

    await page.wait_for_selector(".catalog")
    assert await page.locator(".dialog").count() == 0
    await context.close()


async def test_a_link_followed_while_a_dialog_is_open_closes_it(
    browser: Any, server: Server
) -> None:
    tokens = await account(server, "dialog_link")
    context, page = await open_signed_in(browser, tokens)
    await open_persona_dialog(page, server)

    await page.evaluate("location.hash = '#/me/characters'")

    await page.wait_for_function("location.hash === '#/me/characters'")
    await page.locator(".dialog").wait_for(state="detached")
    # And the page still works: a new dialog opens and closes as usual.
    await page.go_back()
    await page.locator("button", has_text="New persona").click()
    await page.keyboard.press("Escape")
    assert await page.locator(".dialog").count() == 0
    await context.close()


async def test_a_sign_up_error_that_repeats_the_hint_is_shown_once(
    browser: Any, server: Server
) -> None:
    context = await browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = await context.new_page()
    await page.goto(f"{server.url}/#/signup")
    await page.wait_for_selector("input[name=password]")
    en = translations("en")
    await page.fill("input[name=email]", "short@example.com")
    await page.fill("input[name=username]", "No Spaces")
    await page.fill("input[name=password]", "short")

    await page.click("button[type=submit]")

    for name, sentence in (("username", "auth.username_hint"), ("password", "auth.password_hint")):
        field = page.locator(f".field:has(input[name={name}])")
        await field.locator(".field-error").wait_for(state="visible")
        assert (await field.inner_text()).count(en[sentence]) == 1, name
    # Once the field is right, the hint comes back.
    await page.fill("input[name=password]", PASSWORD)
    password = page.locator(".field:has(input[name=password])")
    assert await password.locator(".field-hint").is_visible()
    await context.close()
