"""Counting wrong passwords, wherever a password is typed (sign-in, password change).

Failures count per account and address: someone guessing from one address locks out that
address, not the owner. Guesses spread over many addresses meet the account's own, higher,
ceiling. Both ways of typing a password share the counters, so that holding a stolen access
token does not buy a second budget of guesses.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth.config import Settings
from hearth.core.errors import TooManyRequests
from hearth.limits.rate import RateLimiter

ACCOUNT_FAILURES_FACTOR = 10  # an account's failures from all addresses, against one address's
SCOPE = "login-failures"


@dataclass(frozen=True)
class PasswordFailures:
    """The failure counters of one account (`key`: its id, or the typed name when unknown)
    as seen from one address."""

    limiter: RateLimiter
    per_address: tuple[str, tuple[str, ...]]
    per_account: tuple[str, tuple[str, ...]]

    async def refuse_if_locked(self) -> None:
        """429 while either counter is full, even for the right password: otherwise a
        guesser would learn the password from the one answer that differs."""
        for limit, keys in (self.per_address, self.per_account):
            verdict = await self.limiter.check(limit, SCOPE, *keys)
            if not verdict.allowed:
                raise TooManyRequests(
                    verdict.retry_after, "Too many failed sign-ins. Try again later."
                )

    async def count_failure(self) -> None:
        for limit, keys in (self.per_address, self.per_account):
            await self.limiter.hit(limit, SCOPE, *keys)

    async def clear_address(self) -> None:
        """The right password from this address: its failures are forgotten. The account's
        stay, as others' guesses from elsewhere may be going on."""
        await self.limiter.clear(self.per_address[0], SCOPE, *self.per_address[1])

    async def clear_account(self) -> None:
        """The password was replaced by someone who proved control of the account (a reset
        link, or the current password): old guesses are moot, and the owner must not stay
        locked out of the account they just recovered."""
        await self.clear_address()
        await self.limiter.clear(self.per_account[0], SCOPE, *self.per_account[1])


def password_failures(
    settings: Settings, limiter: RateLimiter, key: str, ip: str | None
) -> PasswordFailures:
    window = f"{settings.login_failures_window_minutes} minutes"
    return PasswordFailures(
        limiter=limiter,
        per_address=(f"{settings.login_failures_limit}/{window}", (key, ip or "unknown")),
        per_account=(
            f"{settings.login_failures_limit * ACCOUNT_FAILURES_FACTOR}/{window}",
            (key,),
        ),
    )
