"""Demo characters seeded on first start."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi import FastAPI

from hearth.characters.seed import SYSTEM_EMAIL, seed_demo_characters
from hearth.characters.seed_data import DEMO_CHARACTERS


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"seed_demo": True}


async def test_a_new_install_has_a_living_catalog(client: httpx.AsyncClient) -> None:
    response = await client.get("/characters", params={"limit": 50})
    items = response.json()["items"]
    assert len(items) == len(DEMO_CHARACTERS) >= 6
    assert {item["locale"] for item in items} == {"en", "ru"}
    assert all(item["creator"]["username"] == "hearth" for item in items)
    assert all(item["content_rating"] == "sfw" and item["visibility"] == "public" for item in items)
    for item in items:
        character = (await client.get(f"/characters/{item['id']}")).json()
        assert character["greeting"] and character["alternate_greetings"]
        assert character["example_dialogue"].startswith("<START>")
        assert character["lorebook"]["entries"]
        assert character["tags"]
        avatar = await client.get(f"http://test{character['avatar_url']}")
        assert avatar.status_code == 200


async def test_seeding_again_creates_nothing_and_is_cheap(app: FastAPI) -> None:
    started = time.perf_counter()
    assert await seed_demo_characters(app.state.db, app.state.storage) == 0
    assert time.perf_counter() - started < 0.5


async def test_the_system_account_cannot_sign_in(client: httpx.AsyncClient) -> None:
    for password in ("", "!unusable", "hearth", "password"):
        response = await client.post(
            "/auth/login", json={"login": SYSTEM_EMAIL, "password": password or "x"}
        )
        assert response.status_code in (401, 403, 422)


async def test_seeded_ids_are_stable(client: httpx.AsyncClient) -> None:
    from hearth.characters.seed import seed_id

    response = await client.get(f"/characters/{seed_id('demo-innkeeper-en')}")
    assert response.status_code == 200
    assert response.json()["name"] == "Marta Brightkettle"


async def test_each_locales_demo_character_has_its_own_avatar(
    client: httpx.AsyncClient,
) -> None:
    """The Russian inspector's avatar is not the English one (whose initial is a Latin "I")."""
    from hearth.characters.seed import seed_id

    images = {}
    for key in ("demo-detective-en", "demo-detective-ru", "demo-ship-ai-en", "demo-ship-ai-ru"):
        character = (await client.get(f"/characters/{seed_id(key)}")).json()
        images[key] = (await client.get(f"http://test{character['avatar_url']}")).content
    assert images["demo-detective-ru"] != images["demo-detective-en"]
    assert images["demo-ship-ai-ru"] != images["demo-ship-ai-en"]


def test_a_placeholder_shows_the_first_letter_of_the_name_in_its_own_script() -> None:
    from hearth.characters.placeholder import initial_of, render_avatar

    assert initial_of("Инспектор Элеонора Хартвелл") == "И"
    assert initial_of("ВЕСПЕР") == "В"
    assert initial_of("«Ёжик»") == "Ё"
    assert initial_of("marta") == "M"
    # A Cyrillic initial is drawn (the image differs from one with no letter at all).
    assert render_avatar("И", size=64, seed="x") != render_avatar("—", size=64, seed="x")


def test_demo_genders_are_written_in_the_characters_language() -> None:
    english = {"female", "male", "non-binary"}
    for spec in DEMO_CHARACTERS:
        if spec["locale"] == "en":
            assert spec["gender"] in english, spec["seed_key"]
        else:
            assert spec["gender"] not in english, spec["seed_key"]
            assert not spec["gender"].isascii(), spec["seed_key"]
