"""Server-sent events: hub events as `event:`/`id:`/`data:` frames, with heartbeats."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import StreamingResponse

from hearth.chats.hub import MAX_EVENT_ID, HubEvent

HEARTBEAT_SECONDS = 15.0
HEARTBEAT = b": keep-alive\n\n"
SSE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",  # nginx: do not buffer the stream
    "Connection": "keep-alive",
}


# One encoder for every frame: json.dumps with options builds a new one per call, per token.
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def frame(event: str, event_id: int | None, data: dict[str, Any]) -> bytes:
    """One SSE frame; the JSON is on one line (the encoder never emits newlines)."""
    body = _to_json(data)
    head = f"event: {event}\n" + (f"id: {event_id}\n" if event_id is not None else "")
    return f"{head}data: {body}\n\n".encode()


def parse_last_event_id(value: str | None) -> int:
    """The id a client last saw; 0 (replay everything) for one that is not an id of ours."""
    try:
        last = int(value or 0)
    except ValueError:
        return 0
    return last if 0 < last < MAX_EVENT_ID else 0


async def encode(batches: AsyncIterator[list[HubEvent]]) -> AsyncIterator[bytes]:
    """One write per batch of ready events (not per token); a comment line as heartbeat."""
    async for batch in batches:
        if not batch:
            yield HEARTBEAT
            continue
        yield b"".join(frame(item.event, item.id, item.data) for item in batch)


async def batched(events: AsyncIterator[HubEvent]) -> AsyncIterator[list[HubEvent]]:
    """Single events as one-event batches (for sources that are not the hub)."""
    async for item in events:
        yield [item]


def sse_response(batches: AsyncIterator[list[HubEvent]]) -> StreamingResponse:
    return StreamingResponse(encode(batches), media_type="text/event-stream", headers=SSE_HEADERS)
