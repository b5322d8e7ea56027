"""Creating, reading, changing and deleting characters, and who may do it."""

from __future__ import annotations

import io

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from tests.characters.helpers import admin, character_body, create_character
from tests.factories import create_account


def _png(size: tuple[int, int] = (64, 96)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 100, 50)).save(out, format="PNG")
    return out.getvalue()


async def test_create_returns_the_character_with_creator_and_stats(
    client: httpx.AsyncClient,
) -> None:
    owner = await create_account(client)
    lorebook = {
        "scan_depth": 3,
        "token_budget": 400,
        "recursive_scanning": True,
        "entries": [
            {
                "id": "castle",
                "keys": ["castle"],
                "secondary_keys": ["north"],
                "selective": True,
                "content": "The castle stands in the north.",
                "position": "after_char",
                "insertion_order": 5,
                "priority": 3,
            }
        ],
    }
    body = character_body(
        name="  Ada  ",
        tags=[" Sci-Fi ", "SCI-FI", "Robots"],
        alternate_greetings=["Hi!", "Greetings."],
        lorebook=lorebook,
    )
    response = await client.post("/characters", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    character = response.json()
    assert character["name"] == "Ada"
    assert character["tags"] == ["sci-fi", "robots"]
    assert character["creator"] == {"id": owner.user["id"], "username": owner.user["username"]}
    assert character["stats"] == {"chats": 0, "messages": 0, "likes": 0}
    assert character["liked_by_me"] is False
    assert character["alternate_greetings"] == ["Hi!", "Greetings."]
    entry = character["lorebook"]["entries"][0]
    assert entry["id"] == "castle" and entry["selective"] is True
    assert entry["position"] == "after_char"
    assert character["lorebook"]["scan_depth"] == 3


async def test_anonymous_reads_a_public_character(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner)
    response = await client.get(f"/characters/{character['id']}")
    assert response.status_code == 200
    assert response.json()["name"] == character["name"]


async def test_unlisted_character_is_reachable_by_id(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    other = await create_account(client)
    character = await create_character(client, owner, visibility="unlisted")
    response = await client.get(f"/characters/{character['id']}", headers=other.headers)
    assert response.status_code == 200


async def test_private_character_is_404_to_others(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    other = await create_account(client)
    character = await create_character(client, owner, visibility="private")
    assert (
        await client.get(f"/characters/{character['id']}", headers=other.headers)
    ).status_code == 404
    assert (await client.get(f"/characters/{character['id']}")).status_code == 404
    assert (
        await client.get(f"/characters/{character['id']}", headers=owner.headers)
    ).status_code == 200


@pytest.mark.parametrize(
    "visibility,expected", [("private", 404), ("public", 403), ("unlisted", 403)]
)
async def test_another_user_cannot_change_a_character(
    client: httpx.AsyncClient, visibility: str, expected: int
) -> None:
    owner = await create_account(client)
    other = await create_account(client)
    character = await create_character(client, owner, visibility=visibility)
    url = f"/characters/{character['id']}"
    attempts = [
        await client.patch(url, json={"name": "Mine now"}, headers=other.headers),
        await client.delete(url, headers=other.headers),
        await client.put(
            f"{url}/avatar", files={"file": ("a.png", _png(), "image/png")}, headers=other.headers
        ),
    ]
    assert [r.status_code for r in attempts] == [expected] * 3
    if expected == 403:
        assert attempts[0].json()["error"]["code"] == "not_character_owner"
    unchanged = await client.get(url, headers=owner.headers)
    assert unchanged.json()["name"] == character["name"]
    assert unchanged.json()["avatar_url"] is None


async def test_mutations_need_a_signed_in_user(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner)
    url = f"/characters/{character['id']}"
    assert (await client.post("/characters", json=character_body())).status_code == 401
    assert (await client.patch(url, json={"name": "x"})).status_code == 401
    assert (await client.delete(url)).status_code == 401
    assert (await client.post(f"{url}/like")).status_code == 401


async def test_owner_updates_only_the_fields_sent(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner, scenario="A rainy city.")
    response = await client.patch(
        f"/characters/{character['id']}",
        json={"tagline": "New tagline", "tags": ["Noir", "detective"], "lorebook": None},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["tagline"] == "New tagline"
    assert updated["tags"] == ["noir", "detective"]
    assert updated["scenario"] == "A rainy city."
    assert updated["name"] == character["name"]


async def test_admin_may_edit_and_delete_any_character(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await create_account(client)
    boss = await admin(client, app)
    character = await create_character(client, owner, visibility="private")
    url = f"/characters/{character['id']}"
    patched = await client.patch(url, json={"name": "Moderated"}, headers=boss.headers)
    assert patched.status_code == 200
    assert (await client.delete(url, headers=boss.headers)).status_code == 204


async def test_deleted_character_disappears(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner, tags=["vanishing"])
    url = f"/characters/{character['id']}"
    assert (await client.delete(url, headers=owner.headers)).status_code == 204
    assert (await client.get(url, headers=owner.headers)).status_code == 404
    assert (await client.delete(url, headers=owner.headers)).status_code == 404
    catalog = (await client.get("/characters", params={"tags": "vanishing"})).json()
    assert catalog["items"] == []
    mine = (await client.get("/me/characters", headers=owner.headers)).json()
    assert mine["items"] == []


async def test_deleted_character_row_is_kept_for_existing_chats(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    import uuid

    from hearth.characters import service

    owner = await create_account(client)
    character = await create_character(client, owner)
    await client.delete(f"/characters/{character['id']}", headers=owner.headers)
    async with app.state.db.sessionmaker() as session:
        row = await service.get_including_deleted(session, uuid.UUID(character["id"]))
    assert row is not None and row.deleted_at is not None


@pytest.mark.parametrize(
    "field,value",
    [
        ("name", ""),
        ("name", "n" * 129),
        ("tagline", "t" * 257),
        ("description", "d" * 32_001),
        ("greeting", "g" * 16_001),
        ("alternate_greetings", ["a"] * 33),
        ("tags", [f"tag{i}" for i in range(21)]),
        ("tags", ["t" * 33]),
        ("tags", ["a,b"]),
        ("content_rating", "explicit"),
        ("visibility", "secret"),
        ("lorebook", {"entries": [{"content": "c" * 20_001}]}),
        ("lorebook", {"entries": [{"position": "middle"}]}),
        ("unknown_field", 1),
    ],
)
async def test_invalid_fields_are_422_with_the_field_named(
    client: httpx.AsyncClient, field: str, value: object
) -> None:
    owner = await create_account(client)
    response = await client.post(
        "/characters", json=character_body(**{field: value}), headers=owner.headers
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert any(d["field"].startswith(field) for d in error["details"]), error


async def test_owner_uploads_an_avatar(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner)
    response = await client.put(
        f"/characters/{character['id']}/avatar",
        files={"file": ("a.png", _png(), "image/png")},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    avatar_url = response.json()["avatar_url"]
    assert avatar_url.startswith("/media/avatars/characters/")
    media = await client.get(f"http://test{avatar_url}")
    assert media.status_code == 200


async def test_avatar_that_is_not_an_image_is_rejected(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner)
    response = await client.put(
        f"/characters/{character['id']}/avatar",
        files={"file": ("a.png", b"not an image at all", "image/png")},
        headers=owner.headers,
    )
    assert response.status_code == 422


async def test_my_characters_lists_every_visibility_in_pages(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    made = [
        await create_character(client, owner, visibility=v)
        for v in ("public", "unlisted", "private", "public", "private")
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/me/characters", params=params, headers=owner.headers)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [c["id"] for c in reversed(made)]


async def test_bad_cursor_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/characters", params={"cursor": "!!!"})
    assert response.status_code == 422


async def test_null_locale_means_any_language_and_lists_the_character_under_each(
    client: httpx.AsyncClient,
) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner, visibility="public", locale="en")
    response = await client.patch(
        f"/characters/{character['id']}", json={"locale": None}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["locale"] is None
    for locale in ("en", "ru", "es"):
        page = (await client.get("/characters", params={"locale": locale})).json()
        assert [item["id"] for item in page["items"]] == [character["id"]], locale


async def test_null_clears_text_and_list_fields(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner, alternate_greetings=["Hi"], scenario="S")
    response = await client.patch(
        f"/characters/{character['id']}",
        json={"alternate_greetings": None, "scenario": None, "name": None},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["alternate_greetings"] == [] and body["scenario"] == ""
    assert body["name"] == character["name"]


async def test_blocked_character_is_hidden_but_its_creator_still_sees_it(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    import uuid

    from hearth.characters import service

    owner, other = await create_account(client), await create_account(client)
    character = await create_character(client, owner)
    async with app.state.db.sessionmaker() as session, session.begin():
        row = await service.get_including_deleted(session, uuid.UUID(character["id"]))
        assert row is not None
        await service.set_blocked(session, row, True)
    url = f"/characters/{character['id']}"
    assert (await client.get(url, headers=other.headers)).status_code == 404
    assert (await client.post(f"{url}/like", headers=other.headers)).status_code == 404
    mine = await client.get(url, headers=owner.headers)
    assert mine.status_code == 200 and mine.json()["is_blocked"] is True
