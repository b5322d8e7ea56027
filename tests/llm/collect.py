"""Drain a stream into (text, events, error) so tests can assert partial output before errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from hearth.llm.errors import LLMError
from hearth.llm.types import StreamEnd, TextDelta


@dataclass
class Drained:
    events: list[object] = field(default_factory=list)
    error: LLMError | None = None

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, TextDelta))

    @property
    def end(self) -> StreamEnd:
        last = self.events[-1]
        assert isinstance(last, StreamEnd), f"stream did not end with StreamEnd: {self.events}"
        return last


async def drain(events: AsyncIterator[object]) -> Drained:
    drained = Drained()
    try:
        async for event in events:
            drained.events.append(event)
    except LLMError as exc:
        drained.error = exc
    return drained
