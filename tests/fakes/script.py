"""What a fake provider should do next, and what it received."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    """One scripted answer. Defaults: a short successful stream with usage."""

    tokens: list[str] = field(default_factory=lambda: ["Hello", ",", " world", "!"])
    delay: float = 0.0  # seconds between tokens
    first_token_delay: float = 0.0  # seconds before the first token (after the headers)
    status: int | None = None  # answer with this HTTP error instead of a stream
    error_type: str | None = None  # provider-specific error type / status word
    error_code: str | None = None  # e.g. "insufficient_quota" (OpenAI)
    error_message: str = "scripted failure"
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"retry-after": "2"}
    cut_after: int | None = None  # drop the connection after this many tokens
    # With cut_after: cut only once the test sets this, i.e. once the client has read those
    # tokens. aiohttp drops body bytes it has buffered but not yet handed out when the
    # connection is reset, so an immediate cut would race the client's reading.
    cut_when: threading.Event | None = None
    error_after: int | None = None  # send an in-band stream error after this many tokens
    hang: bool = False  # accept the request and never answer
    usage: bool = True  # report token usage at the end
    prompt_tokens: int = 11
    finish_reason: str | None = None  # protocol default when None
    blocked: str | None = None  # Gemini: promptFeedback.blockReason
    null_choices: bool = False  # OpenAI-compatible servers that send `choices: null`

    @property
    def completion_tokens(self) -> int:
        return len(self.tokens)


@dataclass
class RecordedRequest:
    method: str
    target: str  # as sent: an absolute URL when it came through a proxy
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    @property
    def via_proxy(self) -> bool:
        return self.target.startswith(("http://", "https://"))

    def json(self) -> Any:
        import json

        return json.loads(self.body) if self.body else None
