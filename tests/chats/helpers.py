"""Small helpers for chat tests: characters, chats, sends, SSE parsing."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, cast

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from hearth.characters.models import Character
from tests.factories import Account
from tests.fakes.http_server import FakeHTTPServer


@dataclass
class Event:
    event: str
    id: int
    data: dict[str, Any]


def parse_sse(text: str) -> list[Event]:
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":") or ":" not in line:
                continue
            name, value = line.split(":", 1)
            fields[name] = value.lstrip(" ")
        if "event" in fields:
            events.append(Event(fields["event"], int(fields["id"]), json.loads(fields["data"])))
    return events


def deltas_text(events: list[Event]) -> str:
    return "".join(e.data["text"] for e in events if e.event == "delta")


async def create_character(
    client: httpx.AsyncClient, owner: Account, **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Aria",
        "description": "A kind innkeeper.",
        "greeting": "Welcome to the inn, {{user}}!",
        "visibility": "public",
    }
    body.update(overrides)
    response = await client.post("/characters", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def create_chat(
    client: httpx.AsyncClient, account: Account, character_id: str, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/chats", json={"character_id": character_id, **overrides}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def new_chat(client: httpx.AsyncClient, account: Account, **character: Any) -> dict[str, Any]:
    made = await create_character(client, account, **character)
    return await create_chat(client, account, made["id"])


async def send_json(
    client: httpx.AsyncClient, account: Account, chat_id: str, content: str = "Hello"
) -> httpx.Response:
    return await client.post(
        f"/chats/{chat_id}/messages",
        json={"content": content},
        headers={**account.headers, "Accept": "application/json"},
    )


async def rerun_json(
    client: httpx.AsyncClient,
    account: Account,
    chat_id: str,
    message_id: str,
    action: str = "regenerate",
) -> httpx.Response:
    """Regenerate (or `continue`) a reply and wait for it: `Accept: application/json`."""
    return await client.post(
        f"/chats/{chat_id}/messages/{message_id}/{action}",
        headers={**account.headers, "Accept": "application/json"},
    )


async def open_send(
    client: httpx.AsyncClient, headers: dict[str, str], chat_id: str, content: str = "Hello"
) -> Any:
    return client.stream(
        "POST", f"/chats/{chat_id}/messages", json={"content": content}, headers=headers
    )


async def send_sse(
    client: httpx.AsyncClient, account: Account, chat_id: str, content: str = "Hello"
) -> list[Event]:
    response = await client.post(
        f"/chats/{chat_id}/messages", json={"content": content}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return parse_sse(response.text)


async def messages(
    client: httpx.AsyncClient, account: Account, chat_id: str, limit: int = 100
) -> list[dict[str, Any]]:
    """Every message, oldest first."""
    response = await client.get(
        f"/chats/{chat_id}/messages", params={"limit": limit}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["items"]))


async def wait_status(
    client: httpx.AsyncClient, account: Account, chat_id: str, message_id: str, seconds: float = 10
) -> dict[str, Any]:
    """Poll until the message is no longer `streaming`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        found = [m for m in await messages(client, account, chat_id) if m["id"] == message_id]
        if found and found[0]["status"] != "streaming":
            return found[0]
        if loop.time() > deadline:
            raise AssertionError(f"message still streaming: {found}")
        await asyncio.sleep(0.05)


async def inspect_prompt(
    client: httpx.AsyncClient, account: Account, chat_id: str, message_id: str
) -> dict[str, Any]:
    """The prompt inspector's answer for a reply (which must have one)."""
    response = await client.get(
        f"/chats/{chat_id}/messages/{message_id}/prompt", headers=account.headers
    )
    assert response.status_code == 200, response.text
    return cast(dict[str, Any], response.json())


def as_sent(inspection: dict[str, Any]) -> list[dict[str, str]]:
    """The prompt inspector's messages as the LLM received them."""
    return [{"role": m["role"], "content": m["content"]} for m in inspection["messages"]]


async def llm_called(fake: FakeHTTPServer, seconds: float = 10) -> None:
    """Until the fake LLM has received a request: the send before it has committed and its
    generation runs (a busy machine may take longer than any fixed sleep to get there)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not fake.requests:  # the fake records them from its own thread
        assert loop.time() < deadline, "the LLM was never called"
        await asyncio.sleep(0.01)


async def set_character(app: FastAPI, character_id: str, **values: Any) -> None:
    import uuid

    async with app.state.db.sessionmaker() as session:
        await session.execute(
            update(Character).where(Character.id == uuid.UUID(character_id)).values(**values)
        )
        await session.commit()
