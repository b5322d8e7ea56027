"""The signed-in user's profile, and who may not use the API at all."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from hearth.users.models import User
from tests.factories import PASSWORD, create_account


def _years_ago(years: int) -> str:
    today = date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28)).isoformat()


async def _set_user_flags(app: FastAPI, user_id: str, **values: object) -> None:
    async with app.state.db.sessionmaker.begin() as db:
        await db.execute(update(User).where(User.id == uuid.UUID(user_id)).values(**values))


async def test_profile_update_changes_only_given_fields(client: httpx.AsyncClient) -> None:
    account = await create_account(client, display_name="Rita")
    response = await client.patch("/me", headers=account.headers, json={"locale": "es"})
    assert response.status_code == 200
    me = response.json()
    assert me["locale"] == "es" and me["display_name"] == "Rita"
    assert (await client.get("/me", headers=account.headers)).json()["locale"] == "es"


async def test_profile_update_rejects_unknown_fields_and_bad_values(
    client: httpx.AsyncClient,
) -> None:
    account = await create_account(client)
    for body in [
        {"is_admin": True},
        {"locale": "de"},
        {"display_name": ""},
        {"birthdate": "tomorrow"},
    ]:
        response = await client.patch("/me", headers=account.headers, json=body)
        assert response.status_code == 422, body
    assert (await client.get("/me", headers=account.headers)).json()["is_admin"] is False


async def test_nsfw_opt_in_requires_an_adult_birthdate(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    refused = await client.patch("/me", headers=account.headers, json={"show_nsfw": True})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "age_restricted"

    minor = await create_account(client, birthdate=_years_ago(16))
    assert (
        await client.patch("/me", headers=minor.headers, json={"show_nsfw": True})
    ).status_code == 403

    adult = await create_account(client, birthdate=_years_ago(30))
    ok = await client.patch("/me", headers=adult.headers, json={"show_nsfw": True})
    assert ok.status_code == 200 and ok.json()["show_nsfw"] is True


async def test_birthdate_can_be_changed_only_once(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    assert (
        await client.patch("/me", headers=account.headers, json={"birthdate": _years_ago(15)})
    ).status_code == 200
    assert (
        await client.patch("/me", headers=account.headers, json={"birthdate": _years_ago(25)})
    ).status_code == 200
    locked = await client.patch("/me", headers=account.headers, json={"birthdate": _years_ago(40)})
    assert locked.status_code == 409
    assert locked.json()["error"]["code"] == "birthdate_locked"


async def test_a_birthdate_once_given_cannot_be_removed_to_start_over(
    client: httpx.AsyncClient,
) -> None:
    account = await create_account(client, birthdate=_years_ago(15))

    cleared = await client.patch("/me", headers=account.headers, json={"birthdate": None})

    assert cleared.status_code == 422
    me = (await client.get("/me", headers=account.headers)).json()
    assert me["birthdate"] == _years_ago(15)


async def test_a_display_name_can_be_cleared_with_null(client: httpx.AsyncClient) -> None:
    account = await create_account(client, display_name="Pat")

    cleared = await client.patch("/me", headers=account.headers, json={"display_name": None})
    untouched = await client.patch("/me", headers=account.headers, json={"locale": "es"})

    assert cleared.status_code == 200 and cleared.json()["display_name"] is None
    assert untouched.json()["display_name"] is None and untouched.json()["locale"] == "es"


async def test_becoming_a_minor_turns_nsfw_off(client: httpx.AsyncClient) -> None:
    account = await create_account(client, birthdate=_years_ago(30))
    await client.patch("/me", headers=account.headers, json={"show_nsfw": True})
    me = (
        await client.patch("/me", headers=account.headers, json={"birthdate": _years_ago(12)})
    ).json()
    assert me["show_nsfw"] is False


async def test_blocked_user_is_refused_everywhere_at_once(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account = await create_account(client)
    await _set_user_flags(app, account.user["id"], is_blocked=True)
    me = await client.get("/me", headers=account.headers)
    assert me.status_code == 403
    assert me.json()["error"]["code"] == "account_blocked"
    refresh = await client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
    assert refresh.status_code == 403
    login = await client.post(
        "/auth/login", json={"login": account.user["username"], "password": PASSWORD}
    )
    assert login.status_code == 403
    assert login.json()["error"]["code"] == "account_blocked"


async def test_deactivated_user_cannot_sign_in(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await create_account(client)
    await _set_user_flags(app, account.user["id"], is_active=False)
    login = await client.post(
        "/auth/login", json={"login": account.user["username"], "password": PASSWORD}
    )
    assert login.status_code == 403
    assert login.json()["error"]["code"] == "account_deactivated"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"admin_emails": ["boss@example.com"]}


async def test_listed_admin_emails_become_admins_on_sign_up(client: httpx.AsyncClient) -> None:
    boss = await create_account(client, email="Boss@Example.com", username="boss")
    assert boss.user["is_admin"] is True
    worker = await create_account(client)
    assert worker.user["is_admin"] is False
