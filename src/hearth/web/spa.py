"""Serve the single-page UI: its static files, and index.html for every other non-API path.

The UI routes with the URL hash (`/#/chats/...`), so a deep link only ever asks the server for
`/`; the fallback still answers `/anything` with the app so a mistyped path shows a page, not
a bare 404. Paths under `/api/` and `/media/` never fall back: a client asking the API for
something that does not exist must get the API's JSON 404.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

WEB_DIR = Path(__file__).resolve().parent
INDEX = "index.html"
# Only these are served as files; Python sources of this package never are.
_PUBLIC_DIRS = frozenset({"js", "css", "i18n", "img"})
_PUBLIC_FILES = frozenset({INDEX, "favicon.svg", "manifest.webmanifest"})
_NEVER_FALLBACK = ("api", "media", "openapi.json", "docs", "healthz", "readyz")

# Model output is rendered as text, but a CSP is the second lock on the same door.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https:; connect-src 'self'; font-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _is_public(path: str) -> bool:
    parts = [part for part in path.split("/") if part]
    if not parts:
        return True
    if "__pycache__" in parts or parts[-1].endswith((".py", ".pyc")):
        return False
    if len(parts) == 1:
        return parts[0] in _PUBLIC_FILES
    return parts[0] in _PUBLIC_DIRS


class SinglePageApp(StaticFiles):
    """StaticFiles that falls back to index.html and asks browsers to revalidate."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        first = path.strip("/").split("/", 1)[0]
        if first in _NEVER_FALLBACK:
            raise HTTPException(status_code=404)
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405)
        if _is_public(path):
            try:
                response = await super().get_response(path, scope)
            except HTTPException as exc:
                if exc.status_code != 404 or first in _PUBLIC_DIRS:
                    raise
            else:
                return self._headers(response, is_index=path.strip("/") in ("", INDEX))
        return self._headers(await super().get_response(INDEX, scope), is_index=True)

    @staticmethod
    def _headers(response: Response, *, is_index: bool) -> Response:
        # No build step means no hashed names: every file is revalidated (cheap with ETags).
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        if is_index:
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            response.headers["Referrer-Policy"] = "same-origin"
        return response


class _WebMount(Mount):
    """A mount at `/` that does not claim API paths, so the router still answers them.

    Without this, `DELETE /api/v1/auth/login` would be a static 404 instead of the API's 405.
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        first = scope.get("path", "/").strip("/").split("/", 1)[0]
        if first in _NEVER_FALLBACK:
            return Match.NONE, {}
        return super().matches(scope)


def mount_web_ui(app: FastAPI) -> None:
    """Mount the UI at `/`. Call it last: a mount at `/` answers every path not routed before."""
    app.router.routes.append(
        _WebMount("/", app=SinglePageApp(directory=WEB_DIR, html=True), name="web")
    )
