"""Fake Anthropic Messages server: `POST /v1/messages` with the event stream."""

from __future__ import annotations

from typing import Any

from tests.fakes.http_server import FakeHTTPServer, Response, play_stream, sse
from tests.fakes.script import RecordedRequest

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    529: "overloaded_error",
}


class FakeAnthropic(FakeHTTPServer):
    async def handle(self, request: RecordedRequest, response: Response) -> None:
        if not (request.method == "POST" and request.path.endswith("/v1/messages")):
            await response.json(404, _error("not_found_error", "not found"))
            return
        reply = self.next_reply()
        body = request.json() or {}
        if reply.hang:
            await response.hang()
            return
        if reply.status is not None:
            error_type = reply.error_type or ERROR_TYPES.get(reply.status, "api_error")
            await response.json(
                reply.status, _error(error_type, reply.error_message), reply.headers
            )
            return
        model = body.get("model", "claude-fake")
        usage = {"input_tokens": reply.prompt_tokens, "output_tokens": 1}
        opening = [
            sse(
                {
                    "type": "message_start",
                    "message": {
                        "id": "msg_fake",
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": usage,
                    },
                },
                "message_start",
            ),
            sse(
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
                "content_block_start",
            ),
            sse({"type": "ping"}, "ping"),
        ]
        closing = [sse({"type": "content_block_stop", "index": 0}, "content_block_stop")]
        delta: dict[str, Any] = {
            "type": "message_delta",
            "delta": {"stop_reason": reply.finish_reason or "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": reply.completion_tokens},
        }
        closing += [sse(delta, "message_delta"), sse({"type": "message_stop"}, "message_stop")]
        await play_stream(
            reply,
            response,
            opening=opening,
            token=lambda _i, text: sse(
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": text},
                },
                "content_block_delta",
            ),
            stream_error=lambda: sse(
                _error(reply.error_type or "overloaded_error", reply.error_message), "error"
            ),
            closing=closing,
        )


def _error(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}
