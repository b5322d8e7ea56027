"""Export (SillyTavern JSONL, Markdown) and import (SillyTavern JSONL)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Insert, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.chats import transfer
from hearth.chats.models import Chat
from hearth.users.models import User
from tests.chats.helpers import create_character, create_chat, messages, send_json
from tests.factories import Account, create_account
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


async def test_text_with_unicode_line_separators_survives_export_and_import(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await create_chat(client, me, (await create_character(client, me))["id"])
    text = "para one\u2029para two\u2028line\x85next\x0bv\x0cf\x1cs"
    await send_json(client, me, chat["id"], text)
    exported = await client.get(f"/chats/{chat['id']}/export", headers=me.headers)

    imported = await _import(client, me, chat["character"]["id"], exported.content)

    assert imported.status_code == 201, imported.text
    again = await messages(client, me, imported.json()["id"])
    assert [m["content"] for m in again if m["role"] == "user"] == [text]


async def test_import_without_a_character_id_finds_the_character_the_file_names(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    mine = await create_character(client, me, name="Aria")
    await create_character(client, me, name="Bram")
    await create_character(client, me, name="Bram")
    file = ("chat.jsonl", b'{"user_name": "You", "character_name": "Aria"}', "application/jsonl")

    found = await client.post("/chats/import", files={"file": file}, headers=me.headers)
    twice = file[0], file[1].replace(b"Aria", b"Bram"), file[2]
    ambiguous = await client.post("/chats/import", files={"file": twice}, headers=me.headers)

    assert found.status_code == 201, found.text
    assert found.json()["character"]["id"] == mine["id"]
    assert ambiguous.status_code == 422
    assert ambiguous.json()["error"]["details"][0]["field"] == "character_id"


async def test_import_refuses_a_json_file_that_is_not_a_chat(client: httpx.AsyncClient) -> None:
    me = await create_account(client)
    character = await create_character(client, me)

    response = await _import(client, me, character["id"], b'{"hello": 1}')

    assert response.status_code == 422
    assert "not a SillyTavern chat" in response.json()["error"]["message"]
    assert (await client.get("/chats", headers=me.headers)).json()["items"] == []


async def test_import_keeps_a_message_with_half_a_character_readable(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    body = b'{"user_name": "You"}\n{"is_user": true, "mes": "a\\ud800b \\ud83d\\ude00"}'

    response = await _import(client, me, character["id"], body)

    assert response.status_code == 201, response.text
    stored = await messages(client, me, response.json()["id"])
    assert [m["content"] for m in stored] == ["a\ufffdb \U0001f600"]


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


async def test_import_reads_impossible_dates_and_numbers_as_absent(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    header = {"user_name": "You", "character_name": "Aria", "note_depth": float("inf")}
    odd = [1e20, float("nan"), "9999-12-31T23:59:59-05:00", True, [1]]
    lines = [header] + [
        {"is_user": True, "mes": f"m{n}", "send_date": date, "swipe_id": float("inf")}
        for n, date in enumerate(odd)
    ]
    body = "\n".join(json.dumps(line) for line in lines).encode()

    response = await _import(client, me, character["id"], body)

    assert response.status_code == 201, response.text
    stored = await messages(client, me, response.json()["id"])
    assert [m["content"] for m in stored] == [f"m{n}" for n in range(len(odd))]


async def test_import_a_file_of_only_a_header_makes_an_empty_chat(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    header = {"user_name": "You", "character_name": "Aria"}

    response = await _import(client, me, character["id"], json.dumps(header).encode())

    assert response.status_code == 201, response.text
    assert await messages(client, me, response.json()["id"]) == []


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


def _long_chat_file(count: int) -> bytes:
    lines = [{"user_name": "You", "character_name": "Aria"}]
    lines += [{"name": "You", "is_user": n % 2 == 0, "mes": f"line {n}"} for n in range(count)]
    return "\n".join(json.dumps(line) for line in lines).encode()


async def _import(
    client: httpx.AsyncClient, account: Account, character_id: str, body: bytes
) -> httpx.Response:
    return await client.post(
        "/chats/import",
        data={"character_id": character_id},
        files={"file": ("chat.jsonl", body, "application/jsonl")},
        headers=account.headers,
    )


async def _chat_ids(client: httpx.AsyncClient, account: Account, **params: Any) -> list[str]:
    listed = await client.get("/chats", params=params, headers=account.headers)
    assert listed.status_code == 200
    return [chat["id"] for chat in listed.json()["items"]]


async def test_a_long_chat_imported_batch_by_batch_ends_whole_and_listed(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "BATCH", 4)
    me = await create_account(client)
    character = await create_character(client, me)

    response = await _import(client, me, character["id"], _long_chat_file(10))

    assert response.status_code == 201, response.text
    chat_id = response.json()["id"]
    stored = await messages(client, me, chat_id)
    assert [m["content"] for m in stored] == [f"line {n}" for n in range(10)]
    assert chat_id in await _chat_ids(client, me)
    assert chat_id not in await _chat_ids(client, me, trashed=True)


async def test_a_chat_being_imported_is_hidden_from_its_owner_until_its_last_batch(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "BATCH", 4)
    me = await create_account(client)
    character = await create_character(client, me)
    seen_midway: list[Any] = []
    execute = AsyncSession.execute

    async def look_midway() -> None:
        async with app.state.db.sessionmaker() as session:
            chat_id = await session.scalar(select(Chat.id))
        seen_midway.extend(
            [
                await _chat_ids(client, me),
                await _chat_ids(client, me, trashed=True),
                (await client.get(f"/chats/{chat_id}", headers=me.headers)).status_code,
                (await send_json(client, me, str(chat_id))).status_code,
            ]
        )

    async def execute_watching(
        self: AsyncSession, statement: Any, *args: Any, **kwargs: Any
    ) -> Any:
        batch = isinstance(statement, Insert) and statement.table.name == "messages"
        if batch and not seen_midway:
            await asyncio.wait_for(look_midway(), 3)
        return await execute(self, statement, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "execute", execute_watching)

    response = await _import(client, me, character["id"], _long_chat_file(10))

    assert response.status_code == 201, response.text
    assert seen_midway == [[], [], 404, 404]
    assert await _chat_ids(client, me) == [response.json()["id"]]


async def test_a_long_import_that_fails_midway_leaves_no_chat_behind(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "BATCH", 4)
    batches = 0
    real_insert = transfer.insert

    def failing_second_batch(table: Any) -> Any:
        nonlocal batches
        batches += 1
        if batches == 2:
            raise OperationalError("INSERT INTO messages", {}, Exception("disk I/O error"))
        return real_insert(table)

    monkeypatch.setattr(transfer, "insert", failing_second_batch)
    me = await create_account(client)
    character = await create_character(client, me)

    response = await _import(client, me, character["id"], _long_chat_file(10))

    assert response.status_code == 503
    assert await _chat_ids(client, me) == []
    assert await _chat_ids(client, me, trashed=True) == []


async def test_a_long_import_failing_at_its_last_step_leaves_no_hidden_chat(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "BATCH", 4)

    async def failing_bump(*args: Any) -> None:
        raise OperationalError("UPDATE characters", {}, Exception("disk I/O error"))

    monkeypatch.setattr(transfer, "bump_chats", failing_bump)
    me = await create_account(client)
    character = await create_character(client, me)

    response = await _import(client, me, character["id"], _long_chat_file(10))

    assert response.status_code == 503
    async with app.state.db.sessionmaker() as session:
        mine = select(func.count()).where(Chat.user_id == uuid.UUID(me.user["id"]))
        assert await session.scalar(mine) == 0


async def test_a_long_import_lets_other_writers_in_between_its_batches(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "BATCH", 4)
    me, other = await create_account(client), await create_account(client)
    character = await create_character(client, me)
    written_between: list[bool] = []
    execute = AsyncSession.execute

    async def rename_other_meanwhile() -> None:
        async with app.state.db.sessionmaker() as session:
            await session.execute(
                update(User)
                .where(User.id == uuid.UUID(other.user["id"]))
                .values(display_name="Meanwhile")
            )
            await session.commit()

    async def execute_watching(
        self: AsyncSession, statement: Any, *args: Any, **kwargs: Any
    ) -> Any:
        batch = isinstance(statement, Insert) and statement.table.name == "messages"
        if batch and len(written_between) < 2:  # on SQLite, a writer waits for a transaction
            await asyncio.wait_for(rename_other_meanwhile(), 3)
            written_between.append(True)
        return await execute(self, statement, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "execute", execute_watching)

    response = await _import(client, me, character["id"], _long_chat_file(10))

    assert response.status_code == 201, response.text
    assert written_between == [True, True]
    assert len(await messages(client, me, response.json()["id"])) == 10
