"""Which providers exist: described by `ProviderConfig` (from env or the database), built lazily."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import SecretStr

from hearth.llm.base import Provider
from hearth.llm.catalog import Catalog
from hearth.llm.settings import LLMSettings

ProviderKind = Literal["openai", "openrouter", "anthropic", "gemini", "yandex", "local", "demo"]
PROVIDER_KINDS: tuple[ProviderKind, ...] = (
    "openai",
    "openrouter",
    "anthropic",
    "gemini",
    "yandex",
    "local",
    "demo",
)
OPENAI_COMPATIBLE = {"openai", "openrouter", "yandex", "local"}


@dataclass(frozen=True)
class ProviderConfig:
    """One provider endpoint. `name` is the prefix of its model ids (`name/model`)."""

    name: str
    kind: ProviderKind
    base_url: str | None = None
    api_key: SecretStr | None = field(default=None, repr=False)
    # folder_id (yandex), headers (extra HTTP headers), default_model, api_version (gemini)
    extra: Mapping[str, object] = field(default_factory=dict)
    source: Literal["env", "database"] = "env"

    @property
    def default_model(self) -> str | None:
        value = self.extra.get("default_model")
        return str(value) if value else None

    def key(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None


def _secret(value: SecretStr | None) -> SecretStr | None:
    return value if value is not None and value.get_secret_value().strip() else None


def configs_from_settings(settings: LLMSettings) -> list[ProviderConfig]:
    """Env-configured providers, in the order their defaults are preferred."""
    configs: list[ProviderConfig] = []
    if key := _secret(settings.openai_api_key):
        configs.append(ProviderConfig("openai", "openai", settings.openai_base_url, key))
    if key := _secret(settings.anthropic_api_key):
        configs.append(ProviderConfig("anthropic", "anthropic", settings.anthropic_base_url, key))
    if key := _secret(settings.gemini_api_key):
        configs.append(ProviderConfig("gemini", "gemini", settings.gemini_base_url, key))
    if key := _secret(settings.openrouter_api_key):
        headers = {"X-Title": settings.openrouter_title}
        if settings.openrouter_referer:
            headers["HTTP-Referer"] = settings.openrouter_referer
        configs.append(
            ProviderConfig(
                "openrouter", "openrouter", settings.openrouter_base_url, key, {"headers": headers}
            )
        )
    if (key := _secret(settings.yandex_api_key)) and settings.yandex_folder_id:
        configs.append(
            ProviderConfig(
                "yandex",
                "yandex",
                settings.yandex_base_url,
                key,
                {"folder_id": settings.yandex_folder_id},
            )
        )
    if settings.local_base_url:
        extra = {"default_model": settings.local_model} if settings.local_model else {}
        configs.append(
            ProviderConfig(
                "local", "local", settings.local_base_url, _secret(settings.local_api_key), extra
            )
        )
    return configs


def build_provider(
    config: ProviderConfig,
    *,
    catalog: Catalog,
    proxy: str | None,
    timeout: float,
    demo_delay: float = 0.045,
) -> Provider:
    """The adapter for `config`; its SDK is imported on first use, not here."""
    if config.kind in OPENAI_COMPATIBLE:
        from hearth.llm.adapters.openai_compat import OpenAICompatProvider

        headers = config.extra.get("headers")
        folder = config.extra.get("folder_id")
        return OpenAICompatProvider(
            name=config.name,
            kind=config.kind,
            base_url=config.base_url,
            api_key=config.key(),
            catalog=catalog,
            proxy=proxy,
            timeout=timeout,
            headers={str(k): str(v) for k, v in headers.items()}
            if isinstance(headers, Mapping)
            else None,
            folder_id=str(folder) if folder else None,
        )
    if config.kind == "anthropic":
        from hearth.llm.adapters.anthropic import AnthropicProvider

        return AnthropicProvider(
            name=config.name,
            api_key=config.key(),
            base_url=config.base_url,
            catalog=catalog,
            proxy=proxy,
            timeout=timeout,
        )
    if config.kind == "gemini":
        from hearth.llm.adapters.gemini import GeminiProvider

        version = config.extra.get("api_version")
        return GeminiProvider(
            name=config.name,
            api_key=config.key(),
            base_url=config.base_url,
            catalog=catalog,
            proxy=proxy,
            timeout=timeout,
            api_version=str(version) if version else None,
        )
    if config.kind == "demo":
        from hearth.llm.adapters.demo import DemoProvider

        return DemoProvider(delay_seconds=demo_delay)
    raise ValueError(f"unknown provider kind {config.kind!r}")
