"""The one protocol every provider adapter implements."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol, runtime_checkable

from hearth.llm.types import (
    ChatMessage,
    Completion,
    GenerationParams,
    ModelInfo,
    ProviderEvent,
    StreamEnd,
    TextDelta,
)


@runtime_checkable
class Provider(Protocol):
    """A configured provider: `name` is the first part of its model ids."""

    name: str

    def stream(
        self, messages: Sequence[ChatMessage], *, model: str, params: GenerationParams
    ) -> AsyncIterator[ProviderEvent]:
        """Yield text deltas, then exactly one `StreamEnd`; raise `LLMError` subclasses."""
        ...

    async def complete(
        self, messages: Sequence[ChatMessage], *, model: str, params: GenerationParams
    ) -> Completion: ...

    async def list_models(self) -> list[ModelInfo]:
        """Models this provider offers; may ask the server. Raises `LLMError` on failure."""
        ...

    async def warm_up(self) -> None:
        """Build the SDK client off the event loop, before the first request needs it."""
        ...

    async def aclose(self) -> None: ...


async def collect(events: AsyncIterator[ProviderEvent]) -> Completion:
    """Drain a provider stream into one `Completion`."""
    parts: list[str] = []
    async for event in events:
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, StreamEnd):
            return Completion("".join(parts), event.usage, event.finish_reason)
    raise RuntimeError("provider stream ended without StreamEnd")
