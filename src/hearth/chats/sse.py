"""Server-sent events: hub events as `event:`/`id:`/`data:` frames, with heartbeats."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import StreamingResponse

from hearth.chats.hub import HubEvent

HEARTBEAT_SECONDS = 15.0
SSE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",  # nginx: do not buffer the stream
    "Connection": "keep-alive",
}


def frame(event: str, event_id: int | None, data: dict[str, Any]) -> bytes:
    """One SSE frame; the JSON is on one line (json.dumps never emits newlines)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    head = f"event: {event}\n" + (f"id: {event_id}\n" if event_id is not None else "")
    return f"{head}data: {body}\n\n".encode()


def parse_last_event_id(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


async def with_heartbeats(
    events: AsyncIterator[HubEvent], interval: float = HEARTBEAT_SECONDS
) -> AsyncIterator[bytes]:
    """Frames of `events`, and a comment line whenever nothing was sent for `interval`."""
    iterator = aiter(events)
    pending: asyncio.Task[HubEvent] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(iterator))
            done, _ = await asyncio.wait({pending}, timeout=interval)
            if not done:
                yield b": keep-alive\n\n"
                continue
            pending = None
            try:
                item = done.pop().result()
            except StopAsyncIteration:
                return
            yield frame(item.event, item.id, item.data)
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(BaseException):
                await aclose()


def sse_response(events: AsyncIterator[HubEvent]) -> StreamingResponse:
    return StreamingResponse(
        with_heartbeats(events), media_type="text/event-stream", headers=SSE_HEADERS
    )
