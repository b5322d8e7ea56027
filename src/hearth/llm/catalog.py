"""Known models: context length and list prices (USD per 1M tokens), overridable by settings.

Prices change; the table is a starting point that `HEARTH_MODEL_OVERRIDES` corrects without a
release. Unknown models of a configured provider get conservative defaults, never a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from hearth.llm.settings import ModelOverride
from hearth.llm.types import ModelInfo


@dataclass(frozen=True, slots=True)
class ModelSpec:
    label: str
    context_length: int
    input_price: float
    output_price: float


UNKNOWN = ModelSpec(label="", context_length=8192, input_price=0.0, output_price=0.0)

KNOWN_MODELS: dict[str, dict[str, ModelSpec]] = {
    "openai": {
        "gpt-4o-mini": ModelSpec("GPT-4o mini", 128_000, 0.15, 0.60),
        "gpt-4o": ModelSpec("GPT-4o", 128_000, 2.50, 10.00),
        "gpt-4.1-mini": ModelSpec("GPT-4.1 mini", 1_047_576, 0.40, 1.60),
        "gpt-4.1": ModelSpec("GPT-4.1", 1_047_576, 2.00, 8.00),
        "gpt-5-mini": ModelSpec("GPT-5 mini", 400_000, 0.25, 2.00),
        "gpt-5": ModelSpec("GPT-5", 400_000, 1.25, 10.00),
    },
    # Names the installed anthropic SDK does not flag as deprecated; 4.6 prices assumed
    # equal to their 4.5 predecessors' until an operator overrides them.
    "anthropic": {
        "claude-haiku-4-5": ModelSpec("Claude Haiku 4.5", 200_000, 1.00, 5.00),
        "claude-sonnet-4-6": ModelSpec("Claude Sonnet 4.6", 200_000, 3.00, 15.00),
        "claude-opus-4-6": ModelSpec("Claude Opus 4.6", 200_000, 5.00, 25.00),
    },
    "gemini": {
        "gemini-2.5-flash": ModelSpec("Gemini 2.5 Flash", 1_048_576, 0.30, 2.50),
        "gemini-2.0-flash": ModelSpec("Gemini 2.0 Flash", 1_048_576, 0.10, 0.40),
        "gemini-2.5-pro": ModelSpec("Gemini 2.5 Pro", 1_048_576, 1.25, 10.00),
    },
    "openrouter": {
        "openai/gpt-4o-mini": ModelSpec("GPT-4o mini (OpenRouter)", 128_000, 0.15, 0.60),
        "anthropic/claude-3.5-haiku": ModelSpec(
            "Claude 3.5 Haiku (OpenRouter)", 200_000, 0.80, 4.00
        ),
        "google/gemini-2.0-flash-exp:free": ModelSpec(
            "Gemini 2.0 Flash, free (OpenRouter)", 1_048_576, 0.0, 0.0
        ),
        "meta-llama/llama-3.3-70b-instruct": ModelSpec(
            "Llama 3.3 70B (OpenRouter)", 131_072, 0.13, 0.40
        ),
    },
    # Yandex bills in roubles per 1000 tokens; these are rough USD equivalents per 1M.
    "yandex": {
        "yandexgpt-lite": ModelSpec("YandexGPT Lite", 32_768, 2.00, 2.00),
        "yandexgpt": ModelSpec("YandexGPT Pro", 32_768, 12.00, 12.00),
    },
}

# The model a provider serves when the operator names none.
DEFAULT_MODELS: dict[str, str] = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-haiku-4-5",
    "gemini": "gemini-2.5-flash",
    "openrouter": "openai/gpt-4o-mini",
    "yandex": "yandexgpt-lite",
    "local": "default",
    "demo": "demo",
}

DEMO_SPEC = ModelSpec("Demo (offline, not a real AI)", 8192, 0.0, 0.0)


class Catalog:
    """Looks up model facts by `provider kind` and model name, applying overrides by id."""

    def __init__(self, overrides: Mapping[str, ModelOverride] | None = None) -> None:
        self._overrides = dict(overrides or {})

    def spec(self, kind: str, model_id: str) -> ModelSpec:
        model = model_id.split("/", 1)[1] if "/" in model_id else model_id
        if kind == "demo":
            base = DEMO_SPEC
        else:
            base = KNOWN_MODELS.get(kind, {}).get(model) or replace(UNKNOWN, label=model)
        override = self._overrides.get(model_id)
        if override is None:
            return base
        return ModelSpec(
            label=base.label,
            context_length=override.context_length or base.context_length,
            input_price=base.input_price if override.input_price is None else override.input_price,
            output_price=(
                base.output_price if override.output_price is None else override.output_price
            ),
        )

    def known(self, kind: str) -> list[str]:
        return list(KNOWN_MODELS.get(kind, {}))

    def info(self, kind: str, provider: str, model: str) -> ModelInfo:
        """A model as `provider` (a configured name of this kind) serves it."""
        spec = self.spec(kind, f"{provider}/{model}")
        return ModelInfo(
            id=f"{provider}/{model}",
            provider=provider,
            label=spec.label or model,
            context_length=spec.context_length,
            input_price=spec.input_price,
            output_price=spec.output_price,
        )
