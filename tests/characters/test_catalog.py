"""The public catalog: search, tag and rating filters, sorts, cursor pages, the tag cloud."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event, update

from hearth.characters import service
from hearth.characters.models import Character
from hearth.characters.schemas import CharacterCreate
from tests.admin.helpers import make_admin
from tests.characters.helpers import adult, create_character
from tests.factories import create_account


async def _insert(app: FastAPI, count: int, **fields: Any) -> list[str]:
    """Characters straight through the service (many at once, no rate limit)."""
    ids: list[str] = []
    async with app.state.db.sessionmaker() as session, session.begin():
        for n in range(count):
            body = CharacterCreate(
                name=f"Bulk {uuid.uuid4().hex[:6]} {n}", visibility="public", **fields
            )
            ids.append(str((await service.create_character(session, None, body)).id))
    return ids


async def _set(app: FastAPI, character_id: str, **values: Any) -> None:
    async with app.state.db.sessionmaker() as session, session.begin():
        await session.execute(
            update(Character).where(Character.id == uuid.UUID(character_id)).values(**values)
        )


async def _all_pages(
    client: httpx.AsyncClient, params: dict[str, Any], headers: dict[str, str] | None = None
) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(100):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/characters", params=query, headers=headers or {})
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("pagination did not end")


async def _names(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/characters", params=params)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


async def test_catalog_lists_only_public_unblocked_undeleted(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await create_account(client)
    shown = await create_character(client, owner, name="Shown", tags=["only"])
    await create_character(client, owner, name="Unlisted", visibility="unlisted", tags=["only"])
    await create_character(client, owner, name="Private", visibility="private", tags=["only"])
    blocked = await create_character(client, owner, name="Blocked", tags=["only"])
    deleted = await create_character(client, owner, name="Deleted", tags=["only"])
    await _set(app, blocked["id"], is_blocked=True)
    await client.delete(f"/characters/{deleted['id']}", headers=owner.headers)
    assert await _names(client, tags="only") == [shown["name"]]
    # A blocked character is gone for everyone but its creator.
    assert (await client.get(f"/characters/{blocked['id']}")).status_code == 404


async def test_search_matches_name_tagline_description_and_tags(
    client: httpx.AsyncClient,
) -> None:
    owner = await create_account(client)
    await create_character(client, owner, name="Holmes", tagline="consulting detective")
    await create_character(client, owner, name="Watson", description="An army doctor")
    await create_character(client, owner, name="Hudson", tags=["landlady"])
    await create_character(client, owner, name="Moriarty", tagline="mathematics professor")
    assert await _names(client, q="detective") == ["Holmes"]
    assert await _names(client, q="ARMY doctor") == ["Watson"]
    assert await _names(client, q="landlady") == ["Hudson"]
    assert await _names(client, q="army professor") == []


async def test_search_matches_word_prefixes_and_russian(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    await create_character(client, owner, name="Трактирщица Марта", tagline="Уютная таверна")
    await create_character(client, owner, name="Navigator", tagline="starship AI")
    assert await _names(client, q="тракт") == ["Трактирщица Марта"]
    assert await _names(client, q="ТАВЕРНА") == ["Трактирщица Марта"]
    assert await _names(client, q="star") == ["Navigator"]
    assert await _names(client, q='"nav* ^(') == ["Navigator"]  # query syntax is ignored


async def test_search_that_is_only_punctuation_lists_everything(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    await create_character(client, owner, name="Anyone")
    assert await _names(client, q="!!! ---") == ["Anyone"]


async def test_search_sees_edits(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner, name="Before")
    await client.patch(
        f"/characters/{character['id']}", json={"name": "Afterwards"}, headers=owner.headers
    )
    assert await _names(client, q="before") == []
    assert await _names(client, q="afterwards") == ["Afterwards"]


async def test_tags_filter_requires_all_of_them(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    await create_character(client, owner, name="Both", tags=["fantasy", "cozy"])
    await create_character(client, owner, name="Fantasy only", tags=["fantasy"])
    await create_character(client, owner, name="Cozy only", tags=["cozy"])
    assert await _names(client, tags="fantasy,cozy") == ["Both"]
    response = await client.get("/characters", params=[("tags", "Fantasy"), ("tags", "cozy")])
    assert [i["name"] for i in response.json()["items"]] == ["Both"]
    assert sorted(await _names(client, tags="cozy")) == ["Both", "Cozy only"]


async def test_sorts_by_popularity_newness_and_likes(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await create_account(client)
    a = await create_character(client, owner, name="A", tags=["sorting"])
    b = await create_character(client, owner, name="B", tags=["sorting"])
    c = await create_character(client, owner, name="C", tags=["sorting"])
    await _set(app, a["id"], chats_count=5, likes_count=1)
    await _set(app, b["id"], chats_count=9, likes_count=0)
    await _set(app, c["id"], chats_count=1, likes_count=7)
    assert await _names(client, tags="sorting") == ["B", "A", "C"]
    assert await _names(client, tags="sorting", sort="popular") == ["B", "A", "C"]
    assert await _names(client, tags="sorting", sort="new") == ["C", "B", "A"]
    assert await _names(client, tags="sorting", sort="likes") == ["C", "A", "B"]


async def test_pages_have_no_duplicates_or_gaps_while_rows_are_added(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    for sort in ("popular", "new", "likes"):
        existing = await _insert(app, 25, tags=[f"paging-{sort}"])
        params = {"tags": f"paging-{sort}", "sort": sort, "limit": 7}
        seen: list[str] = []
        cursor = None
        added: list[str] = []
        while True:
            query = {**params, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/characters", params=query)).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            # New characters arrive while the client pages through the list.
            added += await _insert(app, 2, tags=[f"paging-{sort}"])
        assert len(seen) == len(set(seen)), f"duplicates with sort={sort}"
        assert set(existing) <= set(seen), f"gaps with sort={sort}"
        # New rows sort before the cursor (newest first, count 0 ties broken by id) or after
        # it; either way each appears at most once.
        assert set(seen) <= set(existing) | set(added)


async def test_pages_of_the_whole_catalog_are_disjoint(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ids = await _insert(app, 23, tags=["whole"])
    for index, character_id in enumerate(ids):
        await _set(app, character_id, chats_count=index % 4)  # many ties
    seen = await _all_pages(client, {"tags": "whole", "limit": 5})
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen))


async def test_limit_is_bounded(client: httpx.AsyncClient) -> None:
    assert (await client.get("/characters", params={"limit": 51})).status_code == 422
    assert (await client.get("/characters", params={"limit": 0})).status_code == 422
    assert (await client.get("/characters", params={"sort": "random"})).status_code == 422


async def test_tag_cloud_counts_listed_characters(client: httpx.AsyncClient, app: FastAPI) -> None:
    owner = await adult(client)
    await create_character(client, owner, tags=["cloud-a", "cloud-b"])
    await create_character(client, owner, tags=["cloud-a"])
    await create_character(client, owner, tags=["cloud-a"], visibility="private")
    await create_character(client, owner, tags=["cloud-a"], content_rating="nsfw")
    gone = await create_character(client, owner, tags=["cloud-b"])
    await client.delete(f"/characters/{gone['id']}", headers=owner.headers)
    response = await client.get("/tags")
    assert response.status_code == 200
    counts = {item["tag"]: item["count"] for item in response.json()}
    assert counts == {"cloud-a": 2, "cloud-b": 1}
    assert response.json()[0] == {"tag": "cloud-a", "count": 2}
    assert len((await client.get("/tags", params={"limit": 1})).json()) == 1


async def test_locale_filter_keeps_that_language_and_language_free_characters(
    client: httpx.AsyncClient,
) -> None:
    owner = await create_account(client)
    await create_character(client, owner, name="Russian", locale="ru", tags=["lang"])
    await create_character(client, owner, name="English", locale="en", tags=["lang"])
    await create_character(client, owner, name="Any", tags=["lang"])
    assert sorted(await _names(client, tags="lang", locale="ru")) == ["Any", "Russian"]
    assert sorted(await _names(client, tags="lang")) == ["Any", "English", "Russian"]


async def test_lists_of_characters_never_read_their_lorebooks(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A lorebook may be megabytes of JSON: lists show summaries and leave it unread."""
    me = await create_account(client)
    await make_admin(app, me.user["id"])
    book = {"entries": [{"keys": ["dragon"], "content": "Dragons breathe fire."}]}
    character = await create_character(client, me, lorebook=book)
    await client.post(f"/characters/{character['id']}/like", headers=me.headers)
    await client.post("/chats", json={"character_id": character["id"]}, headers=me.headers)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    db = app.state.db
    engines = {e.sync_engine for e in (db.engine, db.read_engine, db.inline_engine)}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        lists = ("/characters", "/me/characters", "/me/favorites", "/chats", "/admin/characters")
        for path in lists:
            response = await client.get(path, headers=me.headers)
            assert response.status_code == 200, (path, response.text)
            assert len(response.json()["items"]) == 1, path
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)

    assert statements
    assert [s for s in statements if "lorebook" in s] == []
