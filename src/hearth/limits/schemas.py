"""Request and response shapes of usage, balances and plans."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Far above any real plan or payment, far below the 64-bit columns that keep them: a larger
# figure is a typo, and the database would refuse it only after the request was accepted.
MAX_DAILY_UNITS = 10**12
MAX_AMOUNT_MICROS = 10**12  # one million in money

DailyUnits = Annotated[int, Field(ge=0, le=MAX_DAILY_UNITS)]


class UsageOut(BaseModel):
    """Today's units and the balance (integer micro-units of money: 1_000_000 = 1 USD)."""

    model_config = ConfigDict(from_attributes=True)  # built from a `UsageView`

    units_used: int
    units_limit: int | None
    units_remaining: int | None
    reset_at: datetime
    balance: int
    units_reserved: int
    plan: str
    requires_balance: bool


class TransactionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    amount: int = Field(validation_alias="amount_micros")
    balance_after: int = Field(validation_alias="balance_after_micros")
    chat_id: uuid.UUID | None
    note: str
    created_at: datetime


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    daily_units: int | None
    requires_balance: bool
    is_default: bool
    created_at: datetime


class PlanIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    daily_units: DailyUnits | None = None
    requires_balance: bool = False
    is_default: bool = False


class PlanUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    daily_units: DailyUnits | None = None
    requires_balance: bool | None = None
    is_default: bool | None = None
