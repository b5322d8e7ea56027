"""The seam for quotas and billing (issue 7): reserve before the LLM call, settle after.

The chat engine calls `reserve` before it commits anything for a generation (raising there,
e.g. `TooManyRequests`, refuses the turn cleanly), then exactly one of `settle_all` (with
the other replies that ended at the same time; the provider reported usage, `cost` in USD)
or `release` (nothing billable happened). The default hook allows everything; the limits
domain replaces `app.state.usage_hook`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from hearth.llm.types import Usage


@dataclass(frozen=True)
class UsageRequest:
    user_id: uuid.UUID
    chat_id: uuid.UUID | None  # None: not for a chat (a character drafted from a story)
    model_id: str
    # Prompt tokens (estimated) plus the reply reserve: the most this turn can consume.
    estimated_tokens: int
    # The request's open transaction, when there is one: a hook that stores its holds in the
    # database must use it (on SQLite a second writer would wait for this one to commit).
    session: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Settlement:
    """What one reply used, for the reservation `reserve` returned before it."""

    reservation: object
    usage: Usage
    cost: float = 0.0
    message_id: uuid.UUID | None = None
    provider: str | None = None
    model_id: str | None = None


class UsageHook(Protocol):
    async def reserve(self, request: UsageRequest) -> object:
        """Hold units for this turn; the returned token goes back to settle_all/release."""

    async def settle_all(self, settlements: Sequence[Settlement], *, session: Any = None) -> None:
        """Charge what each reply actually used (may be less or more than reserved).

        With `session` (the engine's end-of-reply transaction), write there and do not
        commit: the charges land with the stored replies, in one transaction. Replies that
        end together are settled together, so their charges cost a few statements, not a
        few per reply, while that transaction holds SQLite's write lock."""

    async def release(self, reservation: object, *, session: Any = None) -> None:
        """Give the held units back: the turn produced nothing billable."""


class NoQuota:
    """The default: no limits, nothing recorded."""

    async def reserve(self, request: UsageRequest) -> object:
        return request

    async def settle_all(self, settlements: Sequence[Settlement], *, session: Any = None) -> None:
        return None

    async def release(self, reservation: object, *, session: Any = None) -> None:
        return None


@dataclass
class Spend:
    """What the LLM calls of one request used (see `charged`)."""

    usage: Usage = field(default_factory=lambda: Usage(0, 0))
    cost: float = 0.0
    model_id: str | None = None

    def add(self, usage: Usage, cost: float, model_id: str | None) -> None:
        self.usage = Usage(
            self.usage.prompt_tokens + usage.prompt_tokens,
            self.usage.completion_tokens + usage.completion_tokens,
        )
        self.cost += cost
        self.model_id = model_id or self.model_id


@asynccontextmanager
async def charged(hook: UsageHook, request: UsageRequest) -> AsyncIterator[Spend]:
    """Hold units for the LLM calls a request makes outside a chat reply (impersonate, a
    character drafted from a story), then charge what they used, however the request ends:
    a failure or a bug after a call still pays for it, and with nothing used the hold goes
    back (held, it would stay out of the user's allowance until the day ends)."""
    reservation = await hook.reserve(request)
    spend = Spend()
    try:
        yield spend
    finally:
        if spend.usage.total_tokens:
            settlement = Settlement(reservation, spend.usage, spend.cost, model_id=spend.model_id)
            await hook.settle_all([settlement])
        else:
            await hook.release(reservation)
