"""Stored provider configs: save them (keys encrypted), load them into the gateway.

The admin endpoints (a later issue) call `save_provider`/`delete_provider`; the app lifespan
calls `load_stored_providers` so stored providers join the env ones (a stored provider with
an env provider's name replaces it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, cast

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.llm.gateway import LLMGateway
from hearth.llm.models import LLMProviderRecord
from hearth.llm.registry import PROVIDER_KINDS, ProviderConfig, ProviderKind
from hearth.llm.secret_box import SecretBox, SecretUnreadable

log = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
STORABLE_KINDS = tuple(k for k in PROVIDER_KINDS if k != "demo")
_UNSET: Any = object()


class InvalidProviderConfig(ValueError):
    pass


async def save_provider(
    session: AsyncSession,
    box: SecretBox,
    *,
    name: str,
    kind: str,
    base_url: str | None = None,
    api_key: str | None = _UNSET,
    extra: Mapping[str, Any] | None = None,
    enabled: bool = True,
) -> LLMProviderRecord:
    """Create or update the provider `name`. Leaving `api_key` out keeps the stored one."""
    if not NAME_PATTERN.match(name) or name == "demo":
        raise InvalidProviderConfig("name must be 1-32 of a-z, 0-9, '_' or '-', and not 'demo'")
    if kind not in STORABLE_KINDS:
        raise InvalidProviderConfig(f"kind must be one of {', '.join(STORABLE_KINDS)}")
    if kind == "local" and not base_url:
        raise InvalidProviderConfig("a local provider needs a base URL")
    if kind == "yandex" and not (extra or {}).get("folder_id"):
        raise InvalidProviderConfig("a yandex provider needs extra.folder_id")
    record = await session.scalar(select(LLMProviderRecord).where(LLMProviderRecord.name == name))
    if record is None:
        record = LLMProviderRecord(name=name, api_key_encrypted=None)
        session.add(record)
    record.kind = kind
    record.base_url = base_url or None
    record.extra = dict(extra or {})
    record.enabled = enabled
    if api_key is not _UNSET:
        record.api_key_encrypted = box.encrypt(api_key) if api_key else None
    await session.flush()
    return record


async def delete_provider(session: AsyncSession, name: str) -> bool:
    record = await session.scalar(select(LLMProviderRecord).where(LLMProviderRecord.name == name))
    if record is None:
        return False
    await session.delete(record)
    await session.flush()
    return True


async def stored_provider_configs(session: AsyncSession, box: SecretBox) -> list[ProviderConfig]:
    """Enabled stored providers, keys decrypted into `SecretStr` (a bad key skips the row)."""
    rows = await session.scalars(
        select(LLMProviderRecord)
        .where(LLMProviderRecord.enabled.is_(True))
        .order_by(LLMProviderRecord.created_at)
    )
    configs = []
    for row in rows:
        try:
            key = box.decrypt(row.api_key_encrypted) if row.api_key_encrypted else None
        except SecretUnreadable:
            log.error(
                "llm.stored_key_unreadable provider=%s (was the app secret changed?)", row.name
            )
            continue
        configs.append(
            ProviderConfig(
                name=row.name,
                kind=cast(ProviderKind, row.kind),
                base_url=row.base_url,
                api_key=SecretStr(key) if key else None,
                extra=dict(row.extra or {}),
                source="database",
            )
        )
    return configs


async def load_stored_providers(session: AsyncSession, gateway: LLMGateway, box: SecretBox) -> int:
    """Add (or refresh) every enabled stored provider in `gateway`; returns how many."""
    configs = await stored_provider_configs(session, box)
    stored_names = {c.name for c in configs}
    for config in gateway.provider_configs:
        if config.source == "database" and config.name not in stored_names:
            gateway.remove_provider(config.name)  # disabled or deleted since the last load
    for config in configs:
        gateway.add_provider(config)
    return len(configs)
