"""LLM gateway: providers, fallback, prices and token estimates. Imports no provider SDK."""

from hearth.llm.errors import (
    AuthError,
    BadRequest,
    ContentFiltered,
    LLMError,
    QuotaExceeded,
    RateLimited,
    Timeout,
    Unavailable,
    UnknownModel,
)
from hearth.llm.types import (
    ChatMessage,
    Completion,
    GenerationParams,
    ModelInfo,
    StreamEnd,
    StreamStart,
    TextDelta,
    Usage,
)

__all__ = [
    "AuthError",
    "BadRequest",
    "ChatMessage",
    "Completion",
    "ContentFiltered",
    "GenerationParams",
    "LLMError",
    "ModelInfo",
    "QuotaExceeded",
    "RateLimited",
    "StreamEnd",
    "StreamStart",
    "TextDelta",
    "Timeout",
    "Unavailable",
    "UnknownModel",
    "Usage",
]
