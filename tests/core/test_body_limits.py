"""Request bodies are limited in size, and the limit holds as the bytes arrive."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx

from hearth.core.body_limits import MAX_BODY_BYTES, MAX_UPLOAD_BODY_BYTES
from tests.chats.helpers import create_character
from tests.factories import create_account


async def test_a_json_body_over_the_limit_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    body = {"name": "Big", "description": "x" * MAX_BODY_BYTES}

    response = await client.post("/characters", json=body, headers=me.headers)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert (await client.get("/me/characters", headers=me.headers)).json()["items"] == []


async def test_a_body_announced_too_large_is_refused_before_it_is_read(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    chunks_read = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal chunks_read
        for _ in range(MAX_UPLOAD_BODY_BYTES // 65536 + 10):
            chunks_read += 1
            yield b"x" * 65536

    response = await client.post(
        "/chats/import",
        content=endless(),
        headers={
            **me.headers,
            "Content-Type": "multipart/form-data; boundary=b",
            "Content-Length": str(MAX_UPLOAD_BODY_BYTES + 1),
        },
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert chunks_read <= 1


async def test_an_upload_may_be_larger_than_a_json_body(client: httpx.AsyncClient) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    line = json.dumps({"name": "U", "is_user": True, "mes": "word " * 200})
    data = "\n".join([line] * (MAX_BODY_BYTES // len(line) + 100)).encode()
    assert MAX_BODY_BYTES < len(data) < MAX_UPLOAD_BODY_BYTES

    response = await client.post(
        "/chats/import",
        files={"file": ("chat.jsonl", data)},
        data={"character_id": character["id"]},
        headers=me.headers,
    )

    assert response.status_code == 201, response.text


async def test_a_body_sent_without_its_length_is_cut_off_at_the_limit(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    chunks_read = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal chunks_read
        yield b'{"name": "Big", "description": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 10):
            chunks_read += 1
            yield b"x" * 65536

    response = await client.post(
        "/characters",
        content=endless(),
        headers={**me.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert chunks_read <= MAX_BODY_BYTES // 65536 + 1
