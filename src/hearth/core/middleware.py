"""Request id and access logging, as plain ASGI middleware (no response buffering)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth.core.errors import outage, send_error
from hearth.core.logging import request_id_var

log = logging.getLogger("hearth.access")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
RETRY_AFTER_OUTAGE = {"Retry-After": "5"}


class RequestContextMiddleware:
    """Gives each request an id (kept from `X-Request-ID` when sane) and logs its outcome."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        responded = finished = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded, finished
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finished = True
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Handled here, inside the request's context, so the log line carries its id
            # and the client still gets the id header; never the trace.
            failed = outage(exc)
            if failed is not None:
                log.warning("dependency unavailable: %s", failed, extra={"path": scope["path"]})
                if not responded:
                    await send_error(
                        scope, send_with_id, "service_unavailable", 503, RETRY_AFTER_OUTAGE
                    )
                elif not finished:  # a stream it cut: ended, not dropped; clients re-attach
                    await send_with_id({"type": "http.response.body", "body": b""})
            else:
                log.exception("unhandled error", extra={"path": scope["path"]})
                if status == 500 and not responded:
                    await send_error(scope, send_with_id, "internal_error", 500)
        finally:
            # The path only: query strings may carry tokens (verification links).
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_id_var.reset(token)
