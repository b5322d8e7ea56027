"""Small helpers of the limits tests: plans and balances set straight in the database."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from hearth.limits import balance
from hearth.limits.models import BalanceTransaction, Plan, UsageEntry, UserPlan
from hearth.llm.settings import ModelOverride


async def set_daily_units(app: FastAPI, user_id: str, units: int | None) -> None:
    async with app.state.db.sessionmaker() as session:
        row = await session.get(UserPlan, uuid.UUID(user_id))
        if row is None:
            row = UserPlan(user_id=uuid.UUID(user_id))
            session.add(row)
        row.daily_units = units
        await session.commit()


async def make_prepaid(
    app: FastAPI, user_id: str, deposit: int, daily_units: int | None = None
) -> None:
    async with app.state.db.sessionmaker() as session:
        plan = Plan(
            name=f"prepaid-{uuid.uuid4().hex[:6]}", daily_units=daily_units, requires_balance=True
        )
        session.add(plan)
        await session.flush()
        session.add(UserPlan(user_id=uuid.UUID(user_id), plan_id=plan.id))
        if deposit:
            await balance.credit(session, uuid.UUID(user_id), deposit, "deposit")
        await session.commit()


async def ledger(app: FastAPI, user_id: str) -> list[UsageEntry]:
    async with app.state.db.sessionmaker() as session:
        rows = await session.scalars(
            select(UsageEntry)
            .where(UsageEntry.user_id == uuid.UUID(user_id))
            .order_by(UsageEntry.id)
        )
        return list(rows.all())


async def transactions(app: FastAPI, user_id: str) -> list[BalanceTransaction]:
    async with app.state.db.sessionmaker() as session:
        rows = await session.scalars(
            select(BalanceTransaction)
            .where(BalanceTransaction.user_id == uuid.UUID(user_id))
            .order_by(BalanceTransaction.id)
        )
        return list(rows.all())


async def balance_and_sum(app: FastAPI, user_id: str) -> tuple[int, int]:
    async with app.state.db.sessionmaker() as session:
        current = await balance.balance_of(session, uuid.UUID(user_id))
        total = await session.scalar(
            select(func.coalesce(func.sum(BalanceTransaction.amount_micros), 0)).where(
                BalanceTransaction.user_id == uuid.UUID(user_id)
            )
        )
        return current, int(total or 0)


def set_price(app: FastAPI, model_id: str, input_price: float, output_price: float) -> None:
    """USD per million tokens, as an operator's HEARTH_MODEL_OVERRIDES would set it."""
    overrides = app.state.llm.catalog._overrides
    overrides[model_id] = ModelOverride(input_price=input_price, output_price=output_price)


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])
