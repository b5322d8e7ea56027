"""Mature characters: who sees them in the catalog and by id (rule in safety.age_gate)."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from hearth.characters.models import Character
from hearth.safety.age_gate import allowed_ratings
from tests.characters.helpers import adult, create_character, minor
from tests.factories import Account, create_account


async def _rated(client: httpx.AsyncClient, tag: str) -> dict[str, str]:
    owner = await adult(client)
    return {
        rating: (await create_character(client, owner, content_rating=rating, tags=[tag]))["id"]
        for rating in ("sfw", "moderate", "nsfw")
    }


async def _catalog(client: httpx.AsyncClient, tag: str, viewer: Account | None) -> set[str]:
    headers = viewer.headers if viewer else {}
    response = await client.get("/characters", params={"tags": tag}, headers=headers)
    assert response.status_code == 200
    return {item["content_rating"] for item in response.json()["items"]}


async def _viewer(client: httpx.AsyncClient, kind: str) -> Account | None:
    if kind == "anonymous":
        return None
    if kind == "minor":
        return await minor(client)
    if kind == "no birthdate":
        return await create_account(client)
    return await adult(client, opted_in=kind == "adult opted in")


@pytest.mark.parametrize(
    "kind,expected",
    [
        ("anonymous", {"sfw"}),
        ("minor", {"sfw"}),
        ("no birthdate", {"sfw"}),
        ("adult not opted in", {"sfw"}),
        ("adult opted in", {"sfw", "moderate", "nsfw"}),
    ],
)
async def test_catalog_shows_mature_characters_only_to_opted_in_adults(
    client: httpx.AsyncClient, kind: str, expected: set[str]
) -> None:
    tag = f"gate-{kind.replace(' ', '-')}"
    await _rated(client, tag)
    assert await _catalog(client, tag, await _viewer(client, kind)) == expected


@pytest.mark.parametrize("kind", ["anonymous", "minor", "no birthdate", "adult not opted in"])
async def test_mature_character_by_id_is_age_restricted(
    client: httpx.AsyncClient, kind: str
) -> None:
    ids = await _rated(client, "by-id")
    viewer = await _viewer(client, kind)
    headers = viewer.headers if viewer else {}
    assert (await client.get(f"/characters/{ids['sfw']}", headers=headers)).status_code == 200
    for rating in ("moderate", "nsfw"):
        response = await client.get(f"/characters/{ids[rating]}", headers=headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "age_restricted"
        card = await client.get(f"/characters/{ids[rating]}/card", headers=headers)
        assert card.status_code == 403


async def test_opted_in_adult_opens_mature_characters_by_id(client: httpx.AsyncClient) -> None:
    ids = await _rated(client, "by-id-adult")
    viewer = await adult(client)
    for character_id in ids.values():
        response = await client.get(f"/characters/{character_id}", headers=viewer.headers)
        assert response.status_code == 200


async def test_rating_filter_narrows_what_the_viewer_may_see(client: httpx.AsyncClient) -> None:
    await _rated(client, "rating-filter")
    viewer = await adult(client)
    response = await client.get(
        "/characters", params={"tags": "rating-filter", "rating": "nsfw"}, headers=viewer.headers
    )
    assert {i["content_rating"] for i in response.json()["items"]} == {"nsfw"}
    # Asking for nsfw does not unlock it for the anonymous.
    response = await client.get("/characters", params={"tags": "rating-filter", "rating": "nsfw"})
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    "rating", ["moderate,nsfw", ["moderate", "nsfw"], " moderate , nsfw ,"], ids=str
)
async def test_rating_filter_takes_several_ratings_repeated_or_comma_separated(
    client: httpx.AsyncClient, rating: str | list[str]
) -> None:
    await _rated(client, "rating-any")
    viewer = await adult(client)
    response = await client.get(
        "/characters", params={"tags": "rating-any", "rating": rating}, headers=viewer.headers
    )
    assert response.status_code == 200
    assert {i["content_rating"] for i in response.json()["items"]} == {"moderate", "nsfw"}


async def test_rating_filter_refuses_an_unknown_rating(client: httpx.AsyncClient) -> None:
    response = await client.get("/characters", params={"rating": "sfw,spicy"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def _rated_nsfw_by_an_admin(app: FastAPI, character_id: str) -> None:
    """A minor's character made mature by someone else (a minor may not rate it so)."""
    async with app.state.db.sessionmaker() as db:
        await db.execute(
            update(Character)
            .where(Character.id == uuid.UUID(character_id))
            .values(content_rating="nsfw")
        )
        await db.commit()


async def test_minor_cannot_open_their_own_mature_character_in_chat_terms(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # Creators always see what they made (to edit or delete it).
    kid = await minor(client)
    character = await create_character(client, kid)
    await _rated_nsfw_by_an_admin(app, character["id"])
    response = await client.get(f"/characters/{character['id']}", headers=kid.headers)
    assert response.status_code == 200


def test_age_gate_rule() -> None:
    class Viewer:
        def __init__(self, birthdate: date | None, show_nsfw: bool) -> None:
            self.birthdate, self.show_nsfw = birthdate, show_nsfw

    today = date(2026, 6, 1)
    assert allowed_ratings(None, today) == {"sfw"}
    assert allowed_ratings(Viewer(date(2008, 6, 2), True), today) == {"sfw"}  # a day short
    assert allowed_ratings(Viewer(date(2008, 6, 1), True), today) == {"sfw", "moderate", "nsfw"}
    assert allowed_ratings(Viewer(date(1990, 1, 1), False), today) == {"sfw"}
    assert allowed_ratings(Viewer(None, True), today) == {"sfw"}


async def test_chat_rule_uses_the_same_gate(client: httpx.AsyncClient, app: FastAPI) -> None:
    from sqlalchemy import select

    from hearth.characters import service
    from hearth.characters.errors import AgeRestricted, CharacterNotFound
    from hearth.users.models import User

    kid = await minor(client)
    grown = await adult(client)
    own_nsfw = await create_character(client, kid)
    await _rated_nsfw_by_an_admin(app, own_nsfw["id"])
    public_nsfw = await create_character(client, grown, content_rating="nsfw")
    async with app.state.db.sessionmaker() as db:
        kid_user = await db.scalar(select(User).where(User.id == uuid.UUID(kid.user["id"])))
        grown_user = await db.scalar(select(User).where(User.id == uuid.UUID(grown.user["id"])))
        assert kid_user is not None and grown_user is not None
        for character_id in (own_nsfw["id"], public_nsfw["id"]):
            with pytest.raises(AgeRestricted):
                await service.get_for_chat(db, uuid.UUID(character_id), kid_user)
        chat_ok = await service.get_for_chat(db, uuid.UUID(public_nsfw["id"]), grown_user)
        assert str(chat_ok.id) == public_nsfw["id"]
        await service.set_blocked(db, chat_ok, True)
        with pytest.raises(CharacterNotFound):
            await service.get_for_chat(db, chat_ok.id, grown_user)  # even its creator
        await db.rollback()
