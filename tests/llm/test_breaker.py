from __future__ import annotations

from hearth.llm.breaker import CircuitBreaker


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_breaker_stays_closed_below_the_threshold() -> None:
    breaker = CircuitBreaker(threshold=3, cooldown=10, clock=Clock())
    breaker.record_failure("p")
    breaker.record_failure("p")
    assert breaker.allow("p")


def test_a_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker(threshold=2, cooldown=10, clock=Clock())
    breaker.record_failure("p")
    breaker.record_success("p")
    breaker.record_failure("p")
    assert breaker.state("p") == "closed"


def test_half_open_lets_one_probe_through_and_a_failed_probe_reopens() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown=10, clock=clock)
    breaker.record_failure("p")
    assert not breaker.allow("p")
    clock.now = 11
    assert breaker.allow("p")
    assert not breaker.allow("p")  # only one probe at a time
    breaker.record_failure("p")
    assert breaker.state("p") == "open"
    assert breaker.retry_in("p") == 10


def test_circuits_are_per_provider() -> None:
    breaker = CircuitBreaker(threshold=1, cooldown=10, clock=Clock())
    breaker.record_failure("a")
    assert breaker.allow("b")
