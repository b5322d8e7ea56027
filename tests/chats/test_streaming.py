"""Live streams over a real server: disconnects, re-attach, Last-Event-ID, stop, failures,
progressive persistence."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from itertools import accumulate, pairwise
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from hearth.chats.models import Message
from hearth.core.ids import uuid7
from tests.chats.helpers import (
    Event,
    as_sent,
    deltas_text,
    inspect_prompt,
    messages,
    new_chat,
    open_send,
    parse_sse,
    send_sse,
    wait_status,
)
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

TOKENS = [f"w{n} " for n in range(20)]


_readers: dict[int, Any] = {}


async def read_events(response: httpx.Response, count: int | None = None) -> list[Event]:
    """Read SSE events as they arrive; stop after `count` events (reading can resume)."""
    lines = _readers.setdefault(id(response), response.aiter_lines())
    events: list[Event] = []
    block: list[str] = []
    async for line in lines:
        if line:
            block.append(line)
            continue
        found = parse_sse("\n".join(block) + "\n\n")
        block = []
        events.extend(found)
        if count is not None and len(events) >= count:
            break
    return events


async def test_disconnect_then_reattach_gets_the_full_text_exactly_once(
    live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(Reply(tokens=TOKENS, delay=0.03))

    async with await open_send(live_client, me.headers, chat["id"]) as response:
        seen = await read_events(response, count=6)  # user_message, start, 4 deltas
    message_id = seen[1].data["message_id"]
    await asyncio.sleep(0.2)  # the generation goes on without a client

    async with live_client.stream(
        "GET",
        f"/chats/{chat['id']}/messages/{message_id}/stream",
        headers={**me.headers, "Last-Event-ID": str(seen[-1].id)},
    ) as response:
        rest = await read_events(response)

    events = seen + rest
    for before, event in pairwise(events):  # no gap, no duplicate
        assert event.id == before.id + (len(event.data["text"]) if event.event == "delta" else 1)
    assert deltas_text(seen + rest) == "".join(TOKENS)
    assert rest[-1].event == "done"
    assert rest[-1].data["content"] == "".join(TOKENS)


@pytest.mark.parametrize("last_event_id", [None, "not-an-id", "-3", str(2**64)])
async def test_reattach_without_a_last_event_id_of_ours_replays_everything(
    live_client: httpx.AsyncClient, fake_llm: FakeOpenAI, last_event_id: str | None
) -> None:
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(Reply(tokens=TOKENS, delay=0.01))
    async with await open_send(live_client, me.headers, chat["id"]) as response:
        seen = await read_events(response, count=3)
    message_id = seen[1].data["message_id"]

    headers = {**me.headers, **({"Last-Event-ID": last_event_id} if last_event_id else {})}
    async with live_client.stream(
        "GET", f"/chats/{chat['id']}/messages/{message_id}/stream", headers=headers
    ) as response:
        everything = await read_events(response)

    assert [e.event for e in everything][:2] == ["user_message", "start"]
    assert deltas_text(everything) == "".join(TOKENS)


async def test_last_event_id_of_an_earlier_generation_replays_the_new_one_whole(
    live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(Reply(tokens=["First", " take"]), Reply(tokens=["Second", " take"]))
    first = await send_sse(live_client, me, chat["id"])
    message_id = first[1].data["message_id"]
    base = f"/chats/{chat['id']}/messages/{message_id}"
    regenerated = await live_client.post(f"{base}/regenerate", headers=me.headers)
    assert regenerated.status_code == 200

    response = await live_client.get(
        f"{base}/stream", headers={**me.headers, "Last-Event-ID": str(first[-1].id)}
    )

    replay = parse_sse(response.text)
    assert [e.event for e in replay] == ["start", "delta", "delta", "done"]
    assert deltas_text(replay) == "Second take"
    assert replay[0].id > first[-1].id


async def test_a_regenerate_on_a_worker_whose_clock_is_behind_numbers_above_the_last_reply(
    live_client: httpx.AsyncClient,
    app: FastAPI,
    fake_llm: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Workers' clocks need not agree: the stored start of the earlier generation bounds
    the next one's ids from below."""
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(Reply(tokens=["First", " take"]), Reply(tokens=["Second"]))
    first = await send_sse(live_client, me, chat["id"])
    message_id = first[1].data["message_id"]
    app.state.chat_engine.hub._evict(message_id)  # the regenerate runs on another worker
    monkeypatch.setattr("hearth.chats.turns.clock_ids", lambda: 1_000)  # years behind

    regenerated = parse_sse(
        (
            await live_client.post(
                f"/chats/{chat['id']}/messages/{message_id}/regenerate", headers=me.headers
            )
        ).text
    )

    assert regenerated[0].event == "start"
    assert regenerated[0].id > first[-1].id


