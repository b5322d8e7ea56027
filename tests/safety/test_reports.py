"""Reports: users report characters and messages; admins resolve or dismiss them."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.admin.helpers import built_in_character
from tests.chats.helpers import create_character, create_chat, send_json
from tests.factories import Account, create_account
from tests.fakes.openai_server import FakeOpenAI


async def test_a_user_reports_a_character(client: httpx.AsyncClient, admin: Account) -> None:
    owner = await create_account(client)
    reporter = await create_account(client)
    character = await create_character(client, owner)

    response = await client.post(
        "/reports",
        json={"target_type": "character", "target_id": character["id"], "reason": "spam"},
        headers=reporter.headers,
    )

    assert response.status_code == 201
    (queued,) = (await client.get("/admin/reports", headers=admin.headers)).json()["items"]
    assert queued["id"] == response.json()["id"]
    assert queued["reporter_id"] == reporter.user["id"]
    assert queued["subject_user_id"] == owner.user["id"]


async def test_reporting_again_updates_the_open_report(
    client: httpx.AsyncClient, admin: Account
) -> None:
    owner = await create_account(client)
    reporter = await create_account(client)
    character = await create_character(client, owner)
    body = {"target_type": "character", "target_id": character["id"], "reason": "spam"}

    first = await client.post("/reports", json=body, headers=reporter.headers)
    second = await client.post(
        "/reports", json={**body, "reason": "harassment"}, headers=reporter.headers
    )

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["reason"] == "harassment"
    (queued,) = (await client.get("/admin/reports", headers=admin.headers)).json()["items"]
    assert queued["reason"] == "harassment"


async def test_ones_own_character_cannot_be_reported(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner, visibility="private")

    response = await client.post(
        "/reports",
        json={"target_type": "character", "target_id": character["id"], "reason": "spam"},
        headers=owner.headers,
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "cannot_report_own"


async def test_a_private_character_of_someone_else_cannot_be_reported(
    client: httpx.AsyncClient,
) -> None:
    owner = await create_account(client)
    reporter = await create_account(client)
    character = await create_character(client, owner, visibility="private")

    response = await client.post(
        "/reports",
        json={"target_type": "character", "target_id": character["id"], "reason": "other"},
        headers=reporter.headers,
    )

    assert response.status_code == 404


async def test_a_user_reports_a_reply_in_their_chat(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI, admin: Account
) -> None:
    owner = await create_account(client)
    me = await create_account(client)
    character = await create_character(client, owner)
    chat = await create_chat(client, me, character["id"])
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]

    response = await client.post(
        "/reports",
        json={"target_type": "message", "target_id": reply["id"], "reason": "harassment"},
        headers=me.headers,
    )

    assert response.status_code == 201
    assert response.json()["message_id"] == reply["id"]
    (queued,) = (await client.get("/admin/reports", headers=admin.headers)).json()["items"]
    assert queued["excerpt"] == reply["content"]
    assert queued["subject_user_id"] == owner.user["id"]


async def test_someone_elses_message_cannot_be_reported(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    stranger = await create_account(client)
    character = await create_character(client, me)
    chat = await create_chat(client, me, character["id"])

    response = await client.post(
        "/reports",
        json={
            "target_type": "message",
            "target_id": chat["first_message"]["id"],
            "reason": "spam",
        },
        headers=stranger.headers,
    )

    assert response.status_code == 404


async def test_resolving_can_block_the_character_and_leaves_the_queue(
    client: httpx.AsyncClient, admin: Account
) -> None:
    owner = await create_account(client)
    reporter = await create_account(client)
    character = await create_character(client, owner)
    report = await client.post(
        "/reports",
        json={"target_type": "character", "target_id": character["id"], "reason": "illegal"},
        headers=reporter.headers,
    )

    resolved = await client.post(
        f"/admin/reports/{report.json()['id']}/resolve",
        json={"note": "removed", "block_character": True},
        headers=admin.headers,
    )

    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["resolved_by"] == admin.user["id"]
    assert (await client.get("/admin/reports", headers=admin.headers)).json()["items"] == []
    assert (await client.get(f"/characters/{character['id']}")).status_code == 404
    audit = (await client.get("/admin/audit", headers=admin.headers)).json()["items"]
    assert {e["action"] for e in audit} == {"report.resolve", "character.block"}


async def test_resolving_with_a_block_refuses_to_block_the_system_account(
    app: FastAPI, client: httpx.AsyncClient, admin: Account
) -> None:
    guide = await built_in_character(app)
    reporter = await create_account(client)
    report = await client.post(
        "/reports",
        json={"target_type": "character", "target_id": str(guide), "reason": "other"},
        headers=reporter.headers,
    )

    refused = await client.post(
        f"/admin/reports/{report.json()['id']}/resolve",
        json={"block_user": True},
        headers=admin.headers,
    )

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "cannot_block_system"
    (still_open,) = (await client.get("/admin/reports", headers=admin.headers)).json()["items"]
    assert still_open["id"] == report.json()["id"]


async def test_dismissed_report_cannot_be_closed_again(
    client: httpx.AsyncClient, admin: Account
) -> None:
    owner = await create_account(client)
    reporter = await create_account(client)
    character = await create_character(client, owner)
    report = await client.post(
        "/reports",
        json={"target_type": "character", "target_id": character["id"], "reason": "other"},
        headers=reporter.headers,
    )
    path = f"/admin/reports/{report.json()['id']}"

    assert (await client.post(f"{path}/dismiss", headers=admin.headers)).json()["status"] == (
        "dismissed"
    )
    assert (await client.post(f"{path}/resolve", headers=admin.headers)).status_code == 409
    listed = await client.get(
        "/admin/reports", params={"status": "dismissed"}, headers=admin.headers
    )
    assert [r["id"] for r in listed.json()["items"]] == [report.json()["id"]]
