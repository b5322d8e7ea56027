"""Likes: idempotent, consistent under concurrency, listed as favourites."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from hearth.characters import counters
from hearth.characters.models import Character, CharacterLike
from tests.characters.helpers import adult, create_character
from tests.factories import Account, create_account


async def _stored(app: FastAPI, character_id: str) -> tuple[int, int]:
    """(likes_count on the character, like rows) as the database has them."""
    key = uuid.UUID(character_id)
    async with app.state.db.sessionmaker() as session:
        count = await session.scalar(select(Character.likes_count).where(Character.id == key))
        rows = await session.scalar(
            select(func.count()).select_from(CharacterLike).where(CharacterLike.character_id == key)
        )
    return int(count or 0), int(rows or 0)


async def test_like_is_idempotent(client: httpx.AsyncClient, app: FastAPI) -> None:
    owner, fan = await create_account(client), await create_account(client)
    character = await create_character(client, owner)
    url = f"/characters/{character['id']}/like"
    first = await client.post(url, headers=fan.headers)
    second = await client.post(url, headers=fan.headers)
    assert first.json() == {"liked": True, "likes": 1}
    assert second.json() == {"liked": True, "likes": 1}
    page = (await client.get(f"/characters/{character['id']}", headers=fan.headers)).json()
    assert page["liked_by_me"] is True and page["stats"]["likes"] == 1
    assert (await client.delete(url, headers=fan.headers)).json() == {"liked": False, "likes": 0}
    assert (await client.delete(url, headers=fan.headers)).json() == {"liked": False, "likes": 0}
    assert await _stored(app, character["id"]) == (0, 0)


async def test_private_character_cannot_be_liked_by_others(client: httpx.AsyncClient) -> None:
    owner, fan = await create_account(client), await create_account(client)
    character = await create_character(client, owner, visibility="private")
    response = await client.post(f"/characters/{character['id']}/like", headers=fan.headers)
    assert response.status_code == 404


async def test_concurrent_likes_and_unlikes_keep_the_count_exact(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner)
    url = f"/characters/{character['id']}/like"
    fans: list[Account] = [await create_account(client) for _ in range(8)]

    # Every fan likes many times at once: one like each.
    await asyncio.gather(*(client.post(url, headers=f.headers) for f in fans for _ in range(4)))
    assert await _stored(app, character["id"]) == (8, 8)

    # Half of them unlike, many times at once, while the others like again.
    responses = await asyncio.gather(
        *(client.delete(url, headers=f.headers) for f in fans[:4] for _ in range(4)),
        *(client.post(url, headers=f.headers) for f in fans[4:] for _ in range(4)),
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert await _stored(app, character["id"]) == (4, 4)

    # Mixed like/unlike storms from one user end consistent, never negative.
    storm = [client.post if i % 2 else client.delete for i in range(20)]
    await asyncio.gather(*(call(url, headers=fans[0].headers) for call in storm))
    count, rows = await _stored(app, character["id"])
    assert count == rows and 4 <= count <= 5


async def test_counters_never_go_negative(client: httpx.AsyncClient, app: FastAPI) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner)
    key = uuid.UUID(character["id"])
    async with app.state.db.sessionmaker() as session, session.begin():
        await counters.bump_chats(session, key, 2)
        await counters.bump_messages(session, {key: 5})
        await counters.bump_chats(session, key, -3)
    stats = (await client.get(f"/characters/{character['id']}")).json()["stats"]
    assert stats == {"chats": 0, "messages": 5, "likes": 0}


async def test_favorites_lists_liked_characters_newest_like_first(
    client: httpx.AsyncClient,
) -> None:
    owner, fan = await adult(client), await adult(client)
    made = [await create_character(client, owner) for _ in range(5)]
    for character in made:
        await client.post(f"/characters/{character['id']}/like", headers=fan.headers)
    await client.delete(f"/characters/{made[1]['id']}/like", headers=fan.headers)
    await client.patch(
        f"/characters/{made[2]['id']}", json={"visibility": "private"}, headers=owner.headers
    )
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/me/favorites", params=params, headers=fan.headers)).json()
        assert all(item["liked_by_me"] for item in page["items"])
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [made[i]["id"] for i in (4, 3, 0)]