async def test_stop_keeps_what_was_written_as_stopped(
    live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(Reply(tokens=TOKENS, delay=0.1))

    async with await open_send(live_client, me.headers, chat["id"]) as response:
        seen = await read_events(response, count=5)
        message_id = seen[1].data["message_id"]
        stopped = await live_client.post(
            f"/chats/{chat['id']}/messages/{message_id}/stop", headers=me.headers
        )
        rest = await read_events(response)

    assert stopped.status_code == 200, stopped.text
    body = stopped.json()
    assert body["status"] == "stopped"
    assert body["content"] and "".join(TOKENS).startswith(body["content"])
    assert body["content"] != "".join(TOKENS)
    assert rest[-1].event == "done" and rest[-1].data["status"] == "stopped"
    assert deltas_text(seen + rest) == body["content"]
    stored = await wait_status(live_client, me, chat["id"], message_id)
    assert stored["content"] == body["content"]
    again = await live_client.post(
        f"/chats/{chat['id']}/messages/{message_id}/stop", headers=me.headers
    )
    assert again.status_code == 409


async def test_provider_cut_mid_reply_keeps_the_partial_text_as_interrupted(
    live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    read = threading.Event()
    fake_llm.script(Reply(tokens=TOKENS, delay=0.01, cut_after=5, cut_when=read))

    async with await open_send(live_client, me.headers, chat["id"]) as response:
        events: list[Event] = []
        while deltas_text(events) != "".join(TOKENS[:5]):
            more = await read_events(response, count=1)
            assert more, f"the stream ended before five tokens: {events}"
            events += more
        read.set()  # the server has streamed those five tokens on: now the provider cuts
        events += await read_events(response)

    last = events[-1]
    assert last.event == "error"
    assert last.data["code"].startswith("llm_")
    assert last.data["message"]
    stored = last.data["assistant_message"]
    assert stored["status"] == "interrupted"
    assert stored["content"] == "".join(TOKENS[:5])
    assert stored["error"]["code"] == last.data["code"]
    listed = await messages(live_client, me, chat["id"])
    assert listed[-1]["status"] == "interrupted"
    assert listed[-1]["content"] == "".join(TOKENS[:5])


async def test_provider_failure_before_any_text_is_an_error(
    live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(Reply(status=400, error_message="bad model"))

    async with await open_send(live_client, me.headers, chat["id"]) as response:
        events = await read_events(response)

    assert [e.event for e in events] == ["user_message", "start", "error"]
    assert events[-1].data["assistant_message"]["status"] == "error"
    # The user's message is kept whatever happened to the reply.
    assert [m["content"] for m in await messages(live_client, me, chat["id"])][1] == "Hello"


async def test_text_is_persisted_while_it_streams(
    live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(Reply(tokens=TOKENS, delay=0.1))

    async with await open_send(live_client, me.headers, chat["id"]) as response:
        seen = await read_events(response, count=12)  # 10 deltas: about a second of text
        await asyncio.sleep(0.6)  # one flush interval (0.5 s) and a margin
        stored = (await messages(live_client, me, chat["id"]))[-1]
        await read_events(response)

    assert stored["status"] == "streaming"
    assert stored["content"].startswith(deltas_text(seen))
    assert len(stored["content"]) >= len(deltas_text(seen))


async def test_prompt_of_a_reply_is_recorded_while_it_streams(
    live_client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(Reply(tokens=TOKENS, delay=0.1))

    async with await open_send(live_client, me.headers, chat["id"], "Tell me a story") as response:
        seen = await read_events(response, count=3)  # user_message, start, one delta
        await asyncio.sleep(0.6)  # one flush interval (0.5 s) and a margin
        message_id = seen[1].data["message_id"]
        inspected = await inspect_prompt(live_client, me, chat["id"], message_id)
        await read_events(response)

    assert as_sent(inspected) == fake_llm.requests[-1].json()["messages"]
    assert inspected["messages"][-1]["content"] == "Tell me a story"


async def test_reattach_after_the_hub_forgot_sends_what_is_missing_from_the_database(
    live_client: httpx.AsyncClient, app: FastAPI, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(Reply(tokens=["All", " done"]))
    async with await open_send(live_client, me.headers, chat["id"]) as response:
        events = await read_events(response)
    message_id = events[1].data["message_id"]
    app.state.chat_engine.hub._evict(message_id)  # as after the retention period

    response = await live_client.get(
        f"/chats/{chat['id']}/messages/{message_id}/stream",
        headers={**me.headers, "Last-Event-ID": str(events[2].id)},  # "All" seen
    )

    replay = parse_sse(response.text)
    assert [(e.id, e.event) for e in replay] == [(e.id, e.event) for e in events[3:]]
    assert deltas_text(replay) == " done"
    assert replay[-1].data["content"] == "All done"


async def test_reattach_through_a_worker_without_the_stream_resumes_after_the_last_event_id(
    live_client: httpx.AsyncClient,
    app: FastAPI,
    fake_llm: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Several workers without Redis: the one re-attached to follows the stored text, and
    sends only what the client has not seen, with the ids the running worker gave."""
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(Reply(tokens=TOKENS, delay=0.05))
    async with await open_send(live_client, me.headers, chat["id"]) as response:
        seen = await read_events(response, count=5)  # user_message, start, 3 deltas
    message_id = seen[1].data["message_id"]
    hub = app.state.chat_engine.hub

    async def held_by_another_worker(key: str, generation: int | None = None) -> bool:
        return False

    monkeypatch.setattr(hub, "knows", held_by_another_worker)
    async with live_client.stream(
        "GET",
        f"/chats/{chat['id']}/messages/{message_id}/stream",
        headers={**me.headers, "Last-Event-ID": str(seen[-1].id)},
    ) as response:
        rest = await read_events(response)

    assert deltas_text(seen) + deltas_text(rest) == "".join(TOKENS)
    ran = [e async for e in hub.subscribe(message_id)]  # the running worker's own events
    assert rest[-1].event == "done"
    assert (rest[-1].id, rest[-2].id) == (ran[-1].id, ran[-2].id)
    assert all(e.id > seen[-1].id for e in rest)


async def test_reattach_after_another_worker_regenerated_gets_the_new_reply_not_the_old_copy(
    live_client: httpx.AsyncClient, app: FastAPI, fake_llm: FakeOpenAI
) -> None:
    """Without Redis, this worker still holds the first reply's finished stream; the
    newer one, stored by the worker that regenerated it, is the message's stream now."""
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    fake_llm.script(Reply(tokens=["Old", " reply"]))
    first = await send_sse(live_client, me, chat["id"])
    message_id = first[1].data["message_id"]
    async with app.state.db.sessionmaker() as session:  # the other worker's regenerate
        await session.execute(
            update(Message)
            .where(Message.id == uuid.UUID(message_id))
            .values(
                content="New reply",
                swipes=["Old reply", "New reply"],
                swipe_index=1,
                stream_start=first[-1].id + 100,
                stream_from=0,
            )
        )
        await session.commit()

    response = await live_client.get(
        f"/chats/{chat['id']}/messages/{message_id}/stream", headers=me.headers
    )

    replay = parse_sse(response.text)
    assert deltas_text(replay) == "New reply"
    assert replay[0].id == first[-1].id + 100
    assert replay[-1].data["content"] == "New reply"


@pytest.mark.parametrize(
    ("last_event_id", "expected"),
    [
        (None, [(1000, "start", None), (1012, "delta", " upon a time"), (1013, "done", None)]),
        ("1005", [(1012, "delta", " a time"), (1013, "done", None)]),  # has "Once upon"
        ("1012", [(1013, "done", None)]),
        ("1013", []),
    ],
)
async def test_a_stored_continued_reply_replays_from_the_client_s_place_in_its_text(
    live_client: httpx.AsyncClient,
    app: FastAPI,
    last_event_id: str | None,
    expected: list[tuple[int, str, str | None]],
) -> None:
    """A continue of "Once" that wrote " upon a time", its `start` numbered 1000."""
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    message_id = uuid7()
    async with app.state.db.sessionmaker() as session:
        session.add(
            Message(
                id=message_id,
                chat_id=uuid.UUID(chat["id"]),
                role="assistant",
                content="Once upon a time",
                swipes=["Once upon a time"],
                stream_start=1000,
                stream_from=len("Once"),
            )
        )
        await session.commit()
    headers = {**me.headers, **({"Last-Event-ID": last_event_id} if last_event_id else {})}

    response = await live_client.get(
        f"/chats/{chat['id']}/messages/{message_id}/stream", headers=headers
    )

    replay = parse_sse(response.text)
    assert [(e.id, e.event, e.data.get("text")) for e in replay] == expected


async def test_sse_response_headers(live_client: httpx.AsyncClient, fake_llm: FakeOpenAI) -> None:
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    async with await open_send(live_client, me.headers, chat["id"]) as response:
        headers = response.headers
        lines = [line async for line in response.aiter_lines()]

    assert headers["content-type"].startswith("text/event-stream")
    assert headers["x-accel-buffering"] == "no"
    data_lines = [line for line in lines if line.startswith("data:")]
    assert all(json.loads(line[5:]) is not None for line in data_lines)


async def test_reattach_to_another_workers_reply_follows_the_stored_text(
    live_client: httpx.AsyncClient, app: FastAPI
) -> None:
    """Several workers without Redis: a reply this worker does not run is followed from
    the database until it ends, each piece of text sent once."""
    me = await create_account(live_client)
    chat = await new_chat(live_client, me)
    message_id = uuid7()
    async with app.state.db.sessionmaker() as session:
        session.add(
            Message(
                id=message_id,
                chat_id=uuid.UUID(chat["id"]),
                role="assistant",
                content="Once",
                status="streaming",
                swipes=["Once"],
                model="demo/demo",
                worker_id="another-worker",
                stream_start=1000,
                stream_from=0,
            )
        )
        await session.commit()

    async def other_worker_writes(content: str, status: str = "streaming") -> None:
        async with app.state.db.sessionmaker() as session:
            await session.execute(
                update(Message)
                .where(Message.id == message_id)
                .values(content=content, status=status, swipes=[content], worker_id=None)
            )
            await session.commit()

    path = f"/chats/{chat['id']}/messages/{message_id}/stream"
    async with live_client.stream("GET", path, headers=me.headers) as response:
        first = await read_events(response, 2)
        await other_worker_writes("Once upon")
        await asyncio.sleep(0.7)  # one poll of the stored text goes by
        await other_worker_writes("Once upon a time", "complete")
        rest = await read_events(response)

    events = first + rest
    assert [e.event for e in events][:2] == ["start", "delta"]
    assert events[-1].event == "done"
    assert events[-1].data["content"] == "Once upon a time"
    assert deltas_text(events) == "Once upon a time"
    # From its `start` on, each delta numbered by where its text ends, then the end.
    ends = accumulate(len(e.data["text"]) for e in events if e.event == "delta")
    assert [e.id for e in events] == [1000, *(1000 + end for end in ends), 1017]
