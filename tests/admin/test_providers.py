"""Administering LLM providers: keys stored encrypted and never shown; checks; models."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from hearth.llm.models import LLMProviderRecord
from tests.admin.helpers import audit_entries
from tests.factories import Account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

SECRET = "sk-test-very-secret-key-123"


async def _add(client: httpx.AsyncClient, admin: Account, base_url: str) -> httpx.Response:
    return await client.post(
        "/admin/providers",
        json={
            "name": "office",
            "kind": "local",
            "base_url": base_url,
            "api_key": SECRET,
            "extra": {"default_model": "fake-model"},
        },
        headers=admin.headers,
    )


async def test_added_provider_is_listed_without_its_key(
    app: FastAPI, client: httpx.AsyncClient, admin: Account, fake_llm: FakeOpenAI
) -> None:
    added = await _add(client, admin, fake_llm.base_url)

    assert added.status_code == 201
    listed = await client.get("/admin/providers", headers=admin.headers)
    office = [p for p in listed.json() if p["name"] == "office"]
    assert office == [
        {
            "name": "office",
            "kind": "local",
            "source": "database",
            "base_url": fake_llm.base_url,
            "enabled": True,
            "has_key": True,
            "default_model": "fake-model",
            "folder_id": None,
            "circuit": "closed",
        }
    ]
    assert SECRET not in listed.text and SECRET not in added.text
    async with app.state.db.sessionmaker() as session:
        stored = await session.scalar(select(LLMProviderRecord.api_key_encrypted))
    assert stored and SECRET not in stored
    audit_text = str(await audit_entries(client, admin, target_type="provider"))
    assert SECRET not in audit_text and "provider.create" in audit_text


async def test_provider_check_reports_success_and_failure(
    client: httpx.AsyncClient, admin: Account, fake_llm: FakeOpenAI
) -> None:
    await _add(client, admin, fake_llm.base_url)
    fake_llm.script(Reply(tokens=["OK"]), Reply(status=401))

    ok = await client.post("/admin/providers/office/check", headers=admin.headers)
    failed = await client.post("/admin/providers/office/check", headers=admin.headers)

    assert ok.json()[0]["ok"] is True
    assert failed.json()[0]["ok"] is False
    assert failed.json()[0]["code"]
    assert fake_llm.requests[0].headers["authorization"] == f"Bearer {SECRET}"


async def test_editing_without_a_key_keeps_the_stored_one(
    client: httpx.AsyncClient, admin: Account, fake_llm: FakeOpenAI
) -> None:
    await _add(client, admin, fake_llm.base_url)

    edited = await client.patch(
        "/admin/providers/office", json={"enabled": True}, headers=admin.headers
    )

    assert edited.json()["has_key"] is True


async def test_adding_a_provider_under_a_taken_name_is_refused_and_keeps_the_stored_one(
    client: httpx.AsyncClient, admin: Account, fake_llm: FakeOpenAI
) -> None:
    await _add(client, admin, fake_llm.base_url)

    again = await client.post(
        "/admin/providers",
        json={"name": "office", "kind": "local", "base_url": "http://127.0.0.1:9/v1"},
        headers=admin.headers,
    )

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "provider_exists"
    listed = await client.get("/admin/providers", headers=admin.headers)
    (office,) = [p for p in listed.json() if p["name"] == "office"]
    assert office["has_key"] is True and office["base_url"] == fake_llm.base_url
    actions = [e["action"] for e in await audit_entries(client, admin, target_type="provider")]
    assert actions == ["provider.create"]


async def test_default_and_fallback_models_are_set_and_audited(
    client: httpx.AsyncClient, admin: Account, fake_llm: FakeOpenAI
) -> None:
    await _add(client, admin, fake_llm.base_url)

    response = await client.put(
        "/admin/models",
        json={"default_model": "office/fake-model", "fallback_models": ["local/fake-model"]},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["default_model"] == "office/fake-model"
    assert response.json()["fallback_models"] == ["local/fake-model"]
    (entry,) = await audit_entries(client, admin, action="provider.models")
    assert entry["after"]["default_model"] == "office/fake-model"


async def test_a_model_of_an_unknown_provider_is_refused(
    client: httpx.AsyncClient, admin: Account
) -> None:
    response = await client.put(
        "/admin/models", json={"default_model": "nowhere/model"}, headers=admin.headers
    )
    assert response.status_code == 422


async def test_a_provider_address_that_is_not_an_http_url_is_refused(
    client: httpx.AsyncClient, admin: Account
) -> None:
    bad = ["\x19http://127.0.0.1:9/v1", "http://local host/v1", "ftp://127.0.0.1/", "localhost"]

    responses = [await _add(client, admin, base_url) for base_url in bad]

    assert [r.status_code for r in responses] == [422] * len(bad)
    listed = await client.get("/admin/providers", headers=admin.headers)
    assert [p for p in listed.json() if p["name"] == "office"] == []


async def _add_yandex(
    client: httpx.AsyncClient, admin: Account, base_url: str, **fields: object
) -> httpx.Response:
    body = {"name": "yc", "kind": "yandex", "base_url": base_url, "api_key": SECRET, **fields}
    return await client.post("/admin/providers", json=body, headers=admin.headers)


async def test_a_yandex_provider_is_stored_with_its_folder_id_and_sends_it(
    app: FastAPI, client: httpx.AsyncClient, admin: Account, fake_llm: FakeOpenAI
) -> None:
    added = await _add_yandex(client, admin, fake_llm.base_url, folder_id="b1gfolder42")
    fake_llm.script(Reply(tokens=["OK"]))
    check = await client.post("/admin/providers/yc/check", headers=admin.headers)

    assert added.status_code == 201, added.text
    assert added.json()["folder_id"] == "b1gfolder42" and added.json()["has_key"] is True
    assert SECRET not in added.text
    async with app.state.db.sessionmaker() as session:
        record = await session.scalar(
            select(LLMProviderRecord).where(LLMProviderRecord.name == "yc")
        )
    assert record is not None and record.extra["folder_id"] == "b1gfolder42"
    assert check.json()[0]["ok"] is True, check.text
    sent = fake_llm.requests[-1]
    assert sent.headers["openai-project"] == "b1gfolder42"
    assert sent.json()["model"].startswith("gpt://b1gfolder42/")


async def test_a_yandex_provider_without_a_folder_id_is_refused_on_that_field(
    client: httpx.AsyncClient, admin: Account, fake_llm: FakeOpenAI
) -> None:
    missing = await _add_yandex(client, admin, fake_llm.base_url)
    blank = await _add_yandex(client, admin, fake_llm.base_url, folder_id="")

    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "provider_folder_id_required"
    assert [d["field"] for d in missing.json()["error"]["details"]] == ["folder_id"]
    assert blank.status_code == 422
    assert [d["field"] for d in blank.json()["error"]["details"]] == ["folder_id"]
    listed = await client.get("/admin/providers", headers=admin.headers)
    assert [p for p in listed.json() if p["name"] == "yc"] == []


async def test_editing_a_yandex_provider_keeps_or_changes_its_folder_id(
    client: httpx.AsyncClient, admin: Account, fake_llm: FakeOpenAI
) -> None:
    await _add_yandex(
        client, admin, fake_llm.base_url, folder_id="b1gold", extra={"default_model": "m"}
    )

    kept = await client.patch("/admin/providers/yc", json={"enabled": True}, headers=admin.headers)
    changed = await client.patch(
        "/admin/providers/yc", json={"folder_id": "b1gnew"}, headers=admin.headers
    )

    assert kept.json()["folder_id"] == "b1gold"
    assert changed.json()["folder_id"] == "b1gnew"
    assert changed.json()["default_model"] == "m" and changed.json()["has_key"] is True


async def test_a_folder_id_that_could_break_a_header_is_refused(
    client: httpx.AsyncClient, admin: Account, fake_llm: FakeOpenAI
) -> None:
    response = await _add_yandex(client, admin, fake_llm.base_url, folder_id="b1g\r\nX-Evil: 1")

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "folder_id"


async def test_check_all_lists_a_disabled_provider_as_not_contacted(
    client: httpx.AsyncClient, admin: Account, fake_llm: FakeOpenAI
) -> None:
    await _add(client, admin, fake_llm.base_url)
    disabled = await client.patch(
        "/admin/providers/office", json={"enabled": False}, headers=admin.headers
    )
    assert disabled.status_code == 200, disabled.text
    fake_llm.requests.clear()

    checked = await client.post("/admin/providers/check", headers=admin.headers)

    assert checked.status_code == 200, checked.text
    office = [c for c in checked.json() if c["provider"] == "office"]
    assert office == [
        {
            "provider": "office",
            "model": "office/fake-model",
            "ok": False,
            "status": "disabled, not contacted",
            "latency_ms": None,
            "code": None,
            "disabled": True,
        }
    ]
    assert all(r.headers.get("authorization") != f"Bearer {SECRET}" for r in fake_llm.requests)


async def test_checking_a_disabled_provider_says_so_without_calling_it(
    client: httpx.AsyncClient, admin: Account, fake_llm: FakeOpenAI
) -> None:
    await _add(client, admin, fake_llm.base_url)
    await client.patch("/admin/providers/office", json={"enabled": False}, headers=admin.headers)
    fake_llm.requests.clear()

    checked = await client.post("/admin/providers/office/check", headers=admin.headers)

    assert checked.status_code == 200, checked.text
    assert [(c["provider"], c["disabled"], c["ok"]) for c in checked.json()] == [
        ("office", True, False)
    ]
    assert fake_llm.requests == []
