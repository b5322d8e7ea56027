"""Email verification and password reset over a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from hearth.auth.models import EmailToken
from hearth.config import Settings
from hearth.core.clock import utcnow
from tests.factories import PASSWORD, login, register
from tests.mailbox import Mailbox, smtp_server


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, str]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def mailbox(smtp: tuple[Mailbox, str]) -> Mailbox:
    return smtp[0]


@pytest.fixture
def settings_overrides(smtp: tuple[Mailbox, str]) -> dict[str, object]:
    return {
        "smtp_url": smtp[1],
        "public_url": "https://hearth.example",
        "admin_emails": ["boss@example.com"],
    }


async def _expire_all_email_tokens(app: FastAPI) -> None:
    async with app.state.db.sessionmaker.begin() as db:
        await db.execute(update(EmailToken).values(expires_at=utcnow() - timedelta(minutes=1)))


async def test_with_smtp_login_waits_for_the_emailed_verification_link(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    user = await register(client, email="lee@example.com", username="lee")
    assert user["email_verified"] is False
    await mailbox.wait_for(1)
    assert mailbox.messages[0]["To"] == "lee@example.com"
    assert "https://hearth.example/#/verify-email?token=" in mailbox.body()

    refused = await client.post("/auth/login", json={"login": "lee", "password": PASSWORD})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "email_not_verified"

    verified = await client.post("/auth/verify-email", json={"token": mailbox.token()})
    assert verified.status_code == 200
    assert verified.json()["email_verified"] is True
    assert (
        await client.post("/auth/login", json={"login": "lee", "password": PASSWORD})
    ).status_code == 200


async def test_verification_link_works_once(client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    await register(client, email="max@example.com", username="max")
    await mailbox.wait_for(1)
    token = mailbox.token()
    assert (await client.post("/auth/verify-email", json={"token": token})).status_code == 200
    again = await client.post("/auth/verify-email", json={"token": token})
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "token_invalid"


async def test_expired_verification_link_is_refused(
    client: httpx.AsyncClient, mailbox: Mailbox, app: FastAPI
) -> None:
    await register(client, email="ned@example.com", username="ned")
    await mailbox.wait_for(1)
    await _expire_all_email_tokens(app)
    response = await client.post("/auth/verify-email", json={"token": mailbox.token()})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


async def test_password_reset_by_emailed_token_ends_all_sessions(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await register(client, email="oli@example.com", username="oli")
    await mailbox.wait_for(1)
    await client.post("/auth/verify-email", json={"token": mailbox.token()})
    old = await login(client, "oli")

    response = await client.post("/auth/password/forgot", json={"email": "OLI@example.com"})
    assert response.status_code == 202
    await mailbox.wait_for(2)
    assert "reset-password?token=" in mailbox.body()
    token = mailbox.token()

    reset = await client.post(
        "/auth/password/reset", json={"token": token, "password": "a brand new secret"}
    )
    assert reset.status_code == 204
    assert (
        await client.post("/auth/refresh", json={"refresh_token": old["refresh_token"]})
    ).status_code == 401
    assert (
        await client.post("/auth/login", json={"login": "oli", "password": PASSWORD})
    ).status_code == 401
    assert (
        await client.post("/auth/login", json={"login": "oli", "password": "a brand new secret"})
    ).status_code == 200
    reused = await client.post(
        "/auth/password/reset", json={"token": token, "password": "yet another secret"}
    )
    assert reused.status_code == 401


async def test_forgot_password_does_not_reveal_unknown_addresses(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    response = await client.post("/auth/password/forgot", json={"email": "ghost@example.com"})
    assert response.status_code == 202
    assert mailbox.messages == []


async def test_expired_reset_token_is_refused(
    client: httpx.AsyncClient, mailbox: Mailbox, app: FastAPI
) -> None:
    await register(client, email="pam@example.com", username="pam")
    await client.post("/auth/password/forgot", json={"email": "pam@example.com"})
    await mailbox.wait_for(2)
    await _expire_all_email_tokens(app)
    response = await client.post(
        "/auth/password/reset", json={"token": mailbox.token(), "password": "a brand new secret"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


async def test_reset_refuses_a_weak_password_and_keeps_the_token(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await register(client, email="quinn@example.com", username="quinn")
    await client.post("/auth/password/forgot", json={"email": "quinn@example.com"})
    await mailbox.wait_for(2)
    token = mailbox.token()
    weak = await client.post("/auth/password/reset", json={"token": token, "password": "12345678"})
    assert weak.status_code == 422
    # The failed attempt rolled back: the link still works.
    ok = await client.post(
        "/auth/password/reset", json={"token": token, "password": "a brand new secret"}
    )
    assert ok.status_code == 204


async def test_a_listed_admin_email_makes_an_admin_only_once_it_is_verified(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    user = await register(client, email="boss@example.com", username="boss")
    assert user["is_admin"] is False  # anyone could have typed the operator's address
    await mailbox.wait_for(1)
    verified = await client.post("/auth/verify-email", json={"token": mailbox.token()})
    assert verified.status_code == 200
    assert verified.json()["is_admin"] is True


async def _reset_link(client: httpx.AsyncClient, mailbox: Mailbox, email: str) -> str:
    count = len(mailbox.messages)
    await client.post("/auth/password/forgot", json={"email": email})
    await mailbox.wait_for(count + 1)
    return mailbox.token()


async def test_an_older_reset_link_dies_once_a_newer_one_resets_the_password(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await register(client, email="rae@example.com", username="rae")
    older = await _reset_link(client, mailbox, "rae@example.com")
    newer = await _reset_link(client, mailbox, "rae@example.com")
    assert (
        await client.post(
            "/auth/password/reset", json={"token": newer, "password": "a brand new secret"}
        )
    ).status_code == 204

    stale = await client.post(
        "/auth/password/reset", json={"token": older, "password": "an attacker's choice"}
    )

    assert stale.status_code == 401
    assert stale.json()["error"]["code"] == "reset_link_superseded"
    assert "password was changed" in stale.json()["error"]["message"]
    assert (
        await client.post("/auth/login", json={"login": "rae", "password": "a brand new secret"})
    ).status_code == 200


async def test_changing_the_password_kills_outstanding_reset_links(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await register(client, email="sam@example.com", username="sam")
    await mailbox.wait_for(1)
    await client.post("/auth/verify-email", json={"token": mailbox.token()})
    link = await _reset_link(client, mailbox, "sam@example.com")
    signed_in = await login(client, "sam")
    changed = await client.post(
        "/auth/password/change",
        json={"current_password": PASSWORD, "new_password": "completely different 42"},
        headers={"Authorization": f"Bearer {signed_in['access_token']}"},
    )
    assert changed.status_code == 204

    stale = await client.post(
        "/auth/password/reset", json={"token": link, "password": "an attacker's choice"}
    )

    assert stale.status_code == 401
    assert stale.json()["error"]["code"] == "reset_link_superseded"


async def test_a_password_reset_lifts_the_sign_in_lockout(
    client: httpx.AsyncClient, mailbox: Mailbox, settings: Settings
) -> None:
    await register(client, email="tia@example.com", username="tia")
    for _ in range(settings.login_failures_limit):
        await client.post("/auth/login", json={"login": "tia", "password": "bad-guess-1"})
    locked = await client.post("/auth/login", json={"login": "tia", "password": PASSWORD})
    assert locked.status_code == 429
    link = await _reset_link(client, mailbox, "tia@example.com")

    reset = await client.post(
        "/auth/password/reset", json={"token": link, "password": "a brand new secret"}
    )

    assert reset.status_code == 204
    signed_in = await client.post(
        "/auth/login", json={"login": "tia", "password": "a brand new secret"}
    )
    assert signed_in.status_code == 200
