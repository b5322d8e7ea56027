"""Drain a stream into (text, events, error) so tests can assert partial output before errors."""

from __future__ import annotations

import threading
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


async def drain(
    events: AsyncIterator[object], *, once_read: tuple[str, threading.Event] | None = None
) -> Drained:
    """`once_read=(text, signal)` sets `signal` when the text read so far is `text`: a fake
    scripted with `cut_when=signal` then cuts the connection after the client has it."""
    drained = Drained()
    try:
        async for event in events:
            drained.events.append(event)
            if once_read is not None and drained.text == once_read[0]:
                once_read[1].set()
    except LLMError as exc:
        drained.error = exc
    return drained
