"""A tiny HTTP/1.1 server on 127.0.0.1 in its own thread, with full control of the socket.

Raw asyncio rather than a framework: the fakes must be able to cut a connection in the middle
of a chunked body, hang forever, and accept proxy-style absolute request targets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from tests.fakes.script import RecordedRequest, Reply

HANG_LIMIT_SECONDS = 120.0
CUT_WAIT_SECONDS = 10.0
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    529: "Overloaded",
}


class Response:
    """Writes one HTTP response; streaming bodies are sent chunked and flushed per chunk."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self.closed = False

    async def _head(self, status: int, headers: dict[str, str]) -> None:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self._writer.drain()

    async def json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        await self._head(
            status,
            {
                "content-type": "application/json",
                "content-length": str(len(data)),
                **(headers or {}),
            },
        )
        self._writer.write(data)
        await self._writer.drain()

    async def start_stream(self, content_type: str = "text/event-stream") -> None:
        await self._head(
            200,
            {
                "content-type": content_type,
                "transfer-encoding": "chunked",
                "cache-control": "no-cache",
            },
        )

    async def chunk(self, data: str) -> None:
        raw = data.encode()
        self._writer.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
        await self._writer.drain()

    async def end_stream(self) -> None:
        self._writer.write(b"0\r\n\r\n")
        await self._writer.drain()

    def cut(self) -> None:
        """Drop the TCP connection without finishing the body."""
        self.closed = True
        self._writer.transport.abort()

    async def hang(self) -> None:
        """Never answer; return when the client gives up and closes."""
        self.closed = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._reader.read(), HANG_LIMIT_SECONDS)
        self._writer.transport.abort()


Handler = Callable[[RecordedRequest, Response], Awaitable[None]]


class FakeHTTPServer:
    """Base of the protocol fakes: `start()` → base URL, `script()` the next replies."""

    api_prefix = ""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.default_reply = Reply()
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self.port = 0

    # -- scripting -------------------------------------------------------------------

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests; after them `default_reply` answers."""
        with self._lock:
            self._replies.extend(replies)

    def next_reply(self) -> Reply:
        with self._lock:
            return self._replies.popleft() if self._replies else self.default_reply

    def reset(self) -> None:
        with self._lock:
            self._replies.clear()
            self.requests.clear()
            self.default_reply = Reply()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.origin + self.api_prefix

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> str:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", 0)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=type(self).__name__, daemon=True)
        self._thread.start()
        ready.wait(5)
        return self.base_url

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        async def shutdown() -> None:
            server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        loop.close()
        self._loop = self._server = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- protocol ----------------------------------------------------------------------

    async def handle(self, request: RecordedRequest, response: Response) -> None:
        raise NotImplementedError

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                response = Response(reader, writer)
                await self.handle(request, response)
                if response.closed or request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            # Cancelled only by stop(): ending quietly keeps asyncio from logging it.
            pass
        finally:
            writer.transport.abort()


async def _read_request(reader: asyncio.StreamReader) -> RecordedRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = b""
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    parts = urlsplit(target)
    return RecordedRequest(method, target, parts.path, parts.query, headers, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return body
        body += await reader.readexactly(size)
        await reader.readexactly(2)


def sse(data: Any, event: str | None = None) -> str:
    prefix = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"{prefix}data: {payload}\n\n"


async def play_stream(
    reply: Reply,
    response: Response,
    *,
    opening: list[str],
    token: Callable[[int, str], str],
    stream_error: Callable[[], str],
    closing: list[str],
) -> None:
    """Send a scripted stream: opening events, paced tokens, then closing events.

    `cut_after`/`error_after` equal to the number of tokens act after the last token,
    before the closing events (so usage is lost, as with a real broken stream).
    """
    await response.start_stream()
    for event in opening:
        await response.chunk(event)
    if reply.first_token_delay:
        await asyncio.sleep(reply.first_token_delay)
    for index, text in enumerate([*reply.tokens, None]):
        if reply.cut_after == index:
            if reply.cut_when is not None:
                await asyncio.to_thread(reply.cut_when.wait, CUT_WAIT_SECONDS)
            response.cut()
            return
        if reply.error_after == index:
            await response.chunk(stream_error())
            await response.end_stream()
            return
        if text is None:
            break
        if index and reply.delay:
            await asyncio.sleep(reply.delay)
        await response.chunk(token(index, text))
    for event in closing:
        await response.chunk(event)
    await response.end_stream()
