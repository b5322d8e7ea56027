"""Fake Gemini server: `models/{model}:streamGenerateContent?alt=sse` under /v1 and /v1beta."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from tests.fakes.http_server import FakeHTTPServer, Response, play_stream, sse
from tests.fakes.script import RecordedRequest, Reply

_ROUTE = re.compile(r"/(v1|v1beta)/models/([^/:]+):(streamGenerateContent|generateContent)$")
STATUS_WORDS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class FakeGemini(FakeHTTPServer):
    async def handle(self, request: RecordedRequest, response: Response) -> None:
        match = _ROUTE.search(unquote(request.path))
        if request.method != "POST" or match is None:
            await response.json(404, _error(404, "not found", "NOT_FOUND"))
            return
        reply = self.next_reply()
        if reply.hang:
            await response.hang()
            return
        if reply.status is not None:
            word = reply.error_type or STATUS_WORDS.get(reply.status, "INTERNAL")
            await response.json(
                reply.status, _error(reply.status, reply.error_message, word), reply.headers
            )
            return
        if reply.blocked:
            await response.start_stream()
            await response.chunk(
                sse(
                    {
                        "promptFeedback": {"blockReason": reply.blocked},
                        "usageMetadata": {
                            "promptTokenCount": reply.prompt_tokens,
                            "totalTokenCount": reply.prompt_tokens,
                        },
                    }
                )
            )
            await response.end_stream()
            return
        await play_stream(
            reply,
            response,
            opening=[],
            token=lambda _i, text: sse(_chunk([{"text": text}])),
            stream_error=lambda: sse(_error(500, reply.error_message, "INTERNAL")),
            closing=[sse(self._last(reply))],
        )

    @staticmethod
    def _last(reply: Reply) -> dict[str, Any]:
        last = _chunk([{"text": ""}], reply.finish_reason or "STOP")
        if reply.usage:
            last["usageMetadata"] = {
                "promptTokenCount": reply.prompt_tokens,
                "candidatesTokenCount": reply.completion_tokens,
                "totalTokenCount": reply.prompt_tokens + reply.completion_tokens,
            }
        return last


def _chunk(parts: list[dict[str, Any]], finish: str | None = None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], "modelVersion": "gemini-fake"}


def _error(code: int, message: str, status: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}
