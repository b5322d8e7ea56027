"""How large a request body may be, enforced as its bytes arrive.

A larger body is refused with 413, at once when its Content-Length says so, before it is
parsed, held in memory or (a multipart upload) spooled to disk: without a limit, one request
could fill either. Uploads are the only multipart routes, so the content type picks the
limit. Starlette's own limiter answers a declared oversize body in plain text, over the
app's JSON error, and lets a private exception through the middleware; hence this one.
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth.core.errors import send_error

# JSON bodies. The largest is a character with its lorebook.
MAX_BODY_BYTES = 5 * 1024 * 1024
# Uploads: the largest file (a card, 32 MiB: hearth.characters.cards.importer), its form
# fields and the framing.
MAX_UPLOAD_BODY_BYTES = 33 * 1024 * 1024


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        upload = headers.get("content-type", "").startswith("multipart/form-data")
        limit = MAX_UPLOAD_BODY_BYTES if upload else MAX_BODY_BYTES
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await send_error(scope, send, "request_too_large", 413)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                # An HTTPException: FastAPI lets it out of body parsing (anything else
                # becomes a 400), and the app's handler answers it in JSON.
                raise HTTPException(status_code=413)
            return message

        await self.app(scope, limited, send)
