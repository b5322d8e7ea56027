"""LLM settings, read from the environment next to `hearth.config.Settings`."""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _env(name: str, field_name: str) -> AliasChoices:
    # The env var spelling is fixed by the docs; the field name keeps Python calls readable.
    return AliasChoices(name, field_name)


class ModelOverride(BaseModel):
    context_length: int | None = Field(default=None, ge=256)
    input_price: float | None = Field(default=None, ge=0)
    output_price: float | None = Field(default=None, ge=0)


class LLMSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    openai_api_key: SecretStr | None = Field(
        None, validation_alias=_env("OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=_env("OPENAI_BASE_URL", "openai_base_url")
    )
    openrouter_api_key: SecretStr | None = Field(
        None, validation_alias=_env("OPENROUTER_API_KEY", "openrouter_api_key")
    )
    openrouter_base_url: str | None = Field(
        None, validation_alias=_env("OPENROUTER_BASE_URL", "openrouter_base_url")
    )
    openrouter_referer: str | None = Field(
        None, validation_alias=_env("HEARTH_OPENROUTER_REFERER", "openrouter_referer")
    )
    openrouter_title: str = Field(
        "Hearth", validation_alias=_env("HEARTH_OPENROUTER_TITLE", "openrouter_title")
    )
    anthropic_api_key: SecretStr | None = Field(
        None, validation_alias=_env("ANTHROPIC_API_KEY", "anthropic_api_key")
    )
    anthropic_base_url: str | None = Field(
        None, validation_alias=_env("ANTHROPIC_BASE_URL", "anthropic_base_url")
    )
    gemini_api_key: SecretStr | None = Field(
        None, validation_alias=_env("GEMINI_API_KEY", "gemini_api_key")
    )
    gemini_base_url: str | None = Field(
        None, validation_alias=_env("GEMINI_BASE_URL", "gemini_base_url")
    )
    yandex_api_key: SecretStr | None = Field(
        None, validation_alias=_env("YANDEX_API_KEY", "yandex_api_key")
    )
    yandex_folder_id: str | None = Field(
        None, validation_alias=_env("YANDEX_FOLDER_ID", "yandex_folder_id")
    )
    yandex_base_url: str | None = Field(
        None, validation_alias=_env("YANDEX_BASE_URL", "yandex_base_url")
    )
    local_base_url: str | None = Field(
        None, validation_alias=_env("HEARTH_LOCAL_LLM_BASE_URL", "local_base_url")
    )
    local_api_key: SecretStr | None = Field(
        None, validation_alias=_env("HEARTH_LOCAL_LLM_API_KEY", "local_api_key")
    )
    # Local servers name models freely; this one is used when no default model is set.
    local_model: str | None = Field(
        None, validation_alias=_env("HEARTH_LOCAL_LLM_MODEL", "local_model")
    )

    default_model: str | None = Field(
        None, validation_alias=_env("HEARTH_DEFAULT_MODEL", "default_model")
    )
    fallback_models: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=_env("HEARTH_FALLBACK_MODELS", "fallback_models")
    )
    proxy: str | None = Field(None, validation_alias=_env("HEARTH_LLM_PROXY", "proxy"))
    timeout_seconds: float = Field(
        60.0, gt=0, validation_alias=_env("HEARTH_LLM_TIMEOUT_SECONDS", "timeout_seconds")
    )
    demo_delay_ms: int = Field(
        45, ge=0, validation_alias=_env("HEARTH_DEMO_DELAY_MS", "demo_delay_ms")
    )
    model_overrides: dict[str, ModelOverride] = Field(
        default_factory=dict, validation_alias=_env("HEARTH_MODEL_OVERRIDES", "model_overrides")
    )

    @field_validator("fallback_models", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator(
        "openai_base_url",
        "openrouter_base_url",
        "anthropic_base_url",
        "gemini_base_url",
        "yandex_base_url",
        "local_base_url",
        "proxy",
        "default_model",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value
