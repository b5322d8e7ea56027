"""Quota days: a day runs from the configured UTC reset hour to the same hour next day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def quota_day(now: datetime, reset_hour: int) -> date:
    """The quota day `now` falls in (named by the UTC date on which it started)."""
    return (now.astimezone(UTC) - timedelta(hours=reset_hour)).date()


def reset_at(now: datetime, reset_hour: int) -> datetime:
    """When the quota day of `now` ends and counters start again from zero."""
    start = datetime.combine(quota_day(now, reset_hour), time(reset_hour), tzinfo=UTC)
    return start + timedelta(days=1)
