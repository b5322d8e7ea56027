"""The errors of quotas and balances, each with its stable code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hearth.core.errors import AppError
from hearth.core.i18n import register_messages


class QuotaExceeded(AppError):
    """429: the day's units are spent (or held by replies in flight) until `reset_at`."""

    status_code, code = 429, "quota_exceeded"

    def __init__(self, reset_at: datetime, now: datetime, **details: Any) -> None:
        seconds = max(1, int((reset_at - now).total_seconds() + 0.999))
        super().__init__(
            None,
            headers={"Retry-After": str(seconds)},
            details={
                "reset_at": reset_at.astimezone(UTC).isoformat(),
                "retry_after": seconds,
                **details,
            },
        )


class InsufficientBalance(AppError):
    """402: the plan is prepaid and the balance cannot cover this reply."""

    status_code, code = 402, "insufficient_balance"


register_messages(
    {
        "quota_exceeded": (
            "You have used today's allowance. It renews at the time given.",
            "Дневной лимит исчерпан. Он обновится в указанное время.",
            "Has agotado el límite de hoy. Se renueva a la hora indicada.",
        ),
        "insufficient_balance": (
            "Your balance is too low for this reply. Please top it up.",
            "Недостаточно средств на балансе для ответа. Пополните баланс.",
            "Tu saldo no alcanza para esta respuesta. Recárgalo, por favor.",
        ),
    }
)
