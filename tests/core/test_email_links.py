"""Links in emails point where the operator's server answers: HEARTH_PUBLIC_URL when set,
else the address `hearth serve` listens on; never the Host header a request claims."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.mailbox import Mailbox, smtp_server
from tests.server import hearth_env, running_server

pytestmark = pytest.mark.slow

BODY = {"email": "port@example.com", "username": "porter", "password": "links follow 1"}


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, str]]:
    with smtp_server() as server:
        yield server


def _links(mailbox: Mailbox, count: int) -> list[str]:
    deadline = time.monotonic() + 10
    while len(mailbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(mailbox.messages) == count
    return [re.findall(r"https?://\S+", mailbox.body(i))[0] for i in range(count)]


def _sign_up_and_forget(base: str) -> None:
    with httpx.Client(base_url=f"{base}/api/v1", timeout=10) as http:
        assert http.post("/auth/register", json=BODY).status_code == 201
        # The Host header is the client's to write: a reset link must never follow it.
        forgot = http.post(
            "/auth/password/forgot",
            json={"email": BODY["email"]},
            headers={"Host": "attacker.example:8000"},
        )
        assert forgot.status_code == 202


def test_without_a_public_url_links_follow_the_port_serve_listens_on(
    tmp_path: Path, smtp: tuple[Mailbox, str]
) -> None:
    mailbox, smtp_url = smtp
    env = hearth_env(tmp_path / "data", HEARTH_SMTP_URL=smtp_url)

    # Two workers: each is a new interpreter that reads its settings afresh.
    with running_server(tmp_path / "data", env=env, args=("--workers", "2")) as (base, _):
        _sign_up_and_forget(base)
        verify, reset = _links(mailbox, 2)

    assert verify.startswith(f"{base}/#/verify-email?token=")
    assert reset.startswith(f"{base}/#/reset-password?token=")


def test_a_public_url_set_by_the_operator_wins_over_the_listen_address(
    tmp_path: Path, smtp: tuple[Mailbox, str]
) -> None:
    mailbox, smtp_url = smtp
    env = hearth_env(
        tmp_path / "data", HEARTH_SMTP_URL=smtp_url, HEARTH_PUBLIC_URL="https://chat.example"
    )

    with running_server(tmp_path / "data", env=env) as (base, _):
        _sign_up_and_forget(base)
        verify, reset = _links(mailbox, 2)

    assert verify.startswith("https://chat.example/#/verify-email?token=")
    assert reset.startswith("https://chat.example/#/reset-password?token=")
