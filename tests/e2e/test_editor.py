"""The character editor: inline validation, lorebook and greetings, and importing a card by
dropping it on the page."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import BrowserLog, Server
from tests.e2e.test_journey import PASSWORD
from tests.e2e.test_session import open_signed_in
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

pytestmark = pytest.mark.e2e


async def author(server: Server) -> tuple[dict[str, Any], bytes]:
    """An account, and a card (JSON) exported from a character of another account."""
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        tokens = {}
        for name in ("writer", "cardmaker"):
            body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
            assert (await http.post("/auth/register", json=body)).status_code == 201
            login = {"login": name, "password": PASSWORD}
            tokens[name] = dict((await http.post("/auth/login", json=login)).json())
        headers = {"Authorization": f"Bearer {tokens['cardmaker']['access_token']}"}
        character = {"name": "Sable", "tagline": "Reads tea leaves.", "visibility": "public"}
        created = (await http.post("/characters", json=character, headers=headers)).json()
        card = await http.get(f"/characters/{created['id']}/card", params={"format": "json"})
        assert card.status_code == 200, card.text
        return tokens["writer"], card.content


async def test_validation_lorebook_greetings_and_card_drop(browser: Any, server: Server) -> None:
    tokens, card = await author(server)
    log = BrowserLog()
    context, page = await open_signed_in(browser, tokens, log=log)
    await page.goto(f"{server.url}/#/characters/new")
    await page.wait_for_selector("input[name=name]")

    # Saving without a name: the error sits under the field.
    await page.click("form.editor-sections button[type=submit]")
    name_error = page.locator(".field:has(input[name=name]) .field-error")
    assert await name_error.inner_text() == "This field is required."
    assert await page.get_attribute("input[name=name]", "aria-invalid") == "true"

    # The counter follows the text.
    await page.fill("input[name=tagline]", "Twelve chars")
    assert "12 / 256" in await page.locator(".field:has(input[name=tagline]) .counter").inner_text()

    await page.fill("input[name=name]", "Moth")
    await page.click("button:has-text('Add a greeting')")
    await page.locator("textarea[aria-label='Alternate greeting']").fill("*Moth flutters.* Hi!")
    await page.click("button:has-text('Add entry')")
    await page.locator(".lore-entry input[placeholder='castle, the old king']").fill("lamp, light")
    await page.locator(".lore-entry textarea").fill("Moth is drawn to every lamp.")
    await page.click("form.editor-sections button[type=submit]")
    await page.wait_for_selector(".char-title")
    character_id = page.url.rsplit("/", 1)[1]
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        saved = (await http.get(f"/characters/{character_id}", headers=headers)).json()
    assert saved["alternate_greetings"] == ["*Moth flutters.* Hi!"]
    assert saved["lorebook"]["entries"][0]["keys"] == ["lamp", "light"]
    assert saved["tagline"] == "Twelve chars"

    # Drop a card on the import zone: a new character, opened for editing.
    await page.goto(f"{server.url}/#/characters/new")
    await page.wait_for_selector(".drop-zone")
    transfer = await page.evaluate_handle(
        """(b64) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], 'sable.json', { type: 'application/json' }));
            return transfer;
        }""",
        base64.b64encode(card).decode(),
    )
    await page.dispatch_event(".drop-zone", "drop", {"dataTransfer": transfer})
    await page.wait_for_function("location.hash.endsWith('/edit')")
    await page.wait_for_selector("input[name=name]")
    assert await page.input_value("input[name=name]") == "Sable"
    assert await page.input_value("input[name=tagline]") == "Reads tea leaves."

    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()


async def test_generate_from_a_story_fills_the_form(
    browser: Any, server: Server, fake_llm: FakeOpenAI, artifacts: Path
) -> None:
    async with httpx.AsyncClient(base_url=server.api, timeout=10) as http:
        body = {"email": "storyteller@example.com", "username": "storyteller", "password": PASSWORD}
        assert (await http.post("/auth/register", json=body)).status_code == 201
        login = {"login": "storyteller", "password": PASSWORD}
        tokens = dict((await http.post("/auth/login", json=login)).json())
    draft = {
        "name": "Captain Ysolde",
        "tagline": "Harbour master of a town that floods every spring.",
        "description": "{{char}} keeps the tide tables and everyone's secrets.",
        "greeting": '*Ysolde looks up from the ledger.* "You are late, {{user}}."',
        "tags": ["sea", "mystery"],
        "content_rating": "sfw",
        "lorebook": {
            "entries": [{"keys": ["tide"], "content": "The spring tide drowns the docks."}]
        },
    }
    answer = json.dumps(draft)
    chunks = [answer[i : i + 12] for i in range(0, len(answer), 12)]
    fake_llm.script(Reply(tokens=chunks, delay=0.03))
    log = BrowserLog()
    context, page = await open_signed_in(browser, tokens, log=log)
    await page.goto(f"{server.url}/#/characters/new")
    await page.click("button:has-text('Generate from a story')")
    await page.fill(".dialog textarea", "The harbour master knew the tide would come early. " * 5)
    await page.click(".dialog button:has-text('Generate')")
    await page.wait_for_selector(".dialog .progress")
    await page.screenshot(path=str(artifacts / "editor-generating-desktop.png"))
    await page.wait_for_selector(".dialog", state="detached")
    assert await page.input_value("input[name=name]") == "Captain Ysolde"
    assert "tide tables" in await page.input_value("textarea[name=description]")
    assert await page.locator(".tag-pill").all_inner_texts() == ["sea", "mystery"]
    assert await page.locator(".lore-entry").count() == 1
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(artifacts / "editor-generated-desktop.png"))
    errors, failed = log.unexpected(("/api/v1/me/usage",))
    assert errors == [] and failed == []
    await context.close()
