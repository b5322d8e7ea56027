"""Per-provider circuit breaker: stop calling a provider that keeps failing, probe it later."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


@dataclass
class _Circuit:
    failures: int = 0
    opened_at: float | None = None
    probe_started_at: float | None = None


class CircuitBreaker:
    """`threshold` consecutive failures open the circuit for `cooldown` seconds.

    After the cool-down one probe request is let through (half-open): its success closes
    the circuit, its failure opens it for another cool-down. A probe that never reports
    back (a cancelled request) does not block the provider for longer than one cool-down.
    """

    def __init__(
        self,
        *,
        threshold: int = 3,
        cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._circuits: dict[str, _Circuit] = {}

    def state(self, key: str) -> BreakerState:
        circuit = self._circuits.get(key)
        if circuit is None or circuit.opened_at is None:
            return "closed"
        if self._clock() - circuit.opened_at < self.cooldown:
            return "open"
        return "half_open"

    def retry_in(self, key: str) -> float:
        circuit = self._circuits.get(key)
        if circuit is None or circuit.opened_at is None:
            return 0.0
        return max(0.0, self.cooldown - (self._clock() - circuit.opened_at))

    def allow(self, key: str) -> bool:
        """May a request go to `key` now? In half-open state, only the one probe may."""
        state = self.state(key)
        if state == "closed":
            return True
        if state == "open":
            return False
        circuit = self._circuits[key]
        now = self._clock()
        if circuit.probe_started_at is not None and now - circuit.probe_started_at < self.cooldown:
            return False
        circuit.probe_started_at = now
        return True

    def record_success(self, key: str) -> None:
        self._circuits.pop(key, None)

    def record_failure(self, key: str) -> None:
        circuit = self._circuits.setdefault(key, _Circuit())
        circuit.failures += 1
        was_probing = circuit.opened_at is not None
        if was_probing or circuit.failures >= self.threshold:
            circuit.opened_at = self._clock()
            circuit.probe_started_at = None
