"""The age gate holds on every path: catalog, direct id, chat creation, send, opt-in."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.characters.helpers import adult, minor
from tests.chats.helpers import create_character, create_chat, send_json, set_character
from tests.factories import Account, create_account
from tests.fakes.openai_server import FakeOpenAI

RESTRICTED = ("moderate", "nsfw")


async def _viewer(client: httpx.AsyncClient, kind: str) -> Account:
    if kind == "minor":
        return await minor(client)
    if kind == "no birthdate":
        return await create_account(client)
    return await adult(client, opted_in=False)


@pytest.fixture(params=["minor", "no birthdate", "adult not opted in"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("rating", RESTRICTED)
async def test_restricted_viewer_meets_the_gate_everywhere(
    client: httpx.AsyncClient, kind: str, rating: str, fake_llm: FakeOpenAI
) -> None:
    owner = await adult(client)
    character = await create_character(client, owner, content_rating=rating, tags=["gate-all"])
    viewer = await _viewer(client, kind)

    listed = await client.get("/characters", params={"tags": "gate-all"}, headers=viewer.headers)
    direct = await client.get(f"/characters/{character['id']}", headers=viewer.headers)
    started = await client.post(
        "/chats", json={"character_id": character["id"]}, headers=viewer.headers
    )

    assert listed.json()["items"] == []
    assert (direct.status_code, direct.json()["error"]["code"]) == (403, "age_restricted")
    assert (started.status_code, started.json()["error"]["code"]) == (403, "age_restricted")
    assert fake_llm.requests == []


async def test_send_is_refused_once_the_viewer_opts_out(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    grown = await adult(client)
    character = await create_character(client, grown, content_rating="nsfw")
    chat = await create_chat(client, grown, character["id"])
    await client.patch("/me", json={"show_nsfw": False}, headers=grown.headers)

    refused = await send_json(client, grown, chat["id"])

    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "age_restricted")
    assert fake_llm.requests == []


async def test_send_is_refused_when_the_character_becomes_mature(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    owner = await adult(client)
    kid = await minor(client)
    character = await create_character(client, owner, content_rating="sfw")
    chat = await create_chat(client, kid, character["id"])
    await set_character(app, character["id"], content_rating="nsfw")

    refused = await send_json(client, kid, chat["id"])

    assert refused.status_code == 403
    assert fake_llm.requests == []


async def test_a_minor_cannot_opt_in_to_mature_content(client: httpx.AsyncClient) -> None:
    kid = await minor(client)

    response = await client.patch("/me", json={"show_nsfw": True}, headers=kid.headers)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "age_restricted"


async def test_a_client_flag_cannot_claim_adulthood(client: httpx.AsyncClient) -> None:
    someone = await create_account(client)
    owner = await adult(client)
    character = await create_character(client, owner, content_rating="nsfw")

    await client.patch("/me", json={"show_nsfw": True, "is_adult": True}, headers=someone.headers)
    direct = await client.get(
        f"/characters/{character['id']}", headers={**someone.headers, "X-Adult": "1"}
    )

    assert direct.status_code == 403


async def test_changing_the_birthdate_is_allowed_only_once_and_audited(
    client: httpx.AsyncClient, admin: Account
) -> None:
    kid = await minor(client)
    first = await client.patch("/me", json={"birthdate": "2014-01-01"}, headers=kid.headers)
    second = await client.patch("/me", json={"birthdate": "1990-01-01"}, headers=kid.headers)

    assert first.status_code == 200
    assert second.status_code in (403, 409, 422)
    audit = await client.get(
        "/admin/audit", params={"action": "user.birthdate_change"}, headers=admin.headers
    )
    (entry,) = audit.json()["items"]
    assert entry["target_id"] == kid.user["id"]
    assert (entry["before"], entry["after"]) == (
        {"birthdate": "2015-03-01"},
        {"birthdate": "2014-01-01"},
    )


@pytest.mark.parametrize(
    "rating,phrase",
    [("sfw", "safe for work"), ("moderate", "nothing sexually explicit"), ("nsfw", "for adults")],
)
async def test_prompt_carries_the_characters_content_rating(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI, rating: str, phrase: str
) -> None:
    grown = await adult(client)
    character = await create_character(client, grown, content_rating=rating)
    chat = await create_chat(client, grown, character["id"])

    assert (await send_json(client, grown, chat["id"])).status_code == 200

    system = fake_llm.requests[-1].json()["messages"][0]
    assert system["role"] == "system"
    assert phrase in system["content"]


@pytest.mark.parametrize("author_kind", ["minor", "no birthdate"])
@pytest.mark.parametrize("rating", RESTRICTED)
async def test_only_adults_may_make_a_mature_character(
    client: httpx.AsyncClient, author_kind: str, rating: str
) -> None:
    author = await _viewer(client, author_kind)

    response = await client.post(
        "/characters",
        json={"name": "Late Show", "content_rating": rating, "visibility": "public"},
        headers=author.headers,
    )

    assert (response.status_code, response.json()["error"]["code"]) == (403, "age_restricted")
    assert response.json()["error"]["details"][0]["field"] == "content_rating"
    mine = await client.get("/me/characters", headers=author.headers)
    assert mine.json()["items"] == []


@pytest.mark.parametrize("author_kind", ["minor", "no birthdate"])
async def test_a_minors_character_cannot_be_switched_to_a_mature_rating(
    client: httpx.AsyncClient, author_kind: str
) -> None:
    author = await _viewer(client, author_kind)
    character = await create_character(client, author, content_rating="sfw")

    response = await client.patch(
        f"/characters/{character['id']}", json={"content_rating": "nsfw"}, headers=author.headers
    )

    assert (response.status_code, response.json()["error"]["code"]) == (403, "age_restricted")
    unchanged = await client.get(f"/characters/{character['id']}", headers=author.headers)
    assert unchanged.json()["content_rating"] == "sfw"


async def test_an_adult_without_the_opt_in_may_still_make_a_mature_character(
    client: httpx.AsyncClient,
) -> None:
    author = await adult(client, opted_in=False)

    response = await client.post(
        "/characters", json={"name": "Noir", "content_rating": "moderate"}, headers=author.headers
    )

    assert response.status_code == 201, response.text


async def test_an_admin_may_re_rate_a_minors_character_as_mature(
    client: httpx.AsyncClient, admin: Account
) -> None:
    kid = await minor(client)
    character = await create_character(client, kid, content_rating="sfw")

    response = await client.patch(
        f"/admin/characters/{character['id']}",
        json={"content_rating": "nsfw"},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["content_rating"] == "nsfw"
