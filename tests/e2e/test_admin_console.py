"""The admin console beyond the lists: a user's quota and deposit, their chat read-only, a
provider added with a key that is never shown back, plans and moderation rules, and the audit
log that records all of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import DESKTOP, MOBILE, OPS_EMAIL, BrowserLog, Server
from tests.e2e.test_journey import PASSWORD
from tests.e2e.test_session import open_signed_in, seed_script
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.e2e

SECRET_KEY = "sk-e2e-never-shown-0123456789"


async def login(http: httpx.AsyncClient, email: str, username: str) -> dict[str, Any]:
    body = {"email": email, "username": username, "password": PASSWORD}
    assert (await http.post("/auth/register", json=body)).status_code == 201
    tokens = (await http.post("/auth/login", json={"login": username, "password": PASSWORD})).json()
    return dict(tokens)


async def prepare(server: Server) -> tuple[dict[str, Any], dict[str, Any], str]:
    """An administrator, and a user with a chat whose greeting the admin will read."""
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        admin = await login(http, OPS_EMAIL, "ops")
        user = await login(http, "patron@example.com", "patron")
        headers = {"Authorization": f"Bearer {user['access_token']}"}
        character = {"name": "Quill", "greeting": "*Quill sharpens a pencil.* Ledger first."}
        created = (await http.post("/characters", json=character, headers=headers)).json()
        chat = await http.post("/chats", json={"character_id": created["id"]}, headers=headers)
        assert chat.status_code == 201, chat.text
        me = (await http.get("/me", headers=headers)).json()
        return admin, me, chat.json()["id"]


async def shot(page: Any, path: Path, **options: Any) -> None:
    """A screenshot without the success toasts of earlier steps on top."""
    await page.evaluate("document.querySelectorAll('.toast').forEach((el) => el.remove())")
    await page.screenshot(path=str(path), **options)


async def test_quota_deposit_provider_and_audit(
    browser: Any, server: Server, fake_llm: FakeOpenAI, artifacts: Path
) -> None:
    admin, patron, _chat_id = await prepare(server)
    context = await browser.new_context(viewport=DESKTOP, bypass_csp=True)
    await context.add_init_script(
        seed_script(admin["access_token"], admin["refresh_token"], 10**13)
    )
    page = await context.new_page()
    log = BrowserLog()
    log.attach(page)
    page.set_default_timeout(15_000)

    # A user's detail: set a daily quota, deposit money, read their chat.
    await page.goto(f"{server.url}/#/admin/users")
    await page.fill("input[type=search]", "patron")
    row = page.locator(f"tr[data-id='{patron['id']}']")
    await page.wait_for_function("document.querySelectorAll('.table tbody tr').length === 1")
    await row.locator(".link-btn").click()
    dialog = page.locator(".dialog")
    await dialog.locator("input[name=daily_units]").fill("500")
    await dialog.locator("form:has(input[name=daily_units]) button[type=submit]").click()
    await dialog.locator(".admin-usage:has-text('500')").wait_for()
    await dialog.locator("input[name=amount]").fill("12.50")
    await dialog.locator("input[name=note]").fill("welcome credit")
    await dialog.locator("form:has(input[name=amount]) button[type=submit]").click()
    await dialog.locator(".balance:has-text('12.50')").wait_for()
    await shot(page, artifacts / "admin-user-detail-desktop.png")
    await dialog.locator(".open-chat").click()
    await page.locator(".admin-chat:has-text('Ledger first')").wait_for()
    assert await page.locator(".dialog textarea, .dialog .composer").count() == 0
    await shot(page, artifacts / "admin-chat-readonly-desktop.png")
    await page.keyboard.press("Escape")
    await page.keyboard.press("Escape")

    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        headers = {"Authorization": f"Bearer {admin['access_token']}"}
        detail = (await http.get(f"/admin/users/{patron['id']}", headers=headers)).json()
    assert detail["usage"]["units_limit"] == 500
    assert detail["usage"]["balance"] == 12_500_000

    # A provider with a key: saved, listed with "key set", the key never comes back.
    await page.goto(f"{server.url}/#/admin/providers")
    await page.click(".add-provider")
    await dialog.locator("select[name=kind]").select_option("openai")
    await dialog.locator("input[name=name]").fill("backup")
    await dialog.locator("input[name=base_url]").fill(fake_llm.base_url)
    assert await dialog.locator("input[name=api_key]").get_attribute("type") == "password"
    await dialog.locator("input[name=api_key]").fill(SECRET_KEY)
    await dialog.locator("button[type=submit]").click()
    backup = page.locator("tr[data-name='backup']")
    await backup.locator(".key-state:has-text('key set')").wait_for()
    await backup.locator(".edit-provider").click()
    assert await dialog.locator("input[name=api_key]").input_value() == ""
    await page.keyboard.press("Escape")
    assert SECRET_KEY not in await page.content()
    await shot(page, artifacts / "admin-providers-desktop.png", full_page=True)

    # Plans and moderation rules.
    await page.goto(f"{server.url}/#/admin/plans")
    await page.click("button:has-text('New plan')")
    await dialog.locator("input[name=name]").fill("Pro")
    await dialog.locator("input[name=daily_units]").fill("100000")
    await dialog.locator("button[type=submit]").click()
    await page.locator(".table td:has-text('Pro')").wait_for()
    await shot(page, artifacts / "admin-plans-desktop.png")
    await page.goto(f"{server.url}/#/admin/moderation")
    await page.fill("input[name=pattern]", "forbidden phrase")
    await page.click("form button[type=submit]")
    await page.locator(".table code:has-text('forbidden phrase')").wait_for()
    await shot(page, artifacts / "admin-moderation-desktop.png")

    # The audit log shows who did each of those, with before and after.
    await page.goto(f"{server.url}/#/admin/audit")
    for action in ("user.set_plan", "user.deposit", "provider.create", "plan.create"):
        await page.locator(f".audit-row[data-action='{action}']").first.wait_for()
    deposit = page.locator(".audit-row[data-action='user.deposit']").first
    await deposit.locator("td:nth-child(2):has-text('@ops')").wait_for()
    await deposit.locator("td:nth-child(3):has-text('@patron')").wait_for()
    assert "$12.50" in await deposit.inner_text()
    assert "welcome credit" in await deposit.inner_text()
    assert SECRET_KEY not in await page.content()
    await shot(page, artifacts / "admin-audit-desktop.png")

    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()

    # Phone size: the new sections fit the screen.
    phone = await browser.new_context(
        viewport=MOBILE, is_mobile=True, has_touch=True, bypass_csp=True
    )
    await phone.add_init_script(seed_script(admin["access_token"], admin["refresh_token"], 10**13))
    page = await phone.new_page()
    log = BrowserLog()
    log.attach(page)
    page.set_default_timeout(15_000)
    for name, ready in (
        ("audit", ".audit-row"),
        ("providers", "tr[data-name='backup']"),
        ("plans", ".table tbody tr"),
        ("moderation", ".table tbody tr"),
    ):
        await page.goto(f"{server.url}/#/admin/{name}")
        await page.wait_for_selector(ready)
        await page.wait_for_timeout(200)
        await shot(page, artifacts / f"admin-{name}-mobile.png")
        assert await page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    await page.goto(f"{server.url}/#/admin/users")
    await page.locator(f"tr[data-id='{patron['id']}'] .link-btn").click()
    await page.locator(".dialog .admin-forms").wait_for()
    await page.wait_for_timeout(300)  # the dialog's opening animation
    await shot(page, artifacts / "admin-user-detail-mobile.png")
    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await phone.close()


async def test_a_yandex_provider_is_added_with_its_folder_id(
    browser: Any, server: Server, fake_llm: FakeOpenAI, artifacts: Path
) -> None:
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        # The ops administrator may exist already (an earlier test of this server made it).
        body = {"email": OPS_EMAIL, "username": "ops", "password": PASSWORD}
        assert (await http.post("/auth/register", json=body)).status_code in (201, 409)
        admin = (await http.post("/auth/login", json={"login": "ops", "password": PASSWORD})).json()
    log = BrowserLog()
    context, page = await open_signed_in(browser, admin, log=log, wait_ms=15_000)
    await page.goto(f"{server.url}/#/admin/providers")
    await page.click(".add-provider")
    dialog = page.locator(".dialog")
    folder = dialog.locator("input[name=folder_id]")

    # The folder field belongs to Yandex only, and Yandex cannot be saved without it.
    assert not await folder.is_visible()
    await dialog.locator("select[name=kind]").select_option("yandex")
    assert await folder.is_visible()
    await dialog.locator("input[name=name]").fill("yc")
    await dialog.locator("input[name=base_url]").fill(fake_llm.base_url)
    await dialog.locator("input[name=api_key]").fill(SECRET_KEY)
    await dialog.locator("button[type=submit]").click()
    error = dialog.locator(".field:has(input[name=folder_id]) .field-error")
    await error.filter(has_text="folder").wait_for()
    assert await folder.get_attribute("aria-invalid") == "true"

    await folder.fill("b1gfolder42")
    await dialog.locator("button[type=submit]").click()
    row = page.locator("tr[data-name='yc']")
    await row.locator(".key-state:has-text('key set')").wait_for()
    await row.locator(".edit-provider").click()
    assert await dialog.locator("input[name=folder_id]").input_value() == "b1gfolder42"
    assert await dialog.locator("input[name=api_key]").input_value() == ""
    await shot(page, artifacts / "admin-provider-yandex-desktop.png")
    await page.keyboard.press("Escape")
    assert SECRET_KEY not in await page.content()

    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        headers = {"Authorization": f"Bearer {admin['access_token']}"}
        listed = await http.get("/admin/providers", headers=headers)
    (yc,) = [p for p in listed.json() if p["name"] == "yc"]
    assert (yc["kind"], yc["folder_id"], yc["has_key"]) == ("yandex", "b1gfolder42", True)
    assert SECRET_KEY not in listed.text
    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()
