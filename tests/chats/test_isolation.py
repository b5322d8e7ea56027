"""Another user's chat and messages do not exist for you: 404 on every endpoint."""

from __future__ import annotations

import httpx

from tests.chats.helpers import messages, new_chat, send_json
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI


async def test_every_chat_endpoint_is_404_for_another_user(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    owner = await create_account(client)
    stranger = await create_account(client)
    chat = await new_chat(client, owner)
    pair = (await send_json(client, owner, chat["id"])).json()
    c, m = chat["id"], pair["assistant_message"]["id"]
    u = pair["user_message"]["id"]
    calls = [
        ("GET", f"/chats/{c}", None),
        ("PATCH", f"/chats/{c}", {"title": "mine now"}),
        ("DELETE", f"/chats/{c}", None),
        ("POST", f"/chats/{c}/restore", None),
        ("PUT", f"/chats/{c}/author-note", {"text": "x"}),
        ("POST", f"/chats/{c}/branch", {"message_id": m}),
        ("GET", f"/chats/{c}/export", None),
        ("POST", f"/chats/{c}/impersonate", None),
        ("GET", f"/chats/{c}/messages", None),
        ("POST", f"/chats/{c}/messages", {"content": "hi"}),
        ("POST", f"/chats/{c}/messages/{m}/regenerate", None),
        ("POST", f"/chats/{c}/messages/{m}/continue", None),
        ("PUT", f"/chats/{c}/messages/{m}/swipe", {"index": 0}),
        ("PATCH", f"/chats/{c}/messages/{u}", {"content": "changed"}),
        ("DELETE", f"/chats/{c}/messages/{u}", None),
        ("PUT", f"/chats/{c}/messages/{u}/hidden", {"hidden": True}),
        ("PUT", f"/chats/{c}/messages/{m}/rating", {"rating": 1}),
        ("GET", f"/chats/{c}/messages/{m}/stream", None),
        ("POST", f"/chats/{c}/messages/{m}/stop", None),
        ("GET", f"/chats/{c}/messages/{m}/prompt", None),
    ]
    for method, url, body in calls:
        response = await client.request(method, url, json=body, headers=stranger.headers)
        assert response.status_code == 404, (method, url, response.status_code)

    listed = await client.get("/chats", params={"q": "Hello"}, headers=stranger.headers)
    assert listed.json()["items"] == []
    owner_view = await client.get(f"/chats/{c}", headers=owner.headers)
    assert owner_view.json()["title"] == chat["title"]
    assert owner_view.json()["deleted_at"] is None
    assert len(await messages(client, owner, c)) == 3


async def test_a_message_of_another_chat_is_404_through_my_chat(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    owner = await create_account(client)
    me = await create_account(client)
    theirs = await new_chat(client, owner)
    mine = await new_chat(client, me)
    their_message = theirs["first_message"]["id"]

    for method, url in [
        ("GET", f"/chats/{mine['id']}/messages/{their_message}/prompt"),
        ("DELETE", f"/chats/{mine['id']}/messages/{their_message}"),
        ("GET", f"/chats/{mine['id']}/messages/{their_message}/stream"),
    ]:
        response = await client.request(method, url, headers=me.headers)
        assert response.status_code == 404, (method, url)
    branch = await client.post(
        f"/chats/{mine['id']}/branch", json={"message_id": their_message}, headers=me.headers
    )
    assert branch.status_code == 404
