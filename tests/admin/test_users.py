"""Administering users: search, detail, block (sessions end now), plan, deposit, audit."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from hearth.characters.seed import system_user
from hearth.chats.models import Chat
from hearth.config import Settings
from tests.admin.helpers import audit_entries, make_admin
from tests.chats.helpers import create_character, create_chat
from tests.factories import Account, create_account


async def test_search_finds_users_by_part_of_email_or_username(
    client: httpx.AsyncClient, admin: Account
) -> None:
    wanted = await create_account(client, username="marigold_fox", email="mari@example.org")
    await create_account(client)

    found = await client.get("/admin/users", params={"q": "igold"}, headers=admin.headers)

    assert [u["id"] for u in found.json()["items"]] == [wanted.user["id"]]
    by_mail = await client.get("/admin/users", params={"q": "example.org"}, headers=admin.headers)
    assert [u["id"] for u in by_mail.json()["items"]] == [wanted.user["id"]]


async def test_user_list_pages_with_a_cursor(client: httpx.AsyncClient, admin: Account) -> None:
    for _ in range(3):
        await create_account(client)
    first = (await client.get("/admin/users", params={"limit": 2}, headers=admin.headers)).json()
    second = await client.get(
        "/admin/users", params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin.headers
    )
    ids = [u["id"] for u in first["items"]] + [u["id"] for u in second.json()["items"]]
    assert len(ids) == len(set(ids)) == 4


async def test_user_detail_has_registration_characters_and_chats_with_names(
    client: httpx.AsyncClient, admin: Account
) -> None:
    someone = await create_account(client)
    character = await create_character(client, someone, name="Morrigan")
    chat = await create_chat(client, someone, character["id"])

    detail = (await client.get(f"/admin/users/{someone.user['id']}", headers=admin.headers)).json()

    assert detail["created_at"] == someone.user["created_at"]
    assert detail["email_verified"] is True
    assert detail["characters_created"] == 1
    assert [(c["id"], c["character_name"]) for c in detail["chats"]] == [(chat["id"], "Morrigan")]
    assert detail["chats"][0]["created_at"]
    assert detail["usage"]["units_limit"] == Settings.model_fields["daily_units"].default


async def test_blocking_ends_every_session_at_once(
    client: httpx.AsyncClient, admin: Account
) -> None:
    someone = await create_account(client)
    assert (await client.get("/me", headers=someone.headers)).status_code == 200

    blocked = await client.post(
        f"/admin/users/{someone.user['id']}/block", json={"reason": "spam"}, headers=admin.headers
    )

    assert blocked.status_code == 200
    refused = await client.get("/me", headers=someone.headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "account_blocked"
    refresh = await client.post("/auth/refresh", json={"refresh_token": someone.refresh_token})
    assert refresh.status_code in (401, 403)
    login = await client.post(
        "/auth/login", json={"login": someone.user["username"], "password": someone.password}
    )
    assert login.json()["error"]["code"] == "account_blocked"


async def test_unblocked_user_signs_in_again_but_old_sessions_stay_ended(
    client: httpx.AsyncClient, admin: Account
) -> None:
    someone = await create_account(client)
    await client.post(f"/admin/users/{someone.user['id']}/block", headers=admin.headers)

    await client.post(f"/admin/users/{someone.user['id']}/unblock", headers=admin.headers)

    assert (await client.get("/me", headers=someone.headers)).status_code == 401
    login = await client.post(
        "/auth/login", json={"login": someone.user["username"], "password": someone.password}
    )
    assert login.status_code == 200


async def test_a_blocked_accounts_characters_leave_the_catalog_until_unblocked(
    client: httpx.AsyncClient, admin: Account
) -> None:
    someone = await create_account(client)
    character = await create_character(
        client, someone, name="Quillon Vexmoor", tags=["blockcase"], visibility="public"
    )

    async def listed() -> tuple[list[str], list[str], list[str]]:
        by_tag = await client.get("/characters", params={"tags": "blockcase"})
        by_words = await client.get("/characters", params={"q": "Quillon Vexmoor"})
        tags = await client.get("/tags", params={"limit": 50})
        return (
            [c["id"] for c in by_tag.json()["items"]],
            [c["id"] for c in by_words.json()["items"]],
            [t["tag"] for t in tags.json() if t["tag"] == "blockcase"],
        )

    assert await listed() == ([character["id"]], [character["id"]], ["blockcase"])
    await client.post(f"/admin/users/{someone.user['id']}/block", headers=admin.headers)
    assert await listed() == ([], [], [])
    await client.post(f"/admin/users/{someone.user['id']}/unblock", headers=admin.headers)
    assert await listed() == ([character["id"]], [character["id"]], ["blockcase"])


async def test_an_admin_cannot_block_themselves(client: httpx.AsyncClient, admin: Account) -> None:
    response = await client.post(f"/admin/users/{admin.user['id']}/block", headers=admin.headers)
    assert response.status_code == 409


async def test_the_system_account_cannot_be_blocked(
    app: FastAPI, client: httpx.AsyncClient, admin: Account
) -> None:
    async with app.state.db.sessionmaker() as session:
        system_id = (await system_user(session)).id
        await session.commit()

    response = await client.post(f"/admin/users/{system_id}/block", headers=admin.headers)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "cannot_block_system"
    assert await audit_entries(client, admin, action="user.block") == []


async def test_another_admin_cannot_be_blocked(
    app: FastAPI, client: httpx.AsyncClient, admin: Account
) -> None:
    colleague = await create_account(client)
    await make_admin(app, colleague.user["id"])

    response = await client.post(
        f"/admin/users/{colleague.user['id']}/block", headers=admin.headers
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "cannot_block_admin"
    assert (await client.get("/me", headers=colleague.headers)).status_code == 200


async def test_block_is_audited_with_before_and_after(
    client: httpx.AsyncClient, admin: Account
) -> None:
    someone = await create_account(client)
    await client.post(
        f"/admin/users/{someone.user['id']}/block", json={"reason": "spam"}, headers=admin.headers
    )

    (entry,) = await audit_entries(client, admin, target_id=someone.user["id"])

    assert entry["action"] == "user.block"
    assert entry["actor_id"] == admin.user["id"]
    assert entry["before"] == {"is_blocked": False, "blocked_reason": None}
    assert entry["after"] == {"is_blocked": True, "blocked_reason": "spam"}
    assert entry["created_at"]


async def test_setting_a_users_daily_units_shows_in_their_usage(
    client: httpx.AsyncClient, admin: Account
) -> None:
    someone = await create_account(client)

    response = await client.put(
        f"/admin/users/{someone.user['id']}/plan", json={"daily_units": 500}, headers=admin.headers
    )

    assert response.status_code == 200
    usage = (await client.get("/me/usage", headers=someone.headers)).json()
    assert (usage["units_limit"], usage["units_remaining"]) == (500, 500)
    (entry,) = await audit_entries(client, admin, action="user.set_plan")
    assert entry["after"]["daily_units"] == 500


async def test_a_plan_assigned_to_a_user_sets_their_limit(
    client: httpx.AsyncClient, admin: Account
) -> None:
    someone = await create_account(client)
    plan = await client.post(
        "/admin/plans", json={"name": "pro", "daily_units": 50_000}, headers=admin.headers
    )
    assert plan.status_code == 201

    await client.put(
        f"/admin/users/{someone.user['id']}/plan",
        json={"plan_id": plan.json()["id"]},
        headers=admin.headers,
    )

    usage = (await client.get("/me/usage", headers=someone.headers)).json()
    assert (usage["plan"], usage["units_limit"]) == ("pro", 50_000)


async def test_a_default_plan_applies_to_everyone_without_one(
    client: httpx.AsyncClient, admin: Account
) -> None:
    someone = await create_account(client)
    await client.post(
        "/admin/plans",
        json={"name": "free", "daily_units": 2000, "is_default": True},
        headers=admin.headers,
    )

    usage = (await client.get("/me/usage", headers=someone.headers)).json()

    assert (usage["plan"], usage["units_limit"]) == ("free", 2000)


async def test_own_plan_and_own_limit_win_over_the_default_plan(
    client: httpx.AsyncClient, admin: Account
) -> None:
    with_plan, with_limit = await create_account(client), await create_account(client)
    await client.post(
        "/admin/plans",
        json={"name": "free", "daily_units": 2000, "is_default": True},
        headers=admin.headers,
    )
    pro = await client.post(
        "/admin/plans", json={"name": "pro", "daily_units": 50_000}, headers=admin.headers
    )
    await client.put(
        f"/admin/users/{with_plan.user['id']}/plan",
        json={"plan_id": pro.json()["id"]},
        headers=admin.headers,
    )
    await client.put(
        f"/admin/users/{with_limit.user['id']}/plan",
        json={"daily_units": 300},
        headers=admin.headers,
    )

    plan_usage = (await client.get("/me/usage", headers=with_plan.headers)).json()
    limit_usage = (await client.get("/me/usage", headers=with_limit.headers)).json()

    assert (plan_usage["plan"], plan_usage["units_limit"]) == ("pro", 50_000)
    assert (limit_usage["plan"], limit_usage["units_limit"]) == ("free", 300)


async def test_deposit_raises_the_balance_and_is_audited(
    client: httpx.AsyncClient, admin: Account
) -> None:
    someone = await create_account(client)

    response = await client.post(
        f"/admin/users/{someone.user['id']}/deposit",
        json={"amount": 5_000_000, "note": "welcome"},
        headers=admin.headers,
    )

    assert response.json()["balance"] == 5_000_000
    assert (await client.get("/me/usage", headers=someone.headers)).json()["balance"] == 5_000_000
    statement = (await client.get("/me/transactions", headers=someone.headers)).json()["items"]
    assert [(t["kind"], t["amount"]) for t in statement] == [("deposit", 5_000_000)]
    (entry,) = await audit_entries(client, admin, action="user.deposit")
    assert entry["before"] == {"balance": 0}
    assert entry["after"]["balance"] == 5_000_000


async def test_a_correction_cannot_take_the_balance_below_zero(
    client: httpx.AsyncClient, admin: Account
) -> None:
    someone = await create_account(client)
    path = f"/admin/users/{someone.user['id']}/deposit"
    await client.post(path, json={"amount": 100}, headers=admin.headers)

    response = await client.post(path, json={"amount": -101}, headers=admin.headers)

    assert response.status_code == 422
    assert (await client.get("/me/usage", headers=someone.headers)).json()["balance"] == 100


async def test_figures_beyond_the_database_columns_are_refused_and_change_nothing(
    client: httpx.AsyncClient, admin: Account
) -> None:
    someone = await create_account(client)
    user_path = f"/admin/users/{someone.user['id']}"
    plan = (
        await client.post(
            "/admin/plans", json={"name": "pro", "daily_units": 50_000}, headers=admin.headers
        )
    ).json()
    huge = 10**27  # wider than a 64-bit integer column

    responses = [
        await client.post(
            "/admin/plans", json={"name": "big", "daily_units": huge}, headers=admin.headers
        ),
        await client.patch(
            f"/admin/plans/{plan['id']}", json={"daily_units": huge}, headers=admin.headers
        ),
        await client.put(f"{user_path}/plan", json={"daily_units": huge}, headers=admin.headers),
        await client.post(f"{user_path}/deposit", json={"amount": huge}, headers=admin.headers),
        await client.post(f"{user_path}/deposit", json={"amount": -huge}, headers=admin.headers),
    ]

    assert [r.status_code for r in responses] == [422] * 5
    assert all(r.json()["error"]["code"] == "validation_error" for r in responses)
    plans = (await client.get("/admin/plans", headers=admin.headers)).json()
    assert [(p["name"], p["daily_units"]) for p in plans] == [("pro", 50_000)]
    usage = (await client.get("/me/usage", headers=someone.headers)).json()
    assert usage["balance"] == 0


async def test_admin_reads_any_chat_with_its_messages(
    app: FastAPI, client: httpx.AsyncClient, admin: Account
) -> None:
    someone = await create_account(client)
    character = await create_character(client, someone, visibility="private")
    chat = await create_chat(client, someone, character["id"])

    response = await client.get(f"/admin/chats/{chat['id']}", headers=admin.headers)

    body = response.json()
    assert body["user_id"] == someone.user["id"]
    assert body["character_name"] == character["name"]
    assert [m["id"] for m in body["messages"]] == [chat["first_message"]["id"]]
    (entry,) = await audit_entries(client, admin, action="chat.read")
    assert entry["target_id"] == chat["id"]


async def test_admin_errors_are_localised(client: httpx.AsyncClient, admin: Account) -> None:
    response = await client.get(
        "/admin/users/00000000-0000-7000-8000-000000000000",
        headers={**admin.headers, "Accept-Language": "ru"},
    )

    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "user_not_found",
        "message": "Пользователь не найден.",
        "details": None,
    }


async def test_a_chat_still_being_imported_is_not_shown_to_admins(
    app: FastAPI, client: httpx.AsyncClient, admin: Account
) -> None:
    someone = await create_account(client)
    character = await create_character(client, someone)
    kept = await create_chat(client, someone, character["id"])
    importing = await create_chat(client, someone, character["id"])
    async with app.state.db.sessionmaker() as session:
        await session.execute(
            update(Chat)
            .where(Chat.id == uuid.UUID(importing["id"]))
            .values(import_worker_id="another-worker")
        )
        await session.commit()

    detail = (await client.get(f"/admin/users/{someone.user['id']}", headers=admin.headers)).json()
    read = await client.get(f"/admin/chats/{importing['id']}", headers=admin.headers)
    stats = (await client.get("/admin/stats", headers=admin.headers)).json()

    assert [c["id"] for c in detail["chats"]] == [kept["id"]]
    assert detail["chats_count"] == stats["chats"] == 1
    assert read.status_code == 404
