"""Plain-text logs (HEARTH_LOG_JSON=false) carry the same details as the JSON lines."""

from __future__ import annotations

import logging

import httpx
import pytest

from hearth.core.logging import JsonFormatter, PlainFormatter, request_id_var
from hearth.core.mail import Mailer

PLAIN = PlainFormatter("%(levelname)s %(name)s: %(message)s")


async def test_a_plain_request_line_has_method_path_status_and_duration(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hearth.access"):
        await client.get("/healthz")

    (record,) = [r for r in caplog.records if r.name == "hearth.access"]
    line = PLAIN.format(record)
    assert line.startswith("INFO hearth.access: ")
    assert " request method=GET path=/api/v1/healthz status=200 duration_ms=" in line


async def test_a_failed_email_line_keeps_its_recipient(caplog: pytest.LogCaptureFixture) -> None:
    mailer = Mailer("smtp://127.0.0.1:1", "Hearth <no-reply@localhost>")

    with caplog.at_level(logging.INFO, logger="hearth.mail"):
        await mailer.send("lee@example.com", "Reset your Hearth password", "link")

    (record,) = caplog.records
    line = PLAIN.format(record)
    assert 'email delivery failed to=lee@example.com subject="Reset your Hearth password"' in line
    assert "Traceback" in line  # the reason follows


def test_formatting_leaves_the_record_as_other_handlers_get_it() -> None:
    record = logging.makeLogRecord({"msg": "request", "name": "hearth.access", "path": "/x"})
    token = request_id_var.set("0123456789abcdef")
    try:
        first, second = PLAIN.format(record), PLAIN.format(record)
        json_line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)

    assert first == second
    assert first.endswith(": [01234567] request path=/x")
    assert '"msg": "request"' in json_line
