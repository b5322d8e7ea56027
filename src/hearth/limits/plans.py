"""Plans and per-user allowances: how many units a user may spend per quota day."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    bindparam,
    cast,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.config import Settings
from hearth.core.errors import Conflict, NotFound
from hearth.limits.models import Plan, UserPlan

BUILT_IN_PLAN = "default"


@dataclass(frozen=True)
class Allowance:
    plan: str
    daily_units: int | None  # None: no daily limit
    requires_balance: bool


def _allowance_query() -> Select[Any]:
    """Rank 0: the user's own row (override, and their plan if any); rank 1: the default plan.

    Core columns, not ORM attributes: the ORM's per-execution setup cost more than the read.
    """
    plan, user_plan = Plan.__table__.c, UserPlan.__table__.c
    own = (
        select(
            literal(0).label("rank"),
            user_plan.daily_units.label("own_units"),
            plan.name,
            plan.daily_units,
            plan.requires_balance,
        )
        .select_from(UserPlan.__table__.outerjoin(Plan.__table__, plan.id == user_plan.plan_id))
        .where(user_plan.user_id == bindparam("user_id"))
    )
    default = (
        select(
            literal(1).label("rank"),
            cast(null(), BigInteger).label("own_units"),
            plan.name,
            plan.daily_units,
            plan.requires_balance,
        )
        .where(plan.is_default.is_(True))
        .limit(1)
        .subquery()
    )
    both = union_all(own, select(default)).subquery()
    return select(both).order_by(both.c.rank)


_ALLOWANCE = _allowance_query()  # built once: it is on the way to every reply


async def allowance_of(db: AsyncSession, settings: Settings, user_id: uuid.UUID) -> Allowance:
    """The user's own override, else their plan's limit, else the default plan's, else
    HEARTH_DAILY_UNITS. One statement: it is on the way to every reply's first token."""
    rows = (await db.execute(_ALLOWANCE, {"user_id": user_id})).all()
    own = next((row for row in rows if row.rank == 0), None)
    plan = own if own is not None and own.name is not None else None
    if plan is None:
        plan = next((row for row in rows if row.rank == 1), None)
    units = plan.daily_units if plan is not None else settings.daily_units
    if own is not None and own.own_units is not None:
        units = own.own_units
    return Allowance(
        plan=plan.name if plan is not None else BUILT_IN_PLAN,
        daily_units=units,
        requires_balance=bool(plan and plan.requires_balance),
    )


async def list_plans(db: AsyncSession) -> list[Plan]:
    return list((await db.scalars(select(Plan).order_by(Plan.name).limit(200))).all())


async def get_plan(db: AsyncSession, plan_id: uuid.UUID) -> Plan:
    plan = await db.get(Plan, plan_id)
    if plan is None:
        raise NotFound("No such plan.", code="plan_not_found")
    return plan


async def _unique_name(db: AsyncSession, name: str, plan_id: uuid.UUID | None) -> None:
    clash = await db.scalar(select(Plan.id).where(Plan.name == name))
    if clash is not None and clash != plan_id:
        raise Conflict("A plan with this name exists.", code="plan_name_taken")


async def _only_default(db: AsyncSession, plan: Plan) -> None:
    if plan.is_default:
        await db.execute(
            update(Plan)
            .where(Plan.id != plan.id, Plan.is_default.is_(True))
            .values(is_default=False)
        )


async def create_plan(
    db: AsyncSession,
    *,
    name: str,
    daily_units: int | None,
    requires_balance: bool,
    is_default: bool,
) -> Plan:
    await _unique_name(db, name, None)
    plan = Plan(
        name=name,
        daily_units=daily_units,
        requires_balance=requires_balance,
        is_default=is_default,
    )
    db.add(plan)
    await db.flush()
    await _only_default(db, plan)
    return plan


async def update_plan(db: AsyncSession, plan: Plan, changes: dict[str, object]) -> Plan:
    if "name" in changes:
        await _unique_name(db, str(changes["name"]), plan.id)
    for field, value in changes.items():
        setattr(plan, field, value)
    await db.flush()
    await _only_default(db, plan)
    return plan


async def user_plan(db: AsyncSession, user_id: uuid.UUID) -> UserPlan | None:
    return await db.get(UserPlan, user_id)


async def set_user_plan(
    db: AsyncSession, user_id: uuid.UUID, *, plan_id: uuid.UUID | None, daily_units: int | None
) -> UserPlan:
    if plan_id is not None:
        await get_plan(db, plan_id)
    row = await db.get(UserPlan, user_id)
    if row is None:
        row = UserPlan(user_id=user_id)
        db.add(row)
    row.plan_id = plan_id
    row.daily_units = daily_units
    await db.flush()
    return row
