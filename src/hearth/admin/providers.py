"""Administering LLM providers: keys stored encrypted (never returned), checks, default and
fallback models. Changes apply to this worker's gateway at once; other workers pick stored
providers and model choices up at their next start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.admin import audit
from hearth.admin.models import RuntimeSetting
from hearth.config import Settings
from hearth.core.db import Database
from hearth.core.errors import Conflict, NotFound, ValidationFailed
from hearth.llm.check import ProviderCheck, check_provider, check_providers, disabled_checks
from hearth.llm.gateway import LLMGateway
from hearth.llm.models import LLMProviderRecord
from hearth.llm.secret_box import SecretBox
from hearth.llm.store import (
    InvalidProviderConfig,
    delete_provider,
    load_stored_providers,
    save_provider,
)
from hearth.users.models import User

MODELS_KEY = "llm.models"
CHECK_SECONDS = 20.0
_UNSET: Any = object()


@dataclass
class ProviderRow:
    name: str
    kind: str
    source: str
    base_url: str | None
    enabled: bool
    has_key: bool
    default_model: str | None
    folder_id: str | None
    circuit: str


def _folder_id(kind: str, extra: Mapping[str, object] | None) -> str | None:
    value = (extra or {}).get("folder_id") if kind == "yandex" else None
    return str(value) if value else None


def list_providers(gateway: LLMGateway, stored: list[LLMProviderRecord]) -> list[ProviderRow]:
    """Every provider the gateway serves, and stored ones that are disabled; never a key."""
    rows: dict[str, ProviderRow] = {}
    for config in gateway.provider_configs:
        rows[config.name] = ProviderRow(
            name=config.name,
            kind=config.kind,
            source=config.source,
            base_url=config.base_url,
            enabled=True,
            has_key=config.api_key is not None,
            default_model=config.default_model,
            folder_id=_folder_id(config.kind, config.extra),
            circuit=gateway.breaker.state(config.name),
        )
    for record in stored:
        if record.name not in rows or not record.enabled:
            rows[record.name] = ProviderRow(
                name=record.name,
                kind=record.kind,
                source="database",
                base_url=record.base_url,
                enabled=record.enabled,
                has_key=record.api_key_encrypted is not None,
                default_model=str((record.extra or {}).get("default_model") or "") or None,
                folder_id=_folder_id(record.kind, record.extra),
                circuit=gateway.breaker.state(record.name),
            )
    return sorted(rows.values(), key=lambda r: r.name)


async def stored_records(db: AsyncSession) -> list[LLMProviderRecord]:
    return list(
        (
            await db.scalars(select(LLMProviderRecord).order_by(LLMProviderRecord.name).limit(200))
        ).all()
    )


def _public(record: LLMProviderRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "kind": record.kind,
        "base_url": record.base_url,
        "enabled": record.enabled,
        "has_key": record.api_key_encrypted is not None,
        "extra": dict(record.extra or {}),
    }


async def save(
    db: AsyncSession,
    settings: Settings,
    gateway: LLMGateway,
    actor: User,
    *,
    name: str,
    kind: str | None,
    base_url: str | None = None,
    api_key: Any = _UNSET,
    extra: dict[str, Any] | None = None,
    folder_id: str | None = None,
    enabled: bool | None = None,
    creating: bool,
) -> LLMProviderRecord:
    """Create or change a stored provider. `folder_id` (YandexGPT) lands in its `extra`;
    left out, the stored one (or the one in `extra`) stays."""
    existing = await db.scalar(select(LLMProviderRecord).where(LLMProviderRecord.name == name))
    if not creating and existing is None:
        raise NotFound("No such stored provider.", code="provider_not_found")
    if creating and existing is not None:
        # Creating over a stored provider would replace its address and drop its key;
        # changes go through an explicit edit.
        raise Conflict("A provider with this name exists.", code="provider_exists")
    before = _public(existing)
    box = SecretBox(settings.resolved_secret_key)
    kind = kind or (existing.kind if existing else "")
    if extra is None:
        extra = dict(existing.extra or {}) if existing else {}
    extra = _with_folder(kind, extra, folder_id)
    kwargs: dict[str, Any] = {}
    if api_key is not _UNSET:
        kwargs["api_key"] = api_key
    try:
        record = await save_provider(
            db,
            box,
            name=name,
            kind=kind,
            base_url=base_url
            if base_url is not None
            else (existing.base_url if existing else None),
            extra=extra,
            enabled=enabled if enabled is not None else (existing.enabled if existing else True),
            **kwargs,
        )
    except InvalidProviderConfig as exc:
        raise ValidationFailed.field("provider", str(exc)) from None
    await load_stored_providers(db, gateway, box)
    after = _public(record)
    if after is not None and "api_key" in kwargs:
        after["key_changed"] = True
    await audit.record(
        db,
        actor,
        "provider.create" if existing is None else "provider.update",
        "provider",
        name,
        before=before,
        after=after,
    )
    return record


def _with_folder(kind: str, extra: dict[str, Any], folder_id: str | None) -> dict[str, Any]:
    """`extra` with the folder id a YandexGPT provider cannot work without (its requests
    carry it as a header and in every model URI), checked here so the form can say which
    field is missing."""
    if folder_id is not None:
        if kind != "yandex":
            raise ValidationFailed.field("folder_id", "Only a YandexGPT provider has a folder id.")
        extra = {**extra, "folder_id": folder_id}
    if kind == "yandex" and not extra.get("folder_id"):
        raise ValidationFailed.field(
            "folder_id",
            "A YandexGPT provider needs the id of the Yandex Cloud folder its key belongs to.",
            code="provider_folder_id_required",
        )
    return extra


async def remove(
    db: AsyncSession, settings: Settings, gateway: LLMGateway, actor: User, name: str
) -> None:
    record = await db.scalar(select(LLMProviderRecord).where(LLMProviderRecord.name == name))
    if record is None:
        raise NotFound("No such stored provider.", code="provider_not_found")
    before = _public(record)
    await delete_provider(db, name)
    await load_stored_providers(db, gateway, SecretBox(settings.resolved_secret_key))
    await audit.record(db, actor, "provider.delete", "provider", name, before=before, after=None)


async def run_checks(
    gateway: LLMGateway, stored: list[LLMProviderRecord], name: str | None = None
) -> list[ProviderCheck]:
    """Probe the providers the gateway serves; stored ones an administrator disabled are
    listed as such and not contacted (as `hearth llm check` does)."""
    disabled = disabled_checks(gateway, stored)
    if name is None:
        return [*await check_providers(gateway, wait_seconds=CHECK_SECONDS), *disabled]
    if gateway.provider_config(name) is not None:
        return [await check_provider(gateway, name, wait_seconds=CHECK_SECONDS)]
    found = [c for c in disabled if c.provider == name]
    if not found:
        raise NotFound("No such provider.", code="provider_not_found")
    return found


def current_models(gateway: LLMGateway) -> dict[str, Any]:
    return {
        "default_model": gateway.default_model,
        "configured_default_model": gateway.settings.default_model,
        "fallback_models": list(gateway.settings.fallback_models),
    }


def _apply_models(gateway: LLMGateway, value: dict[str, Any]) -> None:
    if "default_model" in value:
        gateway.settings.default_model = value["default_model"] or None
    if "fallback_models" in value:
        gateway.settings.fallback_models = list(value["fallback_models"] or [])


async def set_models(
    db: AsyncSession,
    gateway: LLMGateway,
    actor: User,
    *,
    default_model: str | None,
    fallback_models: list[str],
) -> dict[str, Any]:
    for model_id in [m for m in [default_model, *fallback_models] if m]:
        provider, sep, model = model_id.partition("/")
        if not sep or not model or gateway.provider_config(provider) is None:
            raise ValidationFailed.field(
                "default_model", f"{model_id!r} is not a model of a configured provider."
            )
    before = current_models(gateway)
    value = {"default_model": default_model, "fallback_models": fallback_models}
    row = await db.get(RuntimeSetting, MODELS_KEY)
    if row is None:
        db.add(RuntimeSetting(key=MODELS_KEY, value=value))
    else:
        row.value = value
    await db.flush()
    _apply_models(gateway, value)
    after = current_models(gateway)
    await audit.record(
        db, actor, "provider.models", "settings", MODELS_KEY, before=before, after=after
    )
    return after


async def apply_runtime_settings(database: Database, gateway: LLMGateway) -> None:
    """At start-up: the model choices admins saved win over the environment's."""
    async with database.sessionmaker() as session:
        row = await session.get(RuntimeSetting, MODELS_KEY)
    if row is not None and isinstance(row.value, dict):
        _apply_models(gateway, row.value)
