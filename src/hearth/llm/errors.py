"""Typed provider errors: a stable `code` for programs, an `explanation` for operators."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Key shapes providers echo back in error messages ("Incorrect API key provided: sk-ab***yz").
_KEY_PATTERNS = re.compile(
    r"(sk-[A-Za-z0-9_\-\*\.]{6,}|AIza[0-9A-Za-z_\-]{10,}|AQVN[0-9A-Za-z_\-]{10,}"
    r"|Bearer\s+\S+|Api-Key\s+\S+)"
)


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Remove known secrets and anything shaped like an API key from `text`."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return _KEY_PATTERNS.sub("[redacted]", text)


class LLMError(Exception):
    code = "llm_error"
    explanation = "the provider failed"
    # Worth trying the next model of the fallback chain (before the first token).
    falls_back = False
    # Worth retrying the same provider after a short pause.
    transient = False

    def __init__(self, message: str, provider: str, *, explanation: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        # Every failure of a fallback chain, in order, when the gateway gave up.
        self.attempts: list[LLMError] = []
        if explanation is not None:
            self.explanation = explanation

    def __str__(self) -> str:
        return f"{self.provider}: {self.message}"


class AuthError(LLMError):
    code = "llm_auth"
    explanation = "key rejected"
    falls_back = True


class RateLimited(LLMError):
    code = "llm_rate_limited"
    explanation = "rate limited by the provider, retry later"
    falls_back = True
    transient = True

    def __init__(
        self,
        message: str,
        provider: str,
        *,
        retry_after: float | None = None,
        explanation: str | None = None,
    ) -> None:
        super().__init__(message, provider, explanation=explanation)
        self.retry_after = retry_after


class QuotaExceeded(LLMError):
    code = "llm_quota_exceeded"
    explanation = "quota exhausted on this key"
    falls_back = True


class Unavailable(LLMError):
    code = "llm_unavailable"
    explanation = "provider unavailable or overloaded"
    falls_back = True
    transient = True


class BadRequest(LLMError):
    code = "llm_bad_request"
    explanation = "request rejected by the provider (model name or parameters)"


class UnknownModel(BadRequest):
    code = "llm_unknown_model"
    explanation = "no configured provider serves this model"


class ContentFiltered(LLMError):
    code = "llm_content_filtered"
    explanation = "blocked by the provider's content filter"


class Timeout(LLMError):
    code = "llm_timeout"
    explanation = "no answer in time"
    falls_back = True
    transient = True


CONNECT_FAILED = "cannot connect to base URL"
REGION_BLOCKED = "region blocked: the provider refuses requests from this server's country"
