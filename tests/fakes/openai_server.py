"""Fake OpenAI Chat Completions server (also stands in for OpenRouter, Yandex, local servers).

fake = FakeOpenAI(); base_url = fake.start()   # "http://127.0.0.1:<port>/v1"
fake.script(Reply(tokens=["Hi", "!"], delay=0.05), Reply(status=429))
...; fake.requests[-1].json()["messages"]; fake.stop()
"""

from __future__ import annotations

import re
import time
from typing import Any

from tests.fakes.http_server import FakeHTTPServer, Response, play_stream, sse
from tests.fakes.script import RecordedRequest, Reply

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_denied",
    404: "invalid_request_error",
    429: "rate_limit_exceeded",
}


class FakeOpenAI(FakeHTTPServer):
    api_prefix = "/v1"

    def __init__(self, models: list[str] | None = None, model: str = "fake-model") -> None:
        super().__init__()
        self.models = models if models is not None else ["fake-model", "fake-model-large"]
        self.model = model

    async def handle(self, request: RecordedRequest, response: Response) -> None:
        if request.method == "GET" and request.path.endswith("/models"):
            await response.json(
                200, {"object": "list", "data": [self._model(m) for m in self.models]}
            )
        elif request.method == "POST" and request.path.endswith("/chat/completions"):
            await self._chat(request, response)
        else:
            await response.json(404, _error(404, "not found", "invalid_request_error", None))

    async def _chat(self, request: RecordedRequest, response: Response) -> None:
        reply = self.next_reply()
        body = request.json() or {}
        if reply.hang:
            await response.hang()
            return
        if reply.status is not None:
            error_type = (
                reply.error_type
                or reply.error_code
                or ERROR_TYPES.get(reply.status, "server_error")
            )
            await response.json(
                reply.status,
                _error(reply.status, reply.error_message, error_type, reply.error_code),
                reply.headers,
            )
            return
        model = body.get("model", self.model)
        refused = _refused_parameter(model, body)
        if refused is not None:
            message = f"Unsupported parameter: '{refused}' is not supported with this model."
            await response.json(
                400, _error(400, message, "invalid_request_error", "unsupported_parameter")
            )
            return
        if not body.get("stream"):
            await response.json(200, self._completion(reply, model))
            return
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        closing = [sse(self._chunk(model, {}, reply.finish_reason or "stop"))]
        if include_usage and reply.usage:
            choices: list[Any] | None = None if reply.null_choices else []
            closing.append(
                sse({**self._chunk(model, None, None), "choices": choices, "usage": _usage(reply)})
            )
        closing.append(sse("[DONE]"))
        await play_stream(
            reply,
            response,
            opening=[sse(self._chunk(model, {"role": "assistant", "content": ""}, None))],
            token=lambda _i, text: sse(self._chunk(model, {"content": text}, None)),
            stream_error=lambda: sse(
                {
                    "error": {
                        "message": reply.error_message,
                        "type": reply.error_type or "server_error",
                        "code": reply.error_code,
                    }
                }
            ),
            closing=closing,
        )

    def _chunk(
        self, model: str, delta: dict[str, Any] | None, finish: str | None
    ) -> dict[str, Any]:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
        }

    def _completion(self, reply: Reply, model: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "".join(reply.tokens)},
                    "finish_reason": reply.finish_reason or "stop",
                }
            ],
            "usage": _usage(reply),
        }

    @staticmethod
    def _model(name: str) -> dict[str, Any]:
        return {"id": name, "object": "model", "created": 0, "owned_by": "fake"}


def _refused_parameter(model: str, body: dict[str, Any]) -> str | None:
    """As OpenAI's API does: its reasoning models take none of these."""
    if not re.match(r"o\d|gpt-5(?!.*chat)", model):
        return None
    return next((p for p in ("max_tokens", "temperature", "top_p", "stop") if p in body), None)


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }


def _error(status: int, message: str, error_type: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}
