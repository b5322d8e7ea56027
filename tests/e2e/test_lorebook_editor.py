"""The lorebook entry editor's SillyTavern settings: placement (by the character, the example
dialogue or the author's note, or in the chat at a depth as a role), trigger chance,
whole-word keys, the entry's own scan depth and its inclusion group."""

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


async def character_with_lorebook(
    server: Server, tokens: dict[str, Any], name: str, entries: list[dict[str, Any]]
) -> str:
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        body = {"name": name, "lorebook": {"entries": entries}}
        created = await http.post("/characters", json=body, headers=headers)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])


async def save_character(page: Any) -> None:
    await page.click("form.editor-sections button[type=submit]")
    await page.wait_for_selector(".char-title")


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
    await save_character(page)
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
        {
            "id": 9,
            "keys": ["rain"],
            "content": "It always rains on Tuesdays.",
            "position": "before_examples",
            "scan_depth": 0,
            "group": "weather, mood",
            "group_override": True,
            "group_weight": 0,
            "use_group_scoring": False,
        },
        {
            "id": 10,
            "keys": ["fog"],
            "content": "Fog hides the harbour.",
            "position": "after_author_note",
            "use_group_scoring": True,
        },
    ]
    character_id = await character_with_lorebook(server, tokens, "Bellringer", entries)
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
    third, fourth = page.locator(".lore-entry").nth(2), page.locator(".lore-entry").nth(3)
    assert await third.get_by_label("Placement").input_value() == "before_examples"
    assert await third.get_by_label("Own scan depth").input_value() == "0"
    assert await third.get_by_label("Inclusion group").input_value() == "weather, mood"
    assert await third.get_by_label("Group weight").input_value() == "0"
    assert await third.get_by_label("Group scoring").input_value() == "off"
    assert await third.get_by_label("Takes priority in its group").is_checked()
    assert await fourth.get_by_label("Placement").input_value() == "after_author_note"
    # Nothing of its advanced part is set but scoring: folded away, the book's scan depth.
    assert not await fourth.get_by_label("Own scan depth").is_visible()
    await fourth.locator(".lore-advanced summary").click()
    assert await fourth.get_by_label("Own scan depth").input_value() == ""
    assert await fourth.get_by_label("Group scoring").input_value() == "on"
    # Touching a setting and putting it back is not a change either.
    for entry in (first, second):  # whole words unset, then off
        await entry.get_by_label("Match whole words").check()
        await entry.get_by_label("Match whole words").uncheck()
    await fourth.get_by_label("Takes priority in its group").check()
    await fourth.get_by_label("Takes priority in its group").uncheck()
    await fourth.get_by_label("Inclusion group").fill("fog")
    await fourth.get_by_label("Inclusion group").fill("")
    await fourth.get_by_label("Own scan depth").fill("3")
    await fourth.get_by_label("Own scan depth").fill("")
    await page.fill("input[name=tagline]", "Rings the bell.")
    await save_character(page)

    assert await lorebook_of(server, tokens, character_id) == before
    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()


async def test_entry_by_the_author_note_in_a_group_is_shown_and_its_changes_are_saved(
    browser: Any, server: Server, artifacts: Path
) -> None:
    tokens = await sign_up(server, "loreweather")
    entries = [
        {
            "id": 1,
            "keys": ["storm"],
            "content": "Storms come from the west.",
            "position": "after_author_note",
            "scan_depth": 2,
            "group": "weather",
        },
        {"id": 2, "keys": ["sun"], "content": "The sun never sets here.", "scan_depth": 5},
    ]
    character_id = await character_with_lorebook(server, tokens, "Forecaster", entries)

    log = BrowserLog()
    context, page = await open_signed_in(browser, tokens, log=log)
    await page.goto(f"{server.url}/#/characters/{character_id}/edit")
    await page.wait_for_selector(".lore-entry")
    storm, sun = page.locator(".lore-entry").nth(0), page.locator(".lore-entry").nth(1)
    await storm.screenshot(path=str(artifacts / "lorebook-entry-in-group.png"))
    placement = storm.get_by_label("Placement")
    assert await placement.input_value() == "after_author_note"
    selected = placement.locator("option:checked")
    assert await selected.inner_text() == "After the author's note"
    # Settings in force are not folded away.
    assert await storm.get_by_label("Own scan depth").is_visible()
    assert await storm.get_by_label("Own scan depth").input_value() == "2"
    assert await storm.get_by_label("Inclusion group").input_value() == "weather"
    assert await storm.get_by_label("Group weight").input_value() == "100"
    assert await storm.get_by_label("Group scoring").input_value() == "book"
    assert not await storm.get_by_label("Takes priority in its group").is_checked()

    await placement.select_option(label="Before the example dialogue")
    weight = storm.get_by_label("Group weight")
    await weight.fill("1000001")
    error = storm.locator(".field-error:not(:empty)")
    assert await error.inner_text() == "A whole number from 0 to 1000000."
    await weight.fill("5")
    assert await error.count() == 0
    await storm.get_by_label("Group scoring").select_option(label="On")
    # Emptied, the entry's own scan depth gives way to the book's.
    await sun.get_by_label("Own scan depth").fill("")
    await save_character(page)

    storm_saved, sun_saved = (await lorebook_of(server, tokens, character_id))["entries"]
    assert storm_saved["position"] == "before_examples"
    assert storm_saved["depth"] is None
    assert (storm_saved["group_weight"], storm_saved["use_group_scoring"]) == (5, True)
    assert (storm_saved["scan_depth"], storm_saved["group"]) == (2, "weather")
    assert storm_saved["group_override"] is False
    assert sun_saved["scan_depth"] is None

    await page.goto(f"{server.url}/#/characters/{character_id}/edit")
    storm = page.locator(".lore-entry").nth(0)
    await storm.wait_for()
    assert await storm.get_by_label("Placement").input_value() == "before_examples"
    assert await storm.get_by_label("Group weight").input_value() == "5"
    assert await storm.get_by_label("Group scoring").input_value() == "on"

    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()
