"""HTTP status → typed error, shared by the adapters; each adds its provider's quirks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from time import time

from hearth.llm.errors import (
    CONNECT_FAILED,
    REGION_BLOCKED,
    AuthError,
    BadRequest,
    LLMError,
    QuotaExceeded,
    RateLimited,
    Timeout,
    Unavailable,
)

_REGION_WORDS = re.compile(
    r"region|country|location|territor|unsupported_country|not available in your", re.I
)
_QUOTA_WORDS = re.compile(r"insufficient_quota|credit balance|billing|out of credits", re.I)


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (delta or HTTP date), if present."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time())
    except (TypeError, ValueError):
        return None


def from_status(
    status: int,
    message: str,
    provider: str,
    *,
    headers: Mapping[str, str] | None = None,
    quota_hint: bool = False,
) -> LLMError:
    """The typed error for an HTTP failure; `message` must already be scrubbed of keys."""
    text = f"HTTP {status}: {message}"
    if status == 429:
        if quota_hint or _QUOTA_WORDS.search(message):
            return QuotaExceeded(text, provider)
        return RateLimited(text, provider, retry_after=retry_after_seconds(headers))
    if status == 402 or (status == 400 and _QUOTA_WORDS.search(message)):
        return QuotaExceeded(text, provider)
    if status in (401, 403):
        if status == 403 and _REGION_WORDS.search(message):
            return AuthError(text, provider, explanation=REGION_BLOCKED)
        if status == 403:
            return AuthError(text, provider, explanation="key has no access to this model")
        return AuthError(text, provider)
    if status in (408, 504):
        return Timeout(text, provider)
    if status >= 500:
        return Unavailable(text, provider)
    if status == 404:
        return BadRequest(
            text, provider, explanation="model or endpoint not found at this base URL"
        )
    return BadRequest(text, provider)


def connection_failed(provider: str, detail: str = "connection failed") -> Unavailable:
    return Unavailable(detail, provider, explanation=CONNECT_FAILED)


def timed_out(provider: str, detail: str = "no answer in time") -> Timeout:
    return Timeout(detail, provider)
