"""How long to wait before retrying the same provider, if at all (only before the first token)."""

from __future__ import annotations

from dataclasses import dataclass

from hearth.llm.errors import LLMError, RateLimited


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 2  # per provider, for transient errors
    base_delay: float = 0.5
    max_delay: float = 4.0  # a longer Retry-After means: go to the next provider instead

    def delay(self, error: LLMError, attempt: int) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None to stop retrying."""
        if not error.transient or attempt >= self.attempts:
            return None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_delay else None
        return min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
