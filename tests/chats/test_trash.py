"""The trash: a deleted chat can be restored, deleted for good by its owner, and goes for good
by itself 30 days after it was trashed."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from hearth.chats import trash
from hearth.chats.engine import start_chat_engine
from hearth.chats.models import Chat, Message
from hearth.config import Settings
from hearth.core.clock import utcnow
from tests.chats.helpers import new_chat, send_json
from tests.factories import Account, create_account


async def _trashed_ids(client: httpx.AsyncClient, account: Account) -> list[str]:
    listed = await client.get("/chats", params={"trashed": True}, headers=account.headers)
    assert listed.status_code == 200
    return [chat["id"] for chat in listed.json()["items"]]


async def _delete_forever(
    client: httpx.AsyncClient, account: Account, chat_id: str
) -> httpx.Response:
    return await client.delete(
        f"/chats/{chat_id}", params={"permanent": True}, headers=account.headers
    )


async def _stored(app: FastAPI, chat_id: str) -> tuple[int, int]:
    """(chats, messages) in the database with this chat's id."""
    async with app.state.db.sessionmaker() as session:
        chats = await session.scalar(select(func.count()).where(Chat.id == uuid.UUID(chat_id)))
        rows = await session.scalar(
            select(func.count()).where(Message.chat_id == uuid.UUID(chat_id))
        )
    return chats or 0, rows or 0


async def _trashed_at(app: FastAPI, chat_id: str, when: datetime) -> None:
    async with app.state.db.sessionmaker() as session:
        await session.execute(
            update(Chat).where(Chat.id == uuid.UUID(chat_id)).values(deleted_at=when)
        )
        await session.commit()


async def test_a_trashed_chat_says_when_it_goes_for_good(client: httpx.AsyncClient) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    assert chat["purge_at"] is None

    await client.delete(f"/chats/{chat['id']}", headers=me.headers)
    trashed = (await client.get(f"/chats/{chat['id']}", headers=me.headers)).json()

    deleted_at = datetime.fromisoformat(trashed["deleted_at"])
    assert datetime.fromisoformat(trashed["purge_at"]) == deleted_at + timedelta(days=30)


async def test_a_chat_in_the_trash_is_deleted_for_good_with_its_messages(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    await send_json(client, me, chat["id"])
    await client.delete(f"/chats/{chat['id']}", headers=me.headers)

    gone = await _delete_forever(client, me, chat["id"])

    assert gone.status_code == 204
    assert await _trashed_ids(client, me) == []
    assert (await client.get(f"/chats/{chat['id']}", headers=me.headers)).status_code == 404
    restored = await client.post(f"/chats/{chat['id']}/restore", headers=me.headers)
    assert restored.status_code == 404
    assert await _stored(app, chat["id"]) == (0, 0)


async def test_only_a_chat_in_the_trash_can_be_deleted_for_good(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)

    refused = await _delete_forever(client, me, chat["id"])

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "chat_not_in_trash"
    assert await _stored(app, chat["id"]) == (1, 1)  # the greeting


async def test_no_one_deletes_another_users_chat_for_good(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner, other = await create_account(client), await create_account(client)
    chat = await new_chat(client, owner)
    await client.delete(f"/chats/{chat['id']}", headers=owner.headers)

    refused = await _delete_forever(client, other, chat["id"])

    assert refused.status_code == 404
    assert await _trashed_ids(client, owner) == [chat["id"]]


async def test_the_purge_deletes_chats_trashed_over_30_days_ago_and_nothing_else(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    me = await create_account(client)
    expired, recent, live = [await new_chat(client, me) for _ in range(3)]
    now = utcnow()
    await _trashed_at(app, expired["id"], now - timedelta(days=30, seconds=1))
    await _trashed_at(app, recent["id"], now - timedelta(days=29))

    purged = await trash.purge_trash(app.state.db, now)

    assert purged == 1
    assert await _stored(app, expired["id"]) == (0, 0)
    assert await _trashed_ids(client, me) == [recent["id"]]
    listed = (await client.get("/chats", headers=me.headers)).json()["items"]
    assert [c["id"] for c in listed] == [live["id"]]


async def test_the_purge_goes_on_past_a_batch(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trash, "PURGE_BATCH", 2)
    me = await create_account(client)
    chats = [await new_chat(client, me) for _ in range(5)]
    long_ago = utcnow() - timedelta(days=31)
    for chat in chats:
        await _trashed_at(app, chat["id"], long_ago)

    assert await trash.purge_trash(app.state.db, utcnow()) == 5
    assert await _trashed_ids(client, me) == []


async def test_a_starting_engine_empties_the_trash_of_what_expired(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    await _trashed_at(app, chat["id"], utcnow() - timedelta(days=31))

    engine = await start_chat_engine(SimpleNamespace(settings=settings), app.state.db)
    try:
        for _ in range(500):  # the purge runs beside the start, not in it
            if await _stored(app, chat["id"]) == (0, 0):
                break
            await asyncio.sleep(0.02)
        assert await _stored(app, chat["id"]) == (0, 0)
    finally:
        await engine.aclose()


async def test_an_engine_closed_mid_purge_stops_it_without_an_error(
    app: FastAPI, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled mid-statement, the purge's session fails to clean up: taken for a failed
    round, that error was logged and kept the purge looping, and the close waiting on it."""
    for _ in range(5):
        running = asyncio.all_tasks()  # the app's own engine's among them
        engine = await start_chat_engine(SimpleNamespace(settings=settings), app.state.db)
        await asyncio.wait_for(engine.aclose(), 5)
        assert [task.get_name() for task in asyncio.all_tasks() - running] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_closing_the_engine_can_itself_be_cancelled(app: FastAPI, settings: Settings) -> None:
    engine = await start_chat_engine(SimpleNamespace(settings=settings), app.state.db)
    await engine.aclose()  # its own rounds stopped; one that is slow to stop stands in

    async def slow_to_stop() -> None:
        try:
            await asyncio.sleep(60)
        finally:
            await asyncio.sleep(0.5)

    engine._purger = asyncio.create_task(slow_to_stop())
    await asyncio.sleep(0)
    closing = asyncio.create_task(engine.aclose())
    await asyncio.sleep(0.05)
    closing.cancel()

    with pytest.raises(asyncio.CancelledError):
        await closing
    await asyncio.gather(engine._purger, return_exceptions=True)


async def test_a_chat_in_the_trash_is_kept_as_it_was_until_restored(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]
    assert (await client.delete(f"/chats/{chat['id']}", headers=me.headers)).status_code == 204
    base = f"/chats/{chat['id']}"
    message = f"{base}/messages/{reply['id']}"

    changes = [
        await client.patch(message, json={"content": "rewritten"}, headers=me.headers),
        await client.put(f"{message}/swipe", json={"index": 0}, headers=me.headers),
        await client.put(f"{message}/hidden", json={"hidden": True}, headers=me.headers),
        await client.put(f"{message}/rating", json={"rating": 4}, headers=me.headers),
        await client.delete(message, headers=me.headers),
        await client.patch(base, json={"title": "Renamed"}, headers=me.headers),
        await client.put(f"{base}/author-note", json={"text": "note"}, headers=me.headers),
    ]

    assert [r.status_code for r in changes] == [409] * len(changes)
    assert {r.json()["error"]["code"] for r in changes} == {"chat_in_trash"}
    assert (await client.post(f"{base}/restore", headers=me.headers)).status_code == 200
    kept = (await client.get(f"{base}/messages", headers=me.headers)).json()["items"]
    assert reply["content"] in [m["content"] for m in kept]
