"""The chat engine's usage hook: hold units (and money) before a reply, charge after.

`reserve` runs inside the request's transaction when the engine hands its session over
(`UsageRequest.session`): the hold then commits or rolls back with the user's message.
Without a session it commits its own short transaction.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any, cast

from sqlalchemy import Table, event, insert
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.chats.usage import Settlement
from hearth.config import Settings
from hearth.core.clock import utcnow
from hearth.core.db import Database
from hearth.core.errors import outage
from hearth.limits import balance
from hearth.limits.counters import Charge, UnitCounters
from hearth.limits.errors import InsufficientBalance, QuotaBusy, QuotaExceeded, QuotaTooSmall
from hearth.limits.models import UsageEntry
from hearth.limits.period import quota_day, reset_at
from hearth.limits.plans import allowance_of

log = logging.getLogger(__name__)

_INSERT_ENTRY = insert(cast(Table, UsageEntry.__table__))


PriceOf = Callable[[str], Any]  # model id -> an object with input/output_per_million


@dataclass(eq=False)
class Reservation:
    user_id: uuid.UUID
    chat_id: uuid.UUID | None
    model_id: str
    day: date
    units: int
    hold_micros: int
    # pending: inside an open transaction; held: durable; then settled | released | void.
    state: str = "pending"
    # The day's counters no longer hold it (settled or given back there).
    counted: bool = False
    session: AsyncSession | None = field(default=None, repr=False)


def money_micros(price: Any, prompt_tokens: int, completion_tokens: int) -> int:
    """Cost in integer micro-units, rounded up; prices are per million tokens, so one
    token costs `price` micro-units."""
    total = (
        Decimal(str(price.input_per_million)) * prompt_tokens
        + Decimal(str(price.output_per_million)) * completion_tokens
    )
    return int(total.to_integral_value(rounding=ROUND_CEILING))


class QuotaHook:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        counters: UnitCounters,
        price_of: PriceOf,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.database = database
        self.counters = counters
        self.price_of = price_of
        self.clock = clock
        self._tasks: set[asyncio.Task[None]] = set()

    def units_for(self, model_id: str, tokens: int) -> int:
        weight = self.settings.unit_weights.get(model_id, 1.0)
        return max(0, math.ceil(tokens * weight))

    # -- the UsageHook protocol ----------------------------------------------------------

    async def reserve(self, request: Any) -> Reservation:
        session: AsyncSession | None = getattr(request, "session", None)
        if session is not None:
            reservation = await self._reserve(session, request)
            reservation.session = session
            self._watch(session, reservation)
            return reservation
        async with self.database.sessionmaker() as own:
            reservation = await self._reserve(own, request)
            await own.commit()
        reservation.state = "held"
        return reservation

    async def settle_all(
        self, settlements: Sequence[Settlement], *, session: AsyncSession | None = None
    ) -> None:
        charges: list[tuple[Reservation, dict[str, Any]]] = []
        undo: list[tuple[Reservation, str]] = []
        for settlement in settlements:
            reservation = settlement.reservation
            if isinstance(reservation, Reservation) and reservation.state in ("held", "pending"):
                undo.append((reservation, reservation.state))
                reservation.state = "settled"
                charges.append((reservation, self._entry(reservation, settlement)))
        if not charges:
            return
        if session is not None:
            self._undo_on_rollback(session, undo)
            await self._charge(session, charges)
            return
        async with self.database.sessionmaker() as db:
            await self._charge(db, charges)
            await db.commit()

    def _entry(self, reservation: Reservation, settlement: Settlement) -> dict[str, Any]:
        """A row of the ledger (`usage_entries`); its id and time come from the column defaults."""
        model = settlement.model_id or reservation.model_id
        usage = settlement.usage
        prompt, completion = int(usage.prompt_tokens), int(usage.completion_tokens)
        return {
            "user_id": reservation.user_id,
            "chat_id": reservation.chat_id,
            "message_id": settlement.message_id,
            "provider": settlement.provider or model.partition("/")[0],
            "model": model,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "cost_micros": self._cost_micros(model, prompt, completion, settlement.cost),
            "units": self.units_for(model, prompt + completion),
            "day": reservation.day,
        }

    async def release(self, reservation: object, *, session: AsyncSession | None = None) -> None:
        if not isinstance(reservation, Reservation):
            return
        if reservation.state == "pending" and reservation.session is not None:
            # Still inside the request's transaction: undo there (it may yet commit).
            reservation.state = "released"
            await self._give_back(reservation.session, reservation)
            return
        if reservation.state != "held":
            return
        reservation.state = "released"
        if session is not None:
            self._undo_on_rollback(session, [(reservation, "held")])
            await self._give_back(session, reservation)
            return
        async with self.database.sessionmaker() as db:
            await self._give_back(db, reservation)
            await db.commit()

    # -- internals -----------------------------------------------------------------------

    async def _reserve(self, db: AsyncSession, request: Any) -> Reservation:
        now = self.clock()
        hour = self.settings.quota_reset_hour
        day = quota_day(now, hour)
        allowance = await allowance_of(db, self.settings, request.user_id)
        units = self.units_for(request.model_id, int(request.estimated_tokens))
        if not await self.counters.try_reserve(
            db, request.user_id, day, units, allowance.daily_units
        ):
            current = await self.counters.read(db, request.user_id, day)
            limit = allowance.daily_units or 0
            details = {
                "units_limit": limit,
                "units_used": current.used,
                "units_remaining": max(0, limit - current.used - current.reserved),
                "units_needed": units,
            }
            if 0 < limit < units:
                raise QuotaTooSmall(**details)
            if current.used + units <= limit:
                raise QuotaBusy(**details)
            raise QuotaExceeded(reset_at(now, hour), now, **details)
        reservation = Reservation(
            user_id=request.user_id,
            chat_id=request.chat_id,
            model_id=request.model_id,
            day=day,
            units=units,
            hold_micros=0,
        )
        if allowance.requires_balance:
            price = self.price_of(request.model_id)
            worst = max(price.input_per_million, price.output_per_million)
            hold = money_micros(_Flat(worst), int(request.estimated_tokens), 0)
            if hold > 0:
                paid = await balance.try_debit(
                    db, request.user_id, hold, "usage", chat_id=request.chat_id
                )
                if paid is None:
                    await self.counters.release(db, request.user_id, day, units)
                    raise InsufficientBalance(details={"needed": hold})
                reservation.hold_micros = hold
        return reservation

    async def _charge(
        self, db: AsyncSession, charges: Sequence[tuple[Reservation, dict[str, Any]]]
    ) -> None:
        # The counters first, in the order a hold takes them (counters, then the balance):
        # a reply's end and the user's next send never lock the two in opposite orders.
        fresh = [(r, entry) for r, entry in charges if not r.counted]
        settle = [Charge(r.user_id, r.day, r.units, entry["units"]) for r, entry in fresh]
        if await self._count(self.counters.settle(db, settle)):
            for reservation, _ in fresh:
                reservation.counted = True
        # Core rows, not ORM objects: the ledger is written and never read back here.
        await db.execute(_INSERT_ENTRY, [entry for _, entry in charges])
        for reservation, entry in charges:
            if reservation.hold_micros:
                await self._true_up(db, reservation, entry["cost_micros"])

    async def _count(self, step: Awaitable[None]) -> bool:
        """Whether the day's counters took the step. Counters outside the database (Redis)
        that are out of reach are passed by: the ledger still records the charge (a lost
        counter is seeded from it), and what they hold for the reply lapses with the day's
        key."""
        try:
            await step
        except Exception as exc:
            failed = outage(exc) if self.counters.external else None
            if failed is None:
                raise
            log.warning("limits.counters_unavailable %s", failed)
            return False
        return True

    def _cost_micros(self, model: str, prompt: int, completion: int, cost: float) -> int:
        try:
            return money_micros(self.price_of(model), prompt, completion)
        except Exception:  # an unknown model: fall back to the engine's figure
            return max(0, round(cost * 1_000_000))

    async def _true_up(self, db: AsyncSession, reservation: Reservation, cost_micros: int) -> None:
        difference = reservation.hold_micros - cost_micros
        if difference > 0:
            await balance.credit(
                db, reservation.user_id, difference, "adjustment", chat_id=reservation.chat_id
            )
        elif difference < 0:
            await balance.debit_up_to(
                db, reservation.user_id, -difference, "adjustment", chat_id=reservation.chat_id
            )

    async def _give_back(self, db: AsyncSession, reservation: Reservation) -> None:
        await self._uncount(db, reservation)
        if reservation.hold_micros:
            await balance.credit(
                db,
                reservation.user_id,
                reservation.hold_micros,
                "refund",
                chat_id=reservation.chat_id,
                note="the reply failed",
            )

    async def _uncount(self, db: AsyncSession, reservation: Reservation) -> None:
        """The reservation's units back to the day's counters, once."""
        if not reservation.counted:
            step = self.counters.release(
                db, reservation.user_id, reservation.day, reservation.units
            )
            reservation.counted = await self._count(step)

    def _undo_on_rollback(self, session: AsyncSession, undo: list[tuple[Reservation, str]]) -> None:
        """Should the transaction that settles or releases these roll back (the chat engine
        then writes the replies' ends again), they can be settled or released again; a
        counter outside the database (Redis) keeps what it already applied."""

        def committed(_session: Any) -> None:
            undo.clear()

        def rolled_back(_session: Any) -> None:
            for reservation, state in undo:
                reservation.state = state
                if not self.counters.external:
                    reservation.counted = False
            undo.clear()

        event.listen(session.sync_session, "after_commit", committed, once=True)
        event.listen(session.sync_session, "after_rollback", rolled_back, once=True)

    def _watch(self, session: AsyncSession, reservation: Reservation) -> None:
        """Follow the request's transaction: durable on commit, void on rollback."""

        def committed(_session: Any) -> None:
            if reservation.state == "pending":
                reservation.state = "held"

        def rolled_back(_session: Any) -> None:
            if reservation.state != "pending":
                return
            reservation.state = "void"
            if self.counters.external:  # Redis is not part of the database transaction
                task = asyncio.get_running_loop().create_task(self._unhold(reservation))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

        event.listen(session.sync_session, "after_commit", committed, once=True)
        event.listen(session.sync_session, "after_rollback", rolled_back, once=True)

    async def _unhold(self, reservation: Reservation) -> None:
        try:
            async with self.database.sessionmaker() as db:
                await self._uncount(db, reservation)
        except Exception:
            log.exception("limits.unhold_failed user=%s", reservation.user_id)


@dataclass(frozen=True)
class _Flat:
    input_per_million: float
    output_per_million: float = 0.0
