"""Balances: every change is a transaction row plus the same change to the running sum,
in one database transaction. Debits are conditional, so a balance never goes negative."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.core.errors import ValidationFailed
from hearth.core.pagination import cursor_uuid, decode_cursor, encode_cursor
from hearth.limits.counters import _insert
from hearth.limits.models import Balance, BalanceTransaction


async def _ensure(db: AsyncSession, user_id: uuid.UUID) -> None:
    await db.execute(
        _insert(db)(Balance).values(user_id=user_id, balance_micros=0).on_conflict_do_nothing()
    )


async def balance_of(db: AsyncSession, user_id: uuid.UUID) -> int:
    value = await db.scalar(select(Balance.balance_micros).where(Balance.user_id == user_id))
    return int(value or 0)


async def _record(
    db: AsyncSession,
    user_id: uuid.UUID,
    kind: str,
    amount: int,
    after: int,
    *,
    chat_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    note: str = "",
) -> BalanceTransaction:
    row = BalanceTransaction(
        user_id=user_id,
        kind=kind,
        amount_micros=amount,
        balance_after_micros=after,
        chat_id=chat_id,
        actor_id=actor_id,
        note=note[:500],
    )
    db.add(row)
    await db.flush()
    return row


async def credit(
    db: AsyncSession,
    user_id: uuid.UUID,
    amount: int,
    kind: str,
    *,
    chat_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    note: str = "",
) -> BalanceTransaction:
    """Add `amount` (> 0): a deposit, a refund, a favourable adjustment."""
    if amount <= 0:
        raise ValueError("a credit is positive")
    await _ensure(db, user_id)
    after = await db.scalar(
        update(Balance)
        .where(Balance.user_id == user_id)
        .values(balance_micros=Balance.balance_micros + amount)
        .returning(Balance.balance_micros)
    )
    return await _record(
        db, user_id, kind, amount, int(after or 0), chat_id=chat_id, actor_id=actor_id, note=note
    )


async def try_debit(
    db: AsyncSession,
    user_id: uuid.UUID,
    amount: int,
    kind: str,
    *,
    chat_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    note: str = "",
) -> BalanceTransaction | None:
    """Take `amount` (> 0) only if the balance covers it (one conditional UPDATE); else None."""
    if amount <= 0:
        raise ValueError("a debit is positive")
    await _ensure(db, user_id)
    after = await db.scalar(
        update(Balance)
        .where(Balance.user_id == user_id, Balance.balance_micros >= amount)
        .values(balance_micros=Balance.balance_micros - amount)
        .returning(Balance.balance_micros)
    )
    if after is None:
        return None
    return await _record(
        db, user_id, kind, -amount, int(after), chat_id=chat_id, actor_id=actor_id, note=note
    )


async def debit_up_to(
    db: AsyncSession, user_id: uuid.UUID, amount: int, kind: str, *, chat_id: uuid.UUID | None
) -> BalanceTransaction | None:
    """Take `amount`, or what is left if less (a reply that cost more than was held)."""
    await _ensure(db, user_id)
    current = await db.scalar(
        select(Balance.balance_micros).where(Balance.user_id == user_id).with_for_update()
    )
    take = min(int(current or 0), amount)
    if take <= 0:
        return None
    return await try_debit(db, user_id, take, kind, chat_id=chat_id)


async def adjust_by_admin(
    db: AsyncSession, user_id: uuid.UUID, amount: int, *, actor_id: uuid.UUID, note: str
) -> BalanceTransaction:
    """A deposit (> 0) or a correction (< 0, never below zero)."""
    if amount > 0:
        return await credit(db, user_id, amount, "deposit", actor_id=actor_id, note=note)
    if amount == 0:
        raise ValidationFailed.field("amount", "The amount cannot be zero.")
    row = await try_debit(db, user_id, -amount, "adjustment", actor_id=actor_id, note=note)
    if row is None:
        raise ValidationFailed.field(
            "amount", "The balance would go negative.", code="balance_too_low"
        )
    return row


async def page_transactions(
    db: AsyncSession, user_id: uuid.UUID, *, cursor: str | None, limit: int
) -> tuple[list[BalanceTransaction], str | None]:
    query = select(BalanceTransaction).where(BalanceTransaction.user_id == user_id)
    if cursor:
        (last,) = decode_cursor(cursor, cursor_uuid)
        query = query.where(BalanceTransaction.id < last)
    rows = list(
        (await db.scalars(query.order_by(BalanceTransaction.id.desc()).limit(limit + 1))).all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor([str(rows[-1].id)]) if more and rows else None
