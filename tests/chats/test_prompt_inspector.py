"""The prompt inspector tells how much of the chat fitted and whether examples were left out."""

from __future__ import annotations

import httpx

from tests.chats.helpers import inspect_prompt, new_chat, send_json
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI


async def test_prompt_inspector_reports_the_history_kept_and_the_example_dialogue(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me, example_dialogue="{{user}}: Hi\n{{char}}: Welcome!")
    reply = (await send_json(client, me, chat["id"], "A room, please.")).json()["assistant_message"]

    body = await inspect_prompt(client, me, chat["id"], reply["id"])

    assert body["history_count"] == 2  # the greeting and the message sent
    assert body["example_dialogue_dropped"] is False
