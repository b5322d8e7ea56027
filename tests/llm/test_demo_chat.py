"""The demo model in a chat, through the public API: regenerate gives another alternative,
continue goes on from the text as it stands, a Spanish message gets a Spanish reply."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from hearth.llm.gateway import LLMGateway
from tests.chats.helpers import new_chat, rerun_json, send_json
from tests.factories import create_account
from tests.llm.conftest import llm_settings

CHARACTER = {
    "name": "Mira",
    "greeting": "*Mira looks up from the lamp.* Welcome, {{user}}.",
    "example_dialogue": "<START>\n{{user}}: Who are you?\n{{char}}: I keep the light burning.",
}


@pytest.fixture(autouse=True)
async def demo_only(app: FastAPI) -> AsyncIterator[None]:
    """No provider configured: the app answers with the demo model."""
    gateway = LLMGateway(llm_settings())
    previous = app.state.llm
    app.state.llm = gateway
    yield
    app.state.llm = previous
    await gateway.aclose()


async def test_regenerate_with_the_demo_gives_an_alternative_unlike_the_earlier_ones(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me, **CHARACTER)
    sent = await send_json(client, me, chat["id"], "Is the storm coming tonight?")
    assert sent.status_code == 200, sent.text
    reply = sent.json()["assistant_message"]

    for _ in range(2):
        again = await rerun_json(client, me, chat["id"], reply["id"])
        assert again.status_code == 200, again.text
        reply = again.json()

    assert len(reply["swipes"]) == 3
    assert len(set(reply["swipes"])) == 3, reply["swipes"]


async def test_continue_with_the_demo_keeps_the_reply_and_adds_what_was_not_said(
    client: httpx.AsyncClient,
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me, **CHARACTER)
    sent = await send_json(client, me, chat["id"], "Who are you?")
    first = sent.json()["assistant_message"]["content"]

    continued = await rerun_json(
        client, me, chat["id"], sent.json()["assistant_message"]["id"], "continue"
    )

    assert continued.status_code == 200, continued.text
    content = continued.json()["content"]
    assert content.startswith(first + " *Mira ")
    added = content[len(first) :]
    assert first not in added and "I keep the light burning." not in added


async def test_the_demo_answers_a_spanish_message_in_spanish(client: httpx.AsyncClient) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me, name="Mira", greeting="Hola, {{user}}.")
    sent = await send_json(client, me, chat["id"], "Hola, ¿qué tal? ¿Dónde estamos?")
    reply = sent.json()["assistant_message"]["content"]
    assert any(w in reply for w in ("sonríe", "se acerca", "ladea", "ríe en voz baja")), reply
