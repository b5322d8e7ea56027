"""Usage ledger, daily counters, plans, balances and money transactions.

Money is always an integer count of micro-units (1 USD = 1_000_000): never a float.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hearth.core.clock import utcnow
from hearth.core.db import Base, UTCDateTime
from hearth.core.ids import uuid7

MICROS_PER_UNIT_OF_MONEY = 1_000_000
TRANSACTION_KINDS = ("deposit", "usage", "adjustment", "refund")


class Plan(Base):
    """What a user may spend per day; `requires_balance` makes it prepaid."""

    __tablename__ = "plans"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # None: no daily limit.
    daily_units: Mapped[int | None] = mapped_column(BigInteger)
    requires_balance: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The plan of users without one of their own (at most one; else HEARTH_DAILY_UNITS).
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("daily_units IS NULL OR daily_units >= 0", name="units"),)


class UserPlan(Base):
    """An admin's choice for one user: a plan, and/or their own daily unit limit."""

    __tablename__ = "user_plans"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    # Wins over the plan's limit when set.
    daily_units: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("daily_units IS NULL OR daily_units >= 0", name="units"),
        Index("ix_user_plans_plan_id", "plan_id"),
    )


class UsageCounter(Base):
    """Units used and held by one user in one quota day: the row reservations update.

    A reservation is one conditional upsert (`used + reserved + n <= limit`), atomic on
    SQLite (writers serialise) and on PostgreSQL (the row lock re-checks the condition).
    """

    __tablename__ = "usage_counters"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    used_units: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    reserved_units: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))

    __table_args__ = (
        CheckConstraint("reserved_units >= 0", name="reserved_not_negative"),
        CheckConstraint("used_units >= 0", name="used_not_negative"),
    )


class UsageEntry(Base):
    """One billable generation: the ledger behind statistics and statements."""

    __tablename__ = "usage_entries"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Plain ids, no foreign keys: the ledger outlives deleted chats and messages.
    chat_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    provider: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(200))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # A user's statement, newest first; the per-day sums of stats walk created_at.
        Index("ix_usage_entries_user_id_created_at", "user_id", "created_at"),
        Index("ix_usage_entries_created_at", "created_at"),
    )


class Balance(Base):
    """The running sum of a user's transactions, kept in the same transaction as each one."""

    __tablename__ = "balances"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    balance_micros: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Debits are conditional on the money being there, so this never fails in practice;
    # it is the last line of defence of "a balance is never negative".
    __table_args__ = (CheckConstraint("balance_micros >= 0", name="not_negative"),)


class BalanceTransaction(Base):
    """deposit (+, by an admin), usage (-, held when a reply starts), adjustment (+/-, the
    difference once the real cost is known), refund (+, a failed generation)."""

    __tablename__ = "balance_transactions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    amount_micros: Mapped[int] = mapped_column(BigInteger)
    balance_after_micros: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("kind IN ('deposit', 'usage', 'adjustment', 'refund')", name="kind"),
        Index("ix_balance_transactions_user_id_created_at", "user_id", "created_at"),
    )
