"""The lorebook entry editor's SillyTavern settings: placement (before / after the character,
or in the chat at a depth as a role), trigger chance and whole-word keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import BrowserLog, Server
from tests.e2e.test_journey import PASSWORD
from tests.e2e.test_session import open_signed_in

pytestmark = pytest.mark.e2e


async def sign_up(server: Server, username: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        body = {"email": f"{username}@example.com", "username": username, "password": PASSWORD}
        assert (await http.post("/auth/register", json=body)).status_code == 201
        login = {"login": username, "password": PASSWORD}
        return dict((await http.post("/auth/login", json=login)).json())


async def lorebook_of(server: Server, tokens: dict[str, Any], character_id: str) -> Any:
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        response = await http.get(f"/characters/{character_id}", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["lorebook"]


async def test_entry_at_depth_as_user_with_chance_and_whole_words_is_saved_and_shown(
    browser: Any, server: Server
) -> None:
    tokens = await sign_up(server, "lorekeeper")
    log = BrowserLog()
    context, page = await open_signed_in(browser, tokens, log=log)
    await page.goto(f"{server.url}/#/characters/new")
    await page.fill("input[name=name]", "Wren")
    await page.click("button:has-text('Add entry')")
    entry = page.locator(".lore-entry")
    await entry.locator("input[placeholder='castle, the old king']").fill("owl")
    await entry.locator("textarea").fill("Wren keeps an owl named Pip.")

    # Depth and role are asked for only once the entry goes into the chat.
    assert not await entry.get_by_label("Depth", exact=True).is_visible()
    await entry.get_by_label("Placement").select_option(label="In the chat, at a depth")
    depth = entry.get_by_label("Depth", exact=True)
    assert await depth.input_value() == "4"  # SillyTavern's default depth
    await depth.fill("1001")
    error = entry.locator(".field-error:not(:empty)")
    assert await error.inner_text() == "A whole number from 0 to 1000."
    assert await depth.get_attribute("aria-invalid") == "true"
    await depth.fill("2")
    assert await error.count() == 0
    assert await depth.get_attribute("aria-invalid") is None
    await entry.get_by_label("As", exact=True).select_option("user")
    await entry.get_by_label("Trigger chance, %").fill("50")
    await entry.get_by_label("Match whole words").check()
    await page.click("form.editor-sections button[type=submit]")
    await page.wait_for_selector(".char-title")
    character_id = page.url.rsplit("/", 1)[1]

    saved = (await lorebook_of(server, tokens, character_id))["entries"][0]
    assert saved["keys"] == ["owl"]
    assert (saved["depth"], saved["role"]) == (2, "user")
    assert (saved["probability"], saved["use_probability"]) == (50, True)
    assert saved["match_whole_words"] is True

    await page.goto(f"{server.url}/#/characters/{character_id}/edit")
    entry = page.locator(".lore-entry")
    await entry.wait_for()
    assert await entry.get_by_label("Placement").input_value() == "depth"
    assert await entry.get_by_label("Depth", exact=True).input_value() == "2"
    assert await entry.get_by_label("As", exact=True).input_value() == "user"
    assert await entry.get_by_label("Trigger chance, %").input_value() == "50"
    assert await entry.get_by_label("Trigger chance", exact=True).is_checked()
    assert await entry.get_by_label("Match whole words").is_checked()

    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()


async def test_entry_whose_settings_were_not_touched_saves_back_as_loaded(
    browser: Any, server: Server, artifacts: Path
) -> None:
    tokens = await sign_up(server, "loreholder")
    entries = [
        {
            "id": 7,
            "keys": ["bell"],
            "content": "The bell rings at dusk.",
            "position": "after_char",
            "probability": 30,
            "use_probability": False,
            "match_whole_words": None,
            "role": "assistant",
            "extensions": {"selectiveLogic": 0, "from_another_app": {"x": 1}},
        },
        {
            "id": 8,
            "keys": ["tower"],
            "content": "The tower has no door.",
            "depth": 0,
            "role": "system",
            "match_whole_words": False,
        },
    ]
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        body = {"name": "Bellringer", "lorebook": {"entries": entries}}
        created = await http.post("/characters", json=body, headers=headers)
        assert created.status_code == 201, created.text
    character_id = created.json()["id"]
    before = await lorebook_of(server, tokens, character_id)

    log = BrowserLog()
    context, page = await open_signed_in(browser, tokens, log=log)
    await page.goto(f"{server.url}/#/characters/{character_id}/edit")
    await page.wait_for_selector(".lore-entry")
    await (
        page.locator(".lore-entry")
        .nth(1)
        .screenshot(path=str(artifacts / "lorebook-entry-at-depth.png"))
    )
    first, second = page.locator(".lore-entry").nth(0), page.locator(".lore-entry").nth(1)
    assert await first.get_by_label("Placement").input_value() == "after_char"
    assert await first.get_by_label("Trigger chance, %").is_disabled()
    assert await second.get_by_label("Placement").input_value() == "depth"
    assert await second.get_by_label("Depth", exact=True).input_value() == "0"
    assert not await second.get_by_label("Match whole words").is_checked()
    # Touching a setting and putting it back is not a change either.
    for entry in (first, second):  # whole words unset, then off
        await entry.get_by_label("Match whole words").check()
        await entry.get_by_label("Match whole words").uncheck()
    await page.fill("input[name=tagline]", "Rings the bell.")
    await page.click("form.editor-sections button[type=submit]")
    await page.wait_for_selector(".char-title")

    assert await lorebook_of(server, tokens, character_id) == before
    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()
