"""A minimal HTTP/1.1 client for streamed responses, the same for Hearth and the fake LLM.

The load generator shares two cores with the server; a full HTTP client costs enough per
chunk to blur the numbers, so the bench speaks just the needed HTTP/1.1 (chunked or
content-length bodies) over asyncio streams and splits server-sent events on blank lines.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass


@dataclass
class StreamedEvent:
    at: float  # time.perf_counter() when the bytes arrived
    raw: bytes  # one SSE block, without the blank line


class HTTPFailure(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:200]!r}")
        self.status = status


async def _body(reader: asyncio.StreamReader, head: bytes) -> AsyncIterator[bytes]:
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                return
            data = await reader.readexactly(size + 2)
            yield data[:-2]
    elif b"content-length:" in lower:
        length = int(lower.split(b"content-length:")[1].split(b"\r\n")[0].strip())
        yield await reader.readexactly(length)
    else:
        while chunk := await reader.read(65536):
            yield chunk


async def stream_events(
    host: str, port: int, path: str, body: bytes, headers: dict[str, str]
) -> AsyncIterator[StreamedEvent]:
    """POST `body` and yield each SSE block as it arrives."""
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    try:
        lines = [
            f"POST {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            "Connection: close",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if status != 200:
            rest = b"".join([c async for c in _body(reader, head)])
            raise HTTPFailure(status, rest)
        buffer = b""
        async for chunk in _body(reader, head):
            now = time.perf_counter()
            buffer += chunk
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                if block.strip():
                    yield StreamedEvent(now, block)
    finally:
        writer.close()
