"""HTTP shapes of the LLM routes."""

from __future__ import annotations

from pydantic import BaseModel

from hearth.llm.types import ModelInfo


class ModelOut(BaseModel):
    id: str
    provider: str
    label: str
    context_length: int
    input_price: float  # USD per 1M input tokens
    output_price: float  # USD per 1M output tokens
    available: bool
    is_demo: bool

    @classmethod
    def of(cls, info: ModelInfo) -> ModelOut:
        return cls(
            id=info.id,
            provider=info.provider,
            label=info.label,
            context_length=info.context_length,
            input_price=info.input_price,
            output_price=info.output_price,
            available=info.available,
            is_demo=info.is_demo,
        )
