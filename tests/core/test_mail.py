"""Without SMTP, emailed links appear only in a development log."""

from __future__ import annotations

import logging

import pytest

from hearth.core.mail import Mailer


async def test_development_log_shows_the_link(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="hearth.mail"):
        await Mailer(None, "x@example.com", log_bodies=True).send(
            "a@example.com", "Hi", "link: T0KEN"
        )
    assert any(getattr(r, "body", "") == "link: T0KEN" for r in caplog.records)


async def test_production_log_never_shows_the_link(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="hearth.mail"):
        await Mailer(None, "x@example.com").send("a@example.com", "Hi", "link: T0KEN")
    assert caplog.records and all("T0KEN" not in str(r.__dict__) for r in caplog.records)
