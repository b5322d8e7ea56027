"""Typed dependencies of limits: the quota counters, the clock, and rate limits on routes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, cast

from fastapi import Depends, Request

from hearth.auth.deps import CurrentUser
from hearth.core.clock import utcnow
from hearth.core.deps import LimiterDep, SettingsDep, client_ip
from hearth.core.errors import TooManyRequests
from hearth.limits.counters import DatabaseCounters, UnitCounters


async def get_counters(request: Request) -> UnitCounters:
    counters = getattr(request.app.state, "quota_counters", None)
    return cast(UnitCounters, counters) if counters is not None else DatabaseCounters()


async def get_clock(request: Request) -> Callable[[], datetime]:
    hook = getattr(request.app.state, "usage_hook", None)
    return cast(Callable[[], datetime], getattr(hook, "clock", utcnow))


CountersDep = Annotated[UnitCounters, Depends(get_counters)]
ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]


async def limit_sends(
    request: Request, user: CurrentUser, limiter: LimiterDep, settings: SettingsDep
) -> None:
    """Sends, regenerations and continuations: per user and per client address (429 with
    Retry-After). The address is looked at first: a send it refuses must not count against
    the user's own limit (many users may share an address)."""
    address = client_ip(request)
    crowded = await limiter.check(settings.send_ip_rate, "send-ip", address)
    if not crowded.allowed:
        raise TooManyRequests(crowded.retry_after)
    await limiter.enforce(settings.send_rate, "send-user", str(user.id))
    await limiter.enforce(settings.send_ip_rate, "send-ip", address)


async def limit_uploads(
    request: Request, user: CurrentUser, limiter: LimiterDep, settings: SettingsDep
) -> None:
    """File uploads (avatars, card imports): per user and per client address."""
    await limiter.enforce(settings.upload_rate, "upload-user", str(user.id))
    await limiter.enforce(settings.upload_rate, "upload-ip", client_ip(request))


# Use as `dependencies=[SendRateLimit]` on a route.
SendRateLimit = Depends(limit_sends)
UploadRateLimit = Depends(limit_uploads)
