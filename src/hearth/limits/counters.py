"""Per-user-per-day unit counters, reserved atomically: in the database, or in Redis.

Both answer the same question in one atomic step: "is there room for `n` more units
(used + held + n <= limit)? then hold them". The database version is one conditional
UPDATE of the user's row for the day; the Redis version is one Lua script on a hash.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Integer, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.limits.models import UsageCounter, UsageEntry

# Counters outlive their day a little: the view of "yesterday" stays readable.
REDIS_TTL_SECONDS = 3 * 24 * 3600


@dataclass(frozen=True)
class DayUsage:
    used: int
    reserved: int


class Charge(NamedTuple):
    """One reply's settlement: the units held for it go back, the units it used count."""

    user_id: uuid.UUID
    day: date
    reserved: int
    used: int


class UnitCounters(Protocol):
    # True when a rolled-back database transaction does not undo a reservation by itself.
    external: bool

    async def try_reserve(
        self, db: AsyncSession, user_id: uuid.UUID, day: date, units: int, limit: int | None
    ) -> bool: ...

    async def settle(self, db: AsyncSession, charges: Sequence[Charge]) -> None: ...

    async def release(
        self, db: AsyncSession, user_id: uuid.UUID, day: date, reserved: int
    ) -> None: ...

    async def read(self, db: AsyncSession, user_id: uuid.UUID, day: date) -> DayUsage: ...


def _insert(db: AsyncSession) -> Any:
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert


@functools.cache
def _reserve_statement(insert: Any, limited: bool) -> Any:
    """The reservation upsert, built once per dialect (it is on the way to every reply).

    A new row holds `units`; an existing one grows only if there is room (the condition is
    re-evaluated on the locked row by PostgreSQL, so concurrent holds cannot overshoot). No
    row written means no room.
    """
    table = UsageCounter.__table__  # Core, not ORM: its result has a rowcount
    statement = insert(table).values(
        user_id=bindparam("user_id"),
        day=bindparam("day"),
        used_units=0,
        reserved_units=bindparam("units"),
    )
    grown = table.c.reserved_units + statement.excluded.reserved_units
    return statement.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.day],
        set_={"reserved_units": grown},
        where=table.c.used_units + grown <= bindparam("limit") if limited else None,
    )


@functools.cache
def _settle_statement(insert: Any) -> Any:
    """One upsert for a whole batch of settlements (executemany), built once per dialect:
    the use is recorded even if the row is missing."""
    table = UsageCounter.__table__
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.day],
        set_={
            "reserved_units": _minus(
                table.c.reserved_units, bindparam("b_reserved", type_=Integer)
            ),
            "used_units": table.c.used_units + statement.excluded.used_units,
        },
    )


class DatabaseCounters:
    """Counters in `usage_counters`, changed inside the caller's transaction."""

    external = False

    async def try_reserve(
        self, db: AsyncSession, user_id: uuid.UUID, day: date, units: int, limit: int | None
    ) -> bool:
        if limit is not None and units > limit:
            return False
        statement = _reserve_statement(_insert(db), limit is not None)
        parameters = {"user_id": user_id, "day": day, "units": units, "limit": limit}
        result = await db.execute(statement, parameters)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def settle(self, db: AsyncSession, charges: Sequence[Charge]) -> None:
        if not charges:
            return
        await db.execute(
            _settle_statement(_insert(db)),
            [
                {
                    "user_id": charge.user_id,
                    "day": charge.day,
                    "used_units": charge.used,
                    "reserved_units": 0,
                    "b_reserved": charge.reserved,
                }
                for charge in charges
            ],
        )

    async def release(self, db: AsyncSession, user_id: uuid.UUID, day: date, reserved: int) -> None:
        await db.execute(
            update(UsageCounter)
            .where(UsageCounter.user_id == user_id, UsageCounter.day == day)
            .values(reserved_units=_minus(UsageCounter.reserved_units, reserved))
            .execution_options(synchronize_session=False)
        )

    async def read(self, db: AsyncSession, user_id: uuid.UUID, day: date) -> DayUsage:
        row = await db.get(UsageCounter, (user_id, day), populate_existing=True)
        return DayUsage(row.used_units, row.reserved_units) if row else DayUsage(0, 0)


def _minus(column: Any, amount: Any) -> Any:
    return case((column >= amount, column - amount), else_=0)


async def ledger_units(db: AsyncSession, user_id: uuid.UUID, day: date) -> int:
    """Units the ledger holds for the day (seeds a Redis counter that expired or was lost)."""
    total = await db.scalar(
        select(func.coalesce(func.sum(UsageEntry.units), 0)).where(
            UsageEntry.user_id == user_id, UsageEntry.day == day
        )
    )
    return int(total or 0)


# KEYS[1] = the day's hash; ARGV = units, limit (-1: none), ttl.
# Returns 1 (held), 0 (no room) or -1 (no counter yet: seed `used` from the ledger, retry).
_RESERVE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local n = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if limit >= 0 and used + reserved + n > limit then return 0 end
redis.call('HINCRBY', KEYS[1], 'reserved', n)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""

# KEYS[1]; ARGV = reserved units to give back, used units to add, ttl.
_SETTLE = """
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local back = math.min(reserved, tonumber(ARGV[1]))
redis.call('HINCRBY', KEYS[1], 'reserved', -back)
redis.call('HINCRBY', KEYS[1], 'used', tonumber(ARGV[2]))
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""


class RedisCounters:
    """Counters in Redis hashes shared by every worker; each step is one Lua script."""

    external = True

    def __init__(self, redis: Any, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._reserve = redis.register_script(_RESERVE)
        self._settle = redis.register_script(_SETTLE)

    def key(self, user_id: uuid.UUID, day: date) -> str:
        return f"{self.prefix}:quota:{user_id}:{day.isoformat()}"

    async def _seed(self, db: AsyncSession, key: str, user_id: uuid.UUID, day: date) -> None:
        used = await ledger_units(db, user_id, day)
        # HSETNX: of several workers seeding at once, the first one's value stays.
        await self.redis.hsetnx(key, "used", used)
        await self.redis.expire(key, REDIS_TTL_SECONDS)

    async def try_reserve(
        self, db: AsyncSession, user_id: uuid.UUID, day: date, units: int, limit: int | None
    ) -> bool:
        key = self.key(user_id, day)
        args = [units, -1 if limit is None else limit, REDIS_TTL_SECONDS]
        outcome = int(await self._reserve(keys=[key], args=args))
        if outcome == -1:
            await self._seed(db, key, user_id, day)
            outcome = int(await self._reserve(keys=[key], args=args))
        return outcome == 1

    async def settle(self, db: AsyncSession, charges: Sequence[Charge]) -> None:
        if not charges:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for charge in charges:
                await self._settle(
                    keys=[self.key(charge.user_id, charge.day)],
                    args=[charge.reserved, charge.used, REDIS_TTL_SECONDS],
                    client=pipe,
                )
            await pipe.execute()

    async def release(self, db: AsyncSession, user_id: uuid.UUID, day: date, reserved: int) -> None:
        await self._settle(keys=[self.key(user_id, day)], args=[reserved, 0, REDIS_TTL_SECONDS])

    async def read(self, db: AsyncSession, user_id: uuid.UUID, day: date) -> DayUsage:
        values = await self.redis.hmget(self.key(user_id, day), ["used", "reserved"])
        if values[0] is None:
            return DayUsage(await ledger_units(db, user_id, day), int(values[1] or 0))
        return DayUsage(int(values[0]), int(values[1] or 0))
