"""Chats: start with a greeting, list, rename/pin/archive, search, trash and restore."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.chats.helpers import (
    create_character,
    create_chat,
    messages,
    new_chat,
    send_json,
    set_character,
)
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply


async def test_new_chat_starts_with_the_greeting_with_macros_filled(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client, display_name="Sam")
    chat = await new_chat(client, me, greeting="Hello {{user}}, I am {{char}}.")

    first = chat["first_message"]
    assert first["role"] == "assistant"
    assert first["content"] == "Hello Sam, I am Aria."
    assert chat["title"] == "Aria"


async def test_a_greeting_fills_in_the_character_fields_and_the_date(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    chat = await new_chat(
        client, me, greeting="{{description}} Today is {{isodate}}.", description="An inn."
    )

    content = chat["first_message"]["content"]
    assert content.startswith("An inn. Today is 20")
    assert "{{" not in content


async def test_alternate_greetings_are_swipes_of_the_first_message(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    character = await create_character(
        client, me, greeting="Hi.", alternate_greetings=["Hey there.", "Good evening."]
    )

    chat = await create_chat(client, me, character["id"], greeting_index=2)

    first = chat["first_message"]
    assert first["swipes"] == ["Hi.", "Hey there.", "Good evening."]
    assert first["swipe_index"] == 2
    assert first["content"] == "Good evening."


async def test_greeting_index_out_of_range_is_422(client: httpx.AsyncClient) -> None:
    me = await create_account(client)
    character = await create_character(client, me, greeting="Hi.")
    response = await client.post(
        "/chats", json={"character_id": character["id"], "greeting_index": 3}, headers=me.headers
    )
    assert response.status_code == 422


async def test_many_chats_per_character_listed_newest_activity_first(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    older = await create_chat(client, me, character["id"])
    newer = await create_chat(client, me, character["id"])
    fake_llm.script(Reply(tokens=["Back", " again"]))
    await send_json(client, me, older["id"], "I'm back")

    response = await client.get("/chats", headers=me.headers)

    items = response.json()["items"]
    assert [c["id"] for c in items] == [older["id"], newer["id"]]
    assert items[0]["character"]["name"] == "Aria"
    assert items[0]["last_message"]["content"] == "Back again"


async def test_chat_list_pages_with_a_cursor(client: httpx.AsyncClient) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    made = [await create_chat(client, me, character["id"]) for _ in range(5)]

    first = (await client.get("/chats", params={"limit": 3}, headers=me.headers)).json()
    second = (
        await client.get(
            "/chats", params={"limit": 3, "cursor": first["next_cursor"]}, headers=me.headers
        )
    ).json()

    ids = [c["id"] for c in first["items"] + second["items"]]
    assert sorted(ids) == sorted(c["id"] for c in made)
    assert second["next_cursor"] is None


async def test_pinned_chats_come_first_on_every_page_then_the_newest(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    made = [(await create_chat(client, me, character["id"]))["id"] for _ in range(7)]
    for chat_id in (made[0], made[2], made[3]):  # the oldest among them
        pin = await client.patch(f"/chats/{chat_id}", json={"pinned": True}, headers=me.headers)
        assert pin.status_code == 200

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/chats", params=params, headers=me.headers)).json()
        seen += [chat["id"] for chat in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    newest_first = list(reversed(made))
    pinned = [c for c in newest_first if c in (made[0], made[2], made[3])]
    assert seen == pinned + [c for c in newest_first if c not in pinned]


async def test_rename_pin_and_archive(client: httpx.AsyncClient) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)

    response = await client.patch(
        f"/chats/{chat['id']}",
        json={"title": "Night at the inn", "pinned": True, "archived": True},
        headers=me.headers,
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["pinned"], body["archived"]) == ("Night at the inn", True, True)
    archived = await client.get("/chats", params={"archived": True}, headers=me.headers)
    assert [c["id"] for c in archived.json()["items"]] == [chat["id"]]


async def test_null_leaves_a_setting_that_always_has_a_value_unchanged(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    note = {"text": "Keep it short.", "depth": 2, "frequency": 3}
    await client.put(f"/chats/{chat['id']}/author-note", json=note, headers=me.headers)
    nulls = ["title", "pinned", "author_note", "author_note_depth", "author_note_frequency"]

    response = await client.patch(
        f"/chats/{chat['id']}", json=dict.fromkeys(nulls), headers=me.headers
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["pinned"]) == (chat["title"], False)
    assert body["author_note"] == note


async def test_search_finds_chats_by_message_text(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    dragons = await new_chat(client, me)
    await new_chat(client, me)
    await send_json(client, me, dragons["id"], "Tell me about the Dragons of the north")

    response = await client.get("/chats", params={"q": "dragons"}, headers=me.headers)

    assert [c["id"] for c in response.json()["items"]] == [dragons["id"]]
    (found,) = response.json()["items"]
    asked = next(m for m in await messages(client, me, dragons["id"]) if m["role"] == "user")
    assert found["match"]["message_id"] == asked["id"]
    assert found["match"]["role"] == "user"
    assert found["match"]["snippet"] == "…about the Dragons of the north"
    listed = await client.get("/chats", headers=me.headers)
    assert [c["match"] for c in listed.json()["items"]] == [None, None]


async def test_a_chat_found_by_its_title_alone_has_no_matching_message(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    await client.patch(f"/chats/{chat['id']}", json={"title": "Quartz caves"}, headers=me.headers)

    response = await client.get("/chats", params={"q": "quartz"}, headers=me.headers)

    assert [(c["id"], c["match"]) for c in response.json()["items"]] == [(chat["id"], None)]


async def test_search_ignores_letter_case_in_any_alphabet(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    dragons = await new_chat(client, me)
    school = await new_chat(client, me)
    await send_json(client, me, dragons["id"], "Расскажи о Драконах севера")
    renamed = await client.patch(
        f"/chats/{school['id']}", json={"title": "ÉCOLE de magie"}, headers=me.headers
    )
    assert renamed.status_code == 200

    async def found(q: str) -> list[str]:
        response = await client.get("/chats", params={"q": q}, headers=me.headers)
        assert response.status_code == 200
        return [c["id"] for c in response.json()["items"]]

    assert await found("ДРАКОНАХ") == [dragons["id"]]
    assert await found("драконах") == [dragons["id"]]
    assert await found("école") == [school["id"]]
    assert await found("50%_") == []


async def test_delete_moves_to_trash_and_restore_brings_back(client: httpx.AsyncClient) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)

    assert (await client.delete(f"/chats/{chat['id']}", headers=me.headers)).status_code == 204
    listed = (await client.get("/chats", headers=me.headers)).json()["items"]
    trash = (await client.get("/chats", params={"trashed": True}, headers=me.headers)).json()
    assert listed == []
    assert [c["id"] for c in trash["items"]] == [chat["id"]]
    sending = await send_json(client, me, chat["id"])
    assert sending.status_code == 409
    assert sending.json()["error"]["code"] == "chat_in_trash"

    restored = await client.post(f"/chats/{chat['id']}/restore", headers=me.headers)
    assert restored.status_code == 200
    assert restored.json()["deleted_at"] is None
    assert [c["id"] for c in (await client.get("/chats", headers=me.headers)).json()["items"]] == [
        chat["id"]
    ]


async def test_blocked_character_chat_is_read_only(client: httpx.AsyncClient, app: FastAPI) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    chat = await create_chat(client, me, character["id"])
    await set_character(app, character["id"], is_blocked=True)

    sending = await send_json(client, me, chat["id"])
    reading = await client.get(f"/chats/{chat['id']}/messages", headers=me.headers)
    starting = await client.post(
        "/chats", json={"character_id": character["id"]}, headers=me.headers
    )

    assert sending.status_code == 403
    assert sending.json()["error"]["code"] == "character_blocked"
    assert reading.status_code == 200
    assert starting.status_code == 404


async def test_deleted_character_chat_is_read_only(client: httpx.AsyncClient, app: FastAPI) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    chat = await create_chat(client, me, character["id"])
    assert (
        await client.delete(f"/characters/{character['id']}", headers=me.headers)
    ).status_code == 204

    sending = await send_json(client, me, chat["id"])

    assert sending.status_code == 409
    assert sending.json()["error"]["code"] == "character_unavailable"
    assert (await client.get(f"/chats/{chat['id']}", headers=me.headers)).status_code == 200


async def test_a_character_made_private_leaves_other_users_chats_read_only(
    client: httpx.AsyncClient,
) -> None:
    creator, fan = await create_account(client), await create_account(client)
    character = await create_character(client, creator, visibility="public")
    chat = await create_chat(client, fan, character["id"])
    made_private = await client.patch(
        f"/characters/{character['id']}", json={"visibility": "private"}, headers=creator.headers
    )
    assert made_private.status_code == 200

    sending = await send_json(client, fan, chat["id"])
    branching = await client.post(
        f"/chats/{chat['id']}/branch",
        json={"message_id": chat["last_message"]["id"]},
        headers=fan.headers,
    )
    reading = await client.get(f"/chats/{chat['id']}", headers=fan.headers)

    assert sending.status_code == 409
    assert sending.json()["error"]["code"] == "character_unavailable"
    assert branching.status_code == 409
    assert reading.status_code == 200
    assert reading.json()["character"]["available"] is False


async def test_minor_cannot_start_or_continue_a_mature_chat(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    creator = await create_account(client, birthdate="1990-01-01")
    minor = await create_account(client, birthdate="2015-01-01")
    character = await create_character(client, creator, content_rating="sfw")
    chat = await create_chat(client, minor, character["id"])
    await set_character(app, character["id"], content_rating="nsfw")

    starting = await client.post(
        "/chats", json={"character_id": character["id"]}, headers=minor.headers
    )
    sending = await send_json(client, minor, chat["id"])

    assert starting.status_code == 403
    assert starting.json()["error"]["code"] == "age_restricted"
    assert sending.status_code == 403
    assert sending.json()["error"]["code"] == "age_restricted"


async def test_unknown_model_is_refused(client: httpx.AsyncClient) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    response = await client.post(
        "/chats",
        json={"character_id": character["id"], "model": "nowhere/model"},
        headers=me.headers,
    )
    assert response.status_code == 422
