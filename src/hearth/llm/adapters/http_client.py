"""The HTTP client handed to every SDK: one place for the transport, the proxy, the timeouts.

The openai, anthropic and google-genai SDKs installed here are built on `httpx2` (not
`httpx`), so the client must be an `httpx2.AsyncClient`.

The OpenAI and Anthropic SDKs ship an aiohttp transport behind that same client class
(`DefaultAioHttpClient`, their `[aiohttp]` extra). We use it: reading a stream through it
costs about half the CPU per token of httpx2's own transport (58 against 116 µs, 200
concurrent streams against the bench's fake server), and tokens are most of a busy
server's work. Requests, errors and retries still go through the SDK as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

if TYPE_CHECKING:
    import httpx2

CONNECT_TIMEOUT_CAP = 10.0
# Every streaming reply holds one connection for its whole length. Below this many at once,
# none waits for a free connection; and each finished one stays open for the next request
# (with fewer kept alive, a busy server opened a new connection, and resolved the host in a
# worker thread, for most requests).
MAX_CONNECTIONS = 2000

Transport = Literal["httpx", "openai-aiohttp", "anthropic-aiohttp"]
Client = TypeVar("Client")


def build_http_client(
    *, proxy: str | None, timeout: float, transport: Transport = "httpx"
) -> httpx2.AsyncClient:
    """An async client routed through `proxy` (when set) with `timeout` between reads.

    The read timeout applies between chunks, so a stream that keeps producing tokens is never
    cut, while a server that hangs before (or during) the answer is. aiohttp speaks to HTTP
    proxies only, so a SOCKS proxy keeps the httpx2 transport.
    """
    import httpx2

    client_class: type[httpx2.AsyncClient] = httpx2.AsyncClient
    if proxy is None or proxy.startswith(("http://", "https://")):
        if transport == "openai-aiohttp":
            from openai import DefaultAioHttpClient as client_class
        elif transport == "anthropic-aiohttp":
            from anthropic import DefaultAioHttpClient as client_class
    return client_class(
        proxy=proxy,
        timeout=httpx2.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_CAP)),
        follow_redirects=True,
        limits=httpx2.Limits(
            max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
        ),
    )


class LazyClient(Generic[Client]):
    """An adapter's SDK client: built at its first request, or ahead of it in a thread.

    Building one costs 30-60 ms (its TLS context loads the CA bundle), which the event loop
    would otherwise stop for at a worker's first reply: the app's start-up calls `warm_up`.
    """

    def __init__(self, build: Callable[[], Client]) -> None:
        self._build = build
        self._client: Client | None = None

    def get(self) -> Client:
        if self._client is None:
            self._client = self._build()
        return self._client

    async def warm_up(self) -> None:
        if self._client is None:
            client = await asyncio.to_thread(self._build)
            # A request may have built one meanwhile; this one then goes unused, which needs
            # no closing (connections, and the aiohttp session, open at the first request).
            self._client = self._client or client

    def take(self) -> Client | None:
        """The client, if built, for closing; the next request builds a new one."""
        client, self._client = self._client, None
        return client


def transport_error(exc: BaseException) -> str | None:
    """`"timeout"`/`"connection"` when `exc` comes from a transport failure, else None.

    Looks through the chain of causes: SDKs wrap these errors, a few paths (Gemini's stream
    reader) let them through, and the aiohttp transport reports every aiohttp connection
    error (a refused connection, a server that hung up) as an httpx2 `ConnectTimeout`, so
    its own cause is the one to believe.
    """
    import aiohttp
    import httpx2

    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    for link in reversed(chain):  # the root cause first
        if isinstance(link, aiohttp.ServerTimeoutError):
            return "timeout"
        if isinstance(link, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError):
            return "connection"
    for link in chain:
        if isinstance(link, httpx2.TimeoutException):
            return "timeout"
        if isinstance(link, httpx2.TransportError | httpx2.StreamError):
            return "connection"
    return None
