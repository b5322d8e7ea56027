"""Export (SillyTavern JSONL, Markdown) and import (SillyTavern JSONL)."""

from __future__ import annotations

import json

import httpx

from tests.chats.helpers import create_character, create_chat, messages, send_json
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply


async def test_export_then_import_round_trips_the_conversation(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client, display_name="Sam")
    character = await create_character(client, me, alternate_greetings=["Hey."])
    chat = await create_chat(client, me, character["id"])
    fake_llm.script(Reply(tokens=["One"]), Reply(tokens=["Two"]))
    await send_json(client, me, chat["id"], "first")
    await send_json(client, me, chat["id"], "second")
    original = await messages(client, me, chat["id"])

    exported = await client.get(f"/chats/{chat['id']}/export", headers=me.headers)
    assert exported.status_code == 200
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert lines[0]["user_name"] == "Sam" and lines[0]["character_name"] == "Aria"
    assert [line["mes"] for line in lines[1:]] == [m["content"] for m in original]
    assert [line["is_user"] for line in lines[1:]] == [False, True, False, True, False]
    assert lines[1]["swipes"] == ["Welcome to the inn, Sam!", "Hey."]

    imported = await client.post(
        "/chats/import",
        data={"character_id": character["id"]},
        files={"file": ("chat.jsonl", exported.content, "application/jsonl")},
        headers=me.headers,
    )

    assert imported.status_code == 201, imported.text
    again = await messages(client, me, imported.json()["id"])
    assert [(m["role"], m["content"], m["swipes"]) for m in again] == [
        (m["role"], m["content"], m["swipes"]) for m in original
    ]


async def test_import_a_plain_sillytavern_file(client: httpx.AsyncClient) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    lines = [
        {"user_name": "You", "character_name": "Aria", "create_date": "2024-05-01@10h00m00s"},
        {
            "name": "Aria",
            "is_user": False,
            "mes": "Hello!",
            "swipes": ["Hello!", "Hi!"],
            "swipe_id": 0,
            "send_date": "2024-05-01T10:00:00",
        },
        {"name": "You", "is_user": True, "mes": "Hi there", "send_date": 1714557660000},
        {"name": "Aria", "is_user": False, "is_system": True, "mes": "(hidden note)"},
    ]
    body = "\n".join(json.dumps(line) for line in lines).encode()

    response = await client.post(
        "/chats/import",
        data={"character_id": character["id"]},
        files={"file": ("chat.jsonl", body, "application/jsonl")},
        headers=me.headers,
    )

    assert response.status_code == 201, response.text
    stored = await messages(client, me, response.json()["id"])
    assert [(m["role"], m["content"], m["hidden"]) for m in stored] == [
        ("assistant", "Hello!", False),
        ("user", "Hi there", False),
        ("assistant", "(hidden note)", True),
    ]
    assert stored[0]["swipes"] == ["Hello!", "Hi!"]


async def test_import_rejects_a_file_that_is_not_jsonl(client: httpx.AsyncClient) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    response = await client.post(
        "/chats/import",
        data={"character_id": character["id"]},
        files={"file": ("chat.jsonl", b"not json at all", "application/jsonl")},
        headers=me.headers,
    )
    assert response.status_code == 422


async def test_markdown_export(client: httpx.AsyncClient, fake_llm: FakeOpenAI) -> None:
    me = await create_account(client, display_name="Sam")
    character = await create_character(client, me)
    chat = await create_chat(client, me, character["id"])
    fake_llm.script(Reply(tokens=["Welcome back."]))
    await send_json(client, me, chat["id"], "Hello")

    response = await client.get(
        f"/chats/{chat['id']}/export", params={"format": "md"}, headers=me.headers
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    assert "**Sam:** Hello" in response.text
    assert "**Aria:** Welcome back." in response.text
