"""Build the limits of one running app: the quota hook the chat engine calls."""

from __future__ import annotations

from typing import Any

from hearth.config import Settings
from hearth.core.db import Database
from hearth.limits.counters import DatabaseCounters, RedisCounters, UnitCounters
from hearth.limits.hook import QuotaHook


def build_counters(settings: Settings, redis: Any) -> UnitCounters:
    """Redis when configured (shared by every worker), else the database."""
    if redis is not None:
        return RedisCounters(redis, settings.redis_prefix)
    return DatabaseCounters()


def start_quota(state: Any, settings: Settings, database: Database, redis: Any) -> QuotaHook:
    """The real usage hook; prices come from whatever gateway `state.llm` is at call time."""
    hook = QuotaHook(
        settings,
        database,
        build_counters(settings, redis),
        price_of=lambda model_id: state.llm.price(model_id),
    )
    state.usage_hook = hook
    state.quota_counters = hook.counters
    return hook
