"""POST /characters/generate: a draft from a story, through the real gateway and SDK to a fake
OpenAI-compatible server on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from hearth.characters.generation import draft_from_answer, extract_object
from hearth.llm.gateway import LLMGateway
from hearth.llm.settings import LLMSettings
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply
from tests.limits.helpers import ledger, set_daily_units

STORY = (
    "Captain Ilse Brandt has flown the mail zeppelin Albatross over the Alps for twenty "
    "years. She talks to the engines and never lands at Zurich."
)
DRAFT = {
    "name": "Ilse Brandt",
    "tagline": "Zeppelin captain of the Alpine mail route",
    "description": "{{char}} has flown the Albatross for twenty years.",
    "personality": "gruff, loyal, superstitious",
    "scenario": "{{user}} is a new deckhand aboard the Albatross.",
    "greeting": "*Ilse taps the altimeter.* \"You're late. The wind isn't.\"",
    "alternate_greetings": ['"Mind the gas valves, greenhorn."'],
    "example_dialogue": "<START>\n{{user}}: Why not Zurich?\n{{char}}: Ask me when we land.",
    "tags": ["Steampunk", "Adventure", "Airship"],
    "gender": "female",
    "content_rating": "sfw",
    "lorebook": {"entries": [{"keys": ["Albatross"], "content": "A mail zeppelin."}]},
    "visibility": "public",
    "extra_key_from_the_model": 42,
}


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
async def fake(app: FastAPI, fake_server: FakeOpenAI) -> AsyncIterator[FakeOpenAI]:
    fake_server.reset()
    settings = LLMSettings(  # type: ignore[call-arg]
        _env_file=None,
        local_base_url=fake_server.base_url,
        local_model="fake-model",
        default_model="local/fake-model",
        timeout_seconds=10,
    )
    gateway = LLMGateway(settings)
    previous = getattr(app.state, "llm", None)
    app.state.llm = gateway
    yield fake_server
    app.state.llm = previous
    await gateway.aclose()
    fake_server.reset()


def _answer(text: str) -> Reply:
    return Reply(tokens=[text[i : i + 50] for i in range(0, len(text), 50)])


async def test_draft_from_a_story_is_returned_and_not_saved(
    client: httpx.AsyncClient, fake: FakeOpenAI
) -> None:
    user = await create_account(client)
    fake.script(_answer("Here you go!\n```json\n" + json.dumps(DRAFT) + "\n```\nEnjoy."))
    response = await client.post(
        "/characters/generate", json={"text": STORY, "locale": "ru"}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    draft = response.json()
    assert draft["name"] == "Ilse Brandt"
    assert draft["tags"] == ["steampunk", "adventure", "airship"]
    assert draft["visibility"] == "private"  # the model does not decide that
    assert draft["lorebook"]["entries"][0]["keys"] == ["Albatross"]
    sent = fake.requests[-1].json()["messages"]
    assert sent[0]["role"] == "system" and "Russian" in sent[0]["content"]
    assert sent[-1]["content"] == STORY
    mine = (await client.get("/me/characters", headers=user.headers)).json()
    assert mine["items"] == []


async def test_an_invalid_answer_gets_one_repair_round(
    client: httpx.AsyncClient, fake: FakeOpenAI
) -> None:
    user = await create_account(client)
    fake.script(_answer("I think she is lovely!"), _answer(json.dumps(DRAFT)))
    response = await client.post("/characters/generate", json={"text": STORY}, headers=user.headers)
    assert response.status_code == 200, response.text
    assert len(fake.requests) == 2
    repair = fake.requests[-1].json()["messages"]
    assert repair[-2] == {"role": "assistant", "content": "I think she is lovely!"}
    assert "no JSON object" in repair[-1]["content"]


async def test_two_invalid_answers_are_a_502(client: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    user = await create_account(client)
    fake.script(_answer('{"name": ""}'), _answer('{"tagline": "no name"}'))
    response = await client.post("/characters/generate", json={"text": STORY}, headers=user.headers)
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "generation_failed"
    assert any("name" in problem for problem in error["details"]["problems"])


async def test_provider_failure_is_a_502(client: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    user = await create_account(client)
    fake.script(Reply(status=401), Reply(status=401))
    response = await client.post("/characters/generate", json={"text": STORY}, headers=user.headers)
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "generation_failed"


async def test_a_draft_is_paid_from_the_users_day_for_every_round(
    app: FastAPI, client: httpx.AsyncClient, fake: FakeOpenAI
) -> None:
    user = await create_account(client)
    rounds = [_answer("I think she is lovely!"), _answer(json.dumps(DRAFT))]
    fake.script(*rounds)

    response = await client.post("/characters/generate", json={"text": STORY}, headers=user.headers)

    assert response.status_code == 200, response.text
    used = sum(reply.prompt_tokens + reply.completion_tokens for reply in rounds)
    [entry] = await ledger(app, user.user["id"])
    assert (entry.chat_id, entry.units) == (None, used)
    usage = (await client.get("/me/usage", headers=user.headers)).json()
    assert (usage["units_used"], usage["units_reserved"]) == (used, 0)


async def test_a_user_without_units_left_gets_429_and_the_model_is_not_asked(
    app: FastAPI, client: httpx.AsyncClient, fake: FakeOpenAI
) -> None:
    user = await create_account(client)
    await set_daily_units(app, user.user["id"], 0)

    response = await client.post("/characters/generate", json={"text": STORY}, headers=user.headers)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "quota_exceeded"
    assert fake.requests == []


async def test_a_draft_the_provider_refused_costs_nothing(
    app: FastAPI, client: httpx.AsyncClient, fake: FakeOpenAI
) -> None:
    user = await create_account(client)
    fake.script(Reply(status=401), Reply(status=401))

    response = await client.post("/characters/generate", json={"text": STORY}, headers=user.headers)

    assert response.status_code == 502
    usage = (await client.get("/me/usage", headers=user.headers)).json()
    assert (usage["units_used"], usage["units_reserved"]) == (0, 0)
    assert await ledger(app, user.user["id"]) == []


async def test_text_is_required_and_bounded(client: httpx.AsyncClient) -> None:
    user = await create_account(client)
    for text in ("", " ", "x" * 20_001):
        response = await client.post(
            "/characters/generate", json={"text": text}, headers=user.headers
        )
        assert response.status_code == 422
    anonymous = await client.post("/characters/generate", json={"text": STORY})
    assert anonymous.status_code == 401


def test_the_first_json_object_is_found_among_chatter() -> None:
    assert extract_object('Sure! {"a": {"b": 1}} and {"c": 2}') == {"a": {"b": 1}}
    assert extract_object('```json\n{"x": [1, 2]}\n```') == {"x": [1, 2]}
    assert (
        draft_from_answer(json.dumps({"name": "N", "content_rating": "spicy"})).content_rating
        == "sfw"
    )
