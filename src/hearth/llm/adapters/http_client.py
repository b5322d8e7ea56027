"""The HTTP client handed to every SDK: one place for the proxy and the timeouts.

The openai, anthropic and google-genai SDKs installed here are built on `httpx2` (not
`httpx`), so the client must be an `httpx2.AsyncClient`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx2

CONNECT_TIMEOUT_CAP = 10.0
# Every streaming reply holds one connection for its whole length. Below this many at once,
# none waits for a free connection; and each finished one stays open for the next request
# (with fewer kept alive, a busy server opened a new connection, and resolved the host in a
# worker thread, for most requests).
MAX_CONNECTIONS = 2000


def build_http_client(*, proxy: str | None, timeout: float) -> httpx2.AsyncClient:
    """An async client routed through `proxy` (when set) with `timeout` between reads.

    The read timeout applies between chunks, so a stream that keeps producing tokens is never
    cut, while a server that hangs before (or during) the answer is.
    """
    import httpx2

    return httpx2.AsyncClient(
        proxy=proxy,
        timeout=httpx2.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_CAP)),
        follow_redirects=True,
        limits=httpx2.Limits(
            max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
        ),
    )


def transport_error(exc: BaseException) -> str | None:
    """`"timeout"`/`"connection"` when `exc` is a raw httpx2 transport failure, else None.

    SDKs wrap most of these, but a few paths (Gemini's stream reader) let them through.
    """
    import httpx2

    if isinstance(exc, httpx2.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx2.TransportError | httpx2.StreamError):
        return "connection"
    return None
