"""The errors of quotas and balances, each with its stable code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hearth.core.errors import AppError
from hearth.core.i18n import register_messages

# Replies in flight end within seconds, and give back what they held but did not use.
BUSY_RETRY_SECONDS = 10


class QuotaExceeded(AppError):
    """429: what is left of the day's units does not cover this request until `reset_at`."""

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


class QuotaBusy(AppError):
    """429: the day's units would cover this request, but replies in flight hold them."""

    status_code, code = 429, "quota_busy"

    def __init__(self, **details: Any) -> None:
        super().__init__(
            None,
            headers={"Retry-After": str(BUSY_RETRY_SECONDS)},
            details={"retry_after": BUSY_RETRY_SECONDS, **details},
        )


class QuotaTooSmall(AppError):
    """429: this request needs more than a whole day's units; waiting does not help."""

    status_code, code = 429, "quota_too_small"

    def __init__(self, **details: Any) -> None:
        super().__init__(None, details=details)


class InsufficientBalance(AppError):
    """402: the plan is prepaid and the balance cannot cover this reply."""

    status_code, code = 402, "insufficient_balance"


register_messages(
    {
        "quota_exceeded": (
            "What is left of today's allowance does not cover this message. It renews at the "
            "time given.",
            "Оставшейся части дневного лимита не хватает на это сообщение. Лимит обновится в "
            "указанное время.",
            "Lo que queda del límite de hoy no alcanza para este mensaje. Se renueva a la hora "
            "indicada.",
        ),
        "quota_busy": (
            "Replies still being written hold the rest of today's allowance. Try again when "
            "they finish.",
            "Остаток дневного лимита занят ответами, которые ещё пишутся. Повторите, когда они "
            "закончатся.",
            "Las respuestas que aún se escriben ocupan lo que queda del límite de hoy. Inténtalo "
            "de nuevo cuando terminen.",
        ),
        "quota_too_small": (
            "This message needs more than your whole daily allowance, so waiting will not "
            "help. Ask for a larger allowance.",
            "Этому сообщению нужно больше, чем весь дневной лимит, поэтому ожидание не "
            "поможет. Попросите увеличить лимит.",
            "Este mensaje necesita más que todo tu límite diario, así que esperar no servirá. "
            "Pide un límite mayor.",
        ),
        "insufficient_balance": (
            "Your balance is too low for this reply. Please top it up.",
            "Недостаточно средств на балансе для ответа. Пополните баланс.",
            "Tu saldo no alcanza para esta respuesta. Recárgalo, por favor.",
        ),
    }
)
