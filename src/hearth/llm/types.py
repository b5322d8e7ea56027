"""Plain values the gateway speaks: messages, parameters, stream events, model facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class GenerationParams:
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    # Free-form hints (character_name, greeting, example_dialogue, user_name). Only the
    # offline demo provider reads them; real providers see the prompt alone.
    hints: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class StreamEnd:
    usage: Usage
    finish_reason: str
    # True when the provider did not report usage and the numbers are our estimate.
    usage_estimated: bool = False


@dataclass(frozen=True, slots=True)
class StreamStart:
    """First event of a gateway stream: which model actually serves this request."""

    provider: str
    model: str

    @property
    def model_id(self) -> str:
        return f"{self.provider}/{self.model}"


ProviderEvent = TextDelta | StreamEnd
GatewayEvent = StreamStart | TextDelta | StreamEnd


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    usage: Usage
    finish_reason: str
    # "provider/model" that produced the text; set by the gateway.
    model_id: str | None = None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: str
    provider: str
    label: str
    context_length: int
    input_price: float
    output_price: float
    available: bool = True
    is_demo: bool = False

    @property
    def model(self) -> str:
        return self.id.split("/", 1)[1]


def split_model_id(model_id: str) -> tuple[str, str]:
    """`"openrouter/google/gemma:free"` → `("openrouter", "google/gemma:free")`."""
    provider, sep, model = model_id.partition("/")
    if not sep or not provider or not model:
        raise ValueError(f"model id must look like 'provider/model', got {model_id!r}")
    return provider, model
