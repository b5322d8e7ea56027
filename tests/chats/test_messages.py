"""Messages: paging, regenerate (swipes), continue, edit, delete, hide, rate, impersonate,
branch, the prompt inspector, one generation at a time."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from hearth.chats.models import Message, PromptSnapshot
from hearth.chats.turns import MAX_SWIPES
from hearth.core.ids import uuid7
from tests.chats.helpers import (
    as_sent,
    create_character,
    create_chat,
    inspect_prompt,
    llm_called,
    messages,
    new_chat,
    parse_sse,
    rerun_json,
    send_json,
)
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply


async def test_messages_page_newest_first_with_before(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    for n in range(3):
        await send_json(client, me, chat["id"], f"message {n}")  # 1 greeting + 6 messages

    first = (
        await client.get(f"/chats/{chat['id']}/messages", params={"limit": 4}, headers=me.headers)
    ).json()
    second = (
        await client.get(
            f"/chats/{chat['id']}/messages",
            params={"limit": 4, "before": first["next_cursor"]},
            headers=me.headers,
        )
    ).json()

    assert len(first["items"]) == 4 and len(second["items"]) == 3
    assert first["items"][1]["content"] == "message 2"
    assert second["items"][-1]["id"] == chat["first_message"]["id"]
    assert second["next_cursor"] is None
    ids = [m["id"] for m in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True)


async def test_regenerate_adds_a_swipe_and_keeps_the_old_ones(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["First"]), Reply(tokens=["Second"]))
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]

    response = await rerun_json(client, me, chat["id"], reply["id"])

    assert response.status_code == 200, response.text
    regenerated = response.json()
    assert regenerated["id"] == reply["id"]
    assert regenerated["swipes"] == ["First", "Second"]
    assert regenerated["swipe_index"] == 1
    assert regenerated["content"] == "Second"
    # The prompt of a regeneration ends with the user's message, not the old reply.
    assert fake_llm.requests[-1].json()["messages"][-1]["content"] == "Hello"


async def test_retrying_a_reply_that_failed_before_any_text_takes_its_place(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(
        Reply(tokens=["Good"]), Reply(status=400, error_message="bad model"), Reply(tokens=["New"])
    )
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]
    failed = (await rerun_json(client, me, chat["id"], reply["id"])).json()
    assert (failed["status"], failed["swipes"]) == ("error", ["Good", ""])

    retried = (await rerun_json(client, me, chat["id"], reply["id"])).json()

    assert (retried["status"], retried["swipes"], retried["swipe_index"]) == (
        "complete",
        ["Good", "New"],
        1,
    )


async def test_a_reply_with_the_most_alternatives_is_not_regenerated(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    swipes = [f"Take {n}" for n in range(MAX_SWIPES)]
    lines = [
        {"user_name": "You", "character_name": "Aria"},
        {"name": "You", "is_user": True, "mes": "Hi"},
        {"name": "Aria", "is_user": False, "mes": swipes[0], "swipes": swipes, "swipe_id": 0},
    ]
    imported = await client.post(
        "/chats/import",
        data={"character_id": character["id"]},
        files={"file": ("chat.jsonl", "\n".join(json.dumps(line) for line in lines))},
        headers=me.headers,
    )
    chat_id = imported.json()["id"]
    reply = (await messages(client, me, chat_id))[-1]

    response = await rerun_json(client, me, chat_id, reply["id"])

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_many_swipes"
    assert (await messages(client, me, chat_id))[-1] == reply
    assert fake_llm.requests == []
    # Continuing writes into the current alternative, so it is still allowed.
    fake_llm.script(Reply(tokens=[" more"]))
    continued = await rerun_json(client, me, chat_id, reply["id"], "continue")
    assert continued.json()["content"] == "Take 0 more"


async def test_selecting_a_swipe_makes_it_current(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["First"]), Reply(tokens=["Second"]))
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]
    await rerun_json(client, me, chat["id"], reply["id"])

    response = await client.put(
        f"/chats/{chat['id']}/messages/{reply['id']}/swipe", json={"index": 0}, headers=me.headers
    )

    assert response.status_code == 200
    assert response.json()["content"] == "First"
    assert (await messages(client, me, chat["id"]))[-1]["content"] == "First"


async def test_each_swipe_keeps_its_own_status_error_and_usage(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["Good", " reply"]), Reply(status=400))
    good = (await send_json(client, me, chat["id"])).json()["assistant_message"]
    failed = (await rerun_json(client, me, chat["id"], good["id"])).json()
    assert (failed["status"], failed["error"]["code"]) == ("error", "llm_bad_request")
    swipe = f"/chats/{chat['id']}/messages/{good['id']}/swipe"

    back = (await client.put(swipe, json={"index": 0}, headers=me.headers)).json()
    again = (await client.put(swipe, json={"index": 1}, headers=me.headers)).json()

    assert (back["content"], back["status"], back["error"]) == ("Good reply", "complete", None)
    assert back["usage"] == good["usage"] and back["model"] == good["model"]
    assert (again["status"], again["error"]["code"]) == ("error", "llm_bad_request")
    listed = (await messages(client, me, chat["id"]))[-1]
    assert (listed["swipe_index"], listed["status"]) == (1, "error")


async def test_only_the_latest_reply_can_be_regenerated(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    await send_json(client, me, chat["id"])
    response = await rerun_json(client, me, chat["id"], chat["first_message"]["id"])
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_chat_operation"


async def test_regenerating_the_users_unanswered_message_writes_a_new_reply(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["Gone"]), Reply(tokens=["Here", " again"]))
    sent = (await send_json(client, me, chat["id"], "Are you there?")).json()
    reply_path = f"/chats/{chat['id']}/messages/{sent['assistant_message']['id']}"
    assert (await client.delete(reply_path, headers=me.headers)).status_code == 204
    user_message = sent["user_message"]["id"]

    response = await client.post(
        f"/chats/{chat['id']}/messages/{user_message}/regenerate", headers=me.headers
    )

    events = parse_sse(response.text)
    assert [e.event for e in events] == ["start", "delta", "delta", "done"]
    answer = events[-1].data
    assert (answer["role"], answer["content"], answer["status"]) == (
        "assistant",
        "Here again",
        "complete",
    )
    assert [m["id"] for m in await messages(client, me, chat["id"])][-2:] == [
        user_message,
        answer["id"],
    ]
    assert fake_llm.requests[-1].json()["messages"][-1] == {
        "role": "user",
        "content": "Are you there?",
    }


async def test_a_hidden_user_message_is_not_answered(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    sent = (await send_json(client, me, chat["id"], "Psst")).json()
    base = f"/chats/{chat['id']}/messages"
    await client.delete(f"{base}/{sent['assistant_message']['id']}", headers=me.headers)
    user_message = sent["user_message"]["id"]
    await client.patch(f"{base}/{user_message}", json={"hidden": True}, headers=me.headers)
    asked = len(fake_llm.requests)

    response = await rerun_json(client, me, chat["id"], user_message)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_chat_operation"
    assert len(fake_llm.requests) == asked


async def test_only_the_latest_user_message_can_be_answered_again(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    first = (await send_json(client, me, chat["id"], "One")).json()["user_message"]
    await send_json(client, me, chat["id"], "Two")

    response = await rerun_json(client, me, chat["id"], first["id"])

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_chat_operation"
    assert len(await messages(client, me, chat["id"])) == 5


async def test_continue_extends_the_reply(client: httpx.AsyncClient, fake_llm: FakeOpenAI) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["Once upon"]), Reply(tokens=[" a time."]))
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]

    response = await rerun_json(client, me, chat["id"], reply["id"], "continue")

    assert response.status_code == 200, response.text
    assert response.json()["content"] == "Once upon a time."
    sent = fake_llm.requests[-1].json()["messages"]
    assert any(m["content"] == "Once upon" for m in sent)


async def test_edit_changes_the_text(client: httpx.AsyncClient, fake_llm: FakeOpenAI) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    pair = (await send_json(client, me, chat["id"], "Helo")).json()

    response = await client.patch(
        f"/chats/{chat['id']}/messages/{pair['user_message']['id']}",
        json={"content": "Hello"},
        headers=me.headers,
    )

    assert response.status_code == 200
    assert [m["content"] for m in await messages(client, me, chat["id"])][1] == "Hello"


async def test_delete_one_message_or_everything_after(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    one = (await send_json(client, me, chat["id"], "one")).json()
    two = (await send_json(client, me, chat["id"], "two")).json()

    single = await client.delete(
        f"/chats/{chat['id']}/messages/{two['assistant_message']['id']}", headers=me.headers
    )
    after_single = [m["id"] for m in await messages(client, me, chat["id"])]
    cascade = await client.delete(
        f"/chats/{chat['id']}/messages/{one['assistant_message']['id']}",
        params={"cascade": True},
        headers=me.headers,
    )

    assert single.status_code == cascade.status_code == 204
    assert two["assistant_message"]["id"] not in after_single
    assert two["user_message"]["id"] in after_single
    remaining = [m["id"] for m in await messages(client, me, chat["id"])]
    assert remaining == [chat["first_message"]["id"], one["user_message"]["id"]]


async def test_hidden_message_is_left_out_of_the_prompt(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    secret = (await send_json(client, me, chat["id"], "a secret")).json()["user_message"]

    hidden = await client.put(
        f"/chats/{chat['id']}/messages/{secret['id']}/hidden",
        json={"hidden": True},
        headers=me.headers,
    )
    await send_json(client, me, chat["id"], "next")

    assert hidden.json()["hidden"] is True
    sent = [m["content"] for m in fake_llm.requests[-1].json()["messages"]]
    assert "a secret" not in sent
    assert "next" in sent


async def test_a_rating_belongs_to_the_swipe_it_was_given_to(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["Loved"]), Reply(tokens=["Meh"]))
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]
    path = f"/chats/{chat['id']}/messages/{reply['id']}"
    await client.put(f"{path}/rating", json={"rating": 4}, headers=me.headers)

    regenerated = (await rerun_json(client, me, chat["id"], reply["id"])).json()
    assert regenerated["rating"] is None
    await client.put(f"{path}/rating", json={"rating": 1}, headers=me.headers)

    first = await client.put(f"{path}/swipe", json={"index": 0}, headers=me.headers)
    second = await client.put(f"{path}/swipe", json={"index": 1}, headers=me.headers)
    assert (first.json()["rating"], second.json()["rating"]) == (4, 1)


async def test_rate_a_reply(client: httpx.AsyncClient, fake_llm: FakeOpenAI) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]

    ok = await client.put(
        f"/chats/{chat['id']}/messages/{reply['id']}/rating", json={"rating": 4}, headers=me.headers
    )
    bad = await client.put(
        f"/chats/{chat['id']}/messages/{reply['id']}/rating", json={"rating": 5}, headers=me.headers
    )

    assert ok.status_code == 200 and ok.json()["rating"] == 4
    assert bad.status_code == 422
    emptied = await client.patch(
        f"/chats/{chat['id']}/messages/{reply['id']}", json={"content": ""}, headers=me.headers
    )
    assert emptied.status_code == 422  # deleting is how a message goes
    path = f"/chats/{chat['id']}/messages/{reply['id']}"
    kept = await client.patch(path, json={"hidden": False}, headers=me.headers)
    assert kept.json()["rating"] == 4  # left out: left as it is
    cleared = await client.patch(path, json={"rating": None}, headers=me.headers)
    assert cleared.status_code == 200 and cleared.json()["rating"] is None


async def test_nul_characters_are_dropped_from_stored_text_on_every_backend(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    """PostgreSQL's text cannot hold U+0000; a client or a model may still send one."""
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["Wel\x00come", " back."]))

    response = await send_json(client, me, chat["id"], "Hel\x00lo")
    await client.patch(f"/chats/{chat['id']}", json={"title": "Inn\x00"}, headers=me.headers)

    assert response.status_code == 200, response.text
    stored = await messages(client, me, chat["id"])
    assert [m["content"] for m in stored[-2:]] == ["Hello", "Welcome back."]
    assert stored[-1]["status"] == "complete"
    renamed = await client.get(f"/chats/{chat['id']}", headers=me.headers)
    assert renamed.json()["title"] == "Inn"


async def test_rows_flushed_together_are_stored_without_nul(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """Several new rows of one table go in one INSERT of many VALUES groups, whose
    parameters come flat: the NUL filter must still see each value (it once took them for
    rows, and every such flush failed)."""
    me = await create_account(client)
    chat = await new_chat(client, me)
    ids = [uuid7(), uuid7()]
    async with app.state.db.sessionmaker() as session:
        session.add_all(
            Message(id=mid, chat_id=uuid.UUID(chat["id"]), role="user", content=f"Hel\x00lo {n}")
            for n, mid in enumerate(ids)
        )
        await session.commit()

    stored = await messages(client, me, chat["id"])
    assert sorted(m["content"] for m in stored if m["id"] in map(str, ids)) == [
        "Hello 0",
        "Hello 1",
    ]


async def test_impersonate_returns_a_draft_and_stores_nothing(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["I open", " the door."]))
    before = await messages(client, me, chat["id"])

    response = await client.post(f"/chats/{chat['id']}/impersonate", headers=me.headers)

    assert response.status_code == 200, response.text
    assert response.json()["content"] == "I open the door."
    assert await messages(client, me, chat["id"]) == before


async def test_an_impersonation_that_fails_on_our_side_gives_back_the_units_it_held(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)

    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug between us and the provider")

    monkeypatch.setattr(app.state.llm, "complete", broken)
    response = await client.post(f"/chats/{chat['id']}/impersonate", headers=me.headers)

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    usage = (await client.get("/me/usage", headers=me.headers)).json()
    assert (usage["units_used"], usage["units_reserved"]) == (0, 0)


async def test_branch_copies_history_up_to_the_message(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    one = (await send_json(client, me, chat["id"], "one")).json()
    await send_json(client, me, chat["id"], "two")

    response = await client.post(
        f"/chats/{chat['id']}/branch",
        json={"message_id": one["assistant_message"]["id"]},
        headers=me.headers,
    )

    assert response.status_code == 201, response.text
    branch = response.json()
    assert branch["id"] != chat["id"]
    copied = [m["content"] for m in await messages(client, me, branch["id"])]
    assert copied == [chat["first_message"]["content"], "one", one["assistant_message"]["content"]]
    assert len(await messages(client, me, chat["id"])) == 5


@pytest.mark.parametrize(("locale", "suffix"), [("en", "branch"), ("ru", "ветка"), ("es", "rama")])
async def test_a_branch_is_titled_in_its_owners_language(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI, locale: str, suffix: str
) -> None:
    me = await create_account(client)
    await client.patch("/me", headers=me.headers, json={"locale": locale})
    chat = await new_chat(client, me)
    first = (await messages(client, me, chat["id"]))[0]

    response = await client.post(
        f"/chats/{chat['id']}/branch", json={"message_id": first["id"]}, headers=me.headers
    )

    assert response.json()["title"] == f"{chat['title']} ({suffix})"


async def test_a_branch_keeps_the_rating_of_every_swipe(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]
    path = f"/chats/{chat['id']}/messages/{reply['id']}"
    await client.put(f"{path}/rating", json={"rating": 1}, headers=me.headers)
    await rerun_json(client, me, chat["id"], reply["id"])
    await client.put(f"{path}/rating", json={"rating": 3}, headers=me.headers)

    branch = await client.post(
        f"/chats/{chat['id']}/branch", json={"message_id": reply["id"]}, headers=me.headers
    )

    copy = (await messages(client, me, branch.json()["id"]))[-1]
    first = await client.put(
        f"/chats/{branch.json()['id']}/messages/{copy['id']}/swipe",
        json={"index": 0},
        headers=me.headers,
    )
    assert (copy["rating"], first.json()["rating"]) == (3, 1)


async def test_branch_of_a_long_chat_keeps_every_field_in_order_under_fresh_ids(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    me = await create_account(client)
    character = await create_character(client, me)
    lines = [json.dumps({"user_name": "U", "character_name": "C", "chat_metadata": {}})]
    for n in range(100):
        row = {"name": "x", "is_user": n % 2 == 0, "mes": f"m{n}", "send_date": 1_700_000_000_000}
        if n % 2:
            row.update(swipes=[f"alt{n}", f"m{n}"], swipe_id=1)
        if n % 7 == 0:
            row["is_system"] = True  # hidden from the prompt
        lines.append(json.dumps(row))
    imported = await client.post(
        "/chats/import",
        files={"file": ("chat.jsonl", "\n".join(lines).encode())},
        data={"character_id": character["id"]},
        headers=me.headers,
    )
    original = await messages(client, me, imported.json()["id"])
    point = original[79]
    async with app.state.db.sessionmaker() as session:  # as if left mid-reply
        stored = await session.get(Message, uuid.UUID(original[1]["id"]))
        assert stored is not None
        stored.status = "streaming"
        await session.commit()

    branches = []
    for _ in range(2):
        response = await client.post(
            f"/chats/{imported.json()['id']}/branch",
            json={"message_id": point["id"]},
            headers=me.headers,
        )
        assert response.status_code == 201, response.text
        branches.append(await messages(client, me, response.json()["id"]))

    def fields(m: dict[str, object]) -> tuple[object, ...]:
        return (m["role"], m["content"], m["swipes"], m["swipe_index"], m["hidden"])

    for copied in branches:
        assert [fields(m) for m in copied] == [fields(m) for m in original[:80]]
        assert [m["status"] for m in copied[:3]] == ["complete", "interrupted", "complete"]
        assert [uuid.UUID(m["id"]) for m in copied] == sorted(uuid.UUID(m["id"]) for m in copied)
    ids = [{m["id"] for m in copied} for copied in branches]
    assert not ids[0] & ids[1] and not ids[0] & {m["id"] for m in original}


async def test_an_edited_lorebook_is_in_the_very_next_prompt(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    book = {"entries": [{"keys": ["dragon"], "content": "Dragons breathe fire."}]}
    character = await create_character(client, me, lorebook=book)
    chat = await client.post("/chats", json={"character_id": character["id"]}, headers=me.headers)
    await send_json(client, me, chat.json()["id"], "Tell me of the dragon.")
    book["entries"][0]["content"] = "Dragons breathe ice."
    edited = await client.patch(
        f"/characters/{character['id']}", json={"lorebook": book}, headers=me.headers
    )
    assert edited.status_code == 200, edited.text

    await send_json(client, me, chat.json()["id"], "And the dragon now?")

    systems = [r.json()["messages"][0]["content"] for r in fake_llm.requests[-2:]]
    assert "breathe fire" in systems[0] and "breathe ice" not in systems[0]
    assert "breathe ice" in systems[1] and "breathe fire" not in systems[1]


async def test_prompt_inspector_shows_the_exact_prompt_with_token_counts(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    reply = (await send_json(client, me, chat["id"], "What is this place?")).json()[
        "assistant_message"
    ]

    response = await client.get(
        f"/chats/{chat['id']}/messages/{reply['id']}/prompt", headers=me.headers
    )

    assert response.status_code == 200
    body = response.json()
    assert as_sent(body) == fake_llm.requests[-1].json()["messages"]
    assert all(m["changed"] is None for m in body["messages"])
    parts = {p["name"]: p["tokens"] for p in body["parts"]}
    assert parts["system"] > 0 and parts["history"] > 0
    assert body["total_tokens"] > 0


async def test_prompt_inspector_after_a_regeneration_shows_the_new_prompt(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    pair = (await send_json(client, me, chat["id"], "Helo")).json()
    reply = pair["assistant_message"]
    await client.patch(
        f"/chats/{chat['id']}/messages/{pair['user_message']['id']}",
        json={"content": "Hello again"},
        headers=me.headers,
    )

    await rerun_json(client, me, chat["id"], reply["id"])
    body = await inspect_prompt(client, me, chat["id"], reply["id"])

    sent = fake_llm.requests[-1].json()["messages"]
    assert as_sent(body) == sent
    assert sent[-1]["content"] == "Hello again"


async def test_prompt_inspector_marks_messages_changed_since_the_reply(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    one = (await send_json(client, me, chat["id"], "one")).json()
    two = (await send_json(client, me, chat["id"], "two")).json()
    sent = fake_llm.requests[-1].json()["messages"]

    await client.patch(
        f"/chats/{chat['id']}/messages/{one['user_message']['id']}",
        json={"content": "one, rewritten"},
        headers=me.headers,
    )
    await client.delete(
        f"/chats/{chat['id']}/messages/{one['assistant_message']['id']}", headers=me.headers
    )
    body = await inspect_prompt(client, me, chat["id"], two["assistant_message"]["id"])

    changed = {m["content"]: m["changed"] for m in body["messages"] if m["changed"]}
    assert changed == {"one, rewritten": "edited", "": "deleted"}
    unchanged = [m for m in body["messages"] if not m["changed"]]
    assert [m["content"] for m in unchanged][-1] == "two"
    assert len(body["messages"]) == len(sent)


async def test_prompt_inspector_tells_edits_of_messages_whose_macros_were_filled_in(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client, display_name="Sam")
    chat = await new_chat(client, me)
    macro = (await send_json(client, me, chat["id"], "I am {{user}}")).json()
    plain = (await send_json(client, me, chat["id"], "Hi {{char}}")).json()
    last = (await send_json(client, me, chat["id"], "three")).json()
    before = await inspect_prompt(client, me, chat["id"], last["assistant_message"]["id"])
    assert "I am Sam" in [m["content"] for m in before["messages"]]  # as sent
    assert all(m["changed"] is None for m in before["messages"])

    await client.patch(
        f"/chats/{chat['id']}/messages/{macro['user_message']['id']}",
        json={"content": "totally different"},
        headers=me.headers,
    )
    await client.delete(
        f"/chats/{chat['id']}/messages/{plain['user_message']['id']}", headers=me.headers
    )
    after = await inspect_prompt(client, me, chat["id"], last["assistant_message"]["id"])

    changed = {m["content"]: m["changed"] for m in after["messages"] if m["changed"]}
    assert changed == {"totally different": "edited", "": "deleted"}


async def test_prompt_snapshot_refers_to_the_chat_instead_of_copying_it(
    app: FastAPI, client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    long_message = "A long story about the storm. " * 50
    await send_json(client, me, chat["id"], long_message)
    reply = (await send_json(client, me, chat["id"], "And then?")).json()["assistant_message"]

    async with app.state.db.sessionmaker() as session:
        stored = await session.scalar(
            select(PromptSnapshot.snapshot).where(
                PromptSnapshot.message_id == uuid.UUID(reply["id"])
            )
        )
    body = await inspect_prompt(client, me, chat["id"], reply["id"])

    assert long_message not in json.dumps(stored)
    assert long_message in [m["content"] for m in body["messages"]]
    assert as_sent(body) == fake_llm.requests[-1].json()["messages"]


async def test_prompt_of_a_continued_reply_keeps_the_text_it_continued(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["Once upon"]), Reply(tokens=[" a time."]))
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]
    await rerun_json(client, me, chat["id"], reply["id"], "continue")

    body = await inspect_prompt(client, me, chat["id"], reply["id"])

    assert as_sent(body) == fake_llm.requests[-1].json()["messages"]
    assert "Once upon" in [m["content"] for m in body["messages"]]
    assert all(m["changed"] is None for m in body["messages"])


async def test_each_swipe_keeps_the_prompt_that_produced_it(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["Plain"]), Reply(tokens=["Noted"]))
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]
    note = {"author_note": "[Mood: stormy]", "author_note_depth": 0}
    assert (await client.patch(f"/chats/{chat['id']}", json=note, headers=me.headers)).is_success
    await rerun_json(client, me, chat["id"], reply["id"])
    sent = [request.json()["messages"] for request in fake_llm.requests[-2:]]
    path = f"/chats/{chat['id']}/messages/{reply['id']}/swipe"

    assert as_sent(await inspect_prompt(client, me, chat["id"], reply["id"])) == sent[1]
    assert (await client.put(path, json={"index": 0}, headers=me.headers)).is_success
    assert as_sent(await inspect_prompt(client, me, chat["id"], reply["id"])) == sent[0]
    assert sent[0] != sent[1]


async def test_a_hidden_reply_is_not_continued(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    reply = (await send_json(client, me, chat["id"])).json()["assistant_message"]
    path = f"/chats/{chat['id']}/messages/{reply['id']}"
    await client.patch(path, json={"hidden": True}, headers=me.headers)
    asked = len(fake_llm.requests)

    response = await rerun_json(client, me, chat["id"], reply["id"], "continue")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_chat_operation"
    assert len(fake_llm.requests) == asked


async def test_second_send_while_one_runs_is_409(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    fake_llm.script(Reply(tokens=["slow", " reply"], first_token_delay=0.5))

    first = asyncio.create_task(send_json(client, me, chat["id"], "one"))
    await llm_called(fake_llm)
    second = await send_json(client, me, chat["id"], "two")
    done = await first

    assert second.status_code == 409
    assert second.json()["error"]["code"] == "generation_in_progress"
    assert done.status_code == 200
    assert "two" not in [m["content"] for m in await messages(client, me, chat["id"])]


async def test_author_note_is_inserted_at_its_depth(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    response = await client.put(
        f"/chats/{chat['id']}/author-note",
        json={"text": "[Mood: stormy]", "depth": 0, "frequency": 1},
        headers=me.headers,
    )
    assert response.status_code == 200

    await send_json(client, me, chat["id"], "Hi")

    sent = fake_llm.requests[-1].json()["messages"]
    assert sent[-1] == {"role": "system", "content": "[Mood: stormy]"}
    assert sent[-2]["content"] == "Hi"


async def test_a_cards_character_note_goes_into_every_prompt_at_its_depth(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    note = {"prompt": "[{{char}} hides a secret.]", "depth": 1, "role": "system"}
    card = {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {"name": "Aria", "first_mes": "Welcome.", "extensions": {"depth_prompt": note}},
    }
    imported = await client.post(
        "/characters/import",
        files={"file": ("card.json", json.dumps(card).encode())},
        headers=me.headers,
    )
    assert imported.status_code == 201, imported.text
    chat = await create_chat(client, me, imported.json()["id"])

    for text in ("Hello.", "Any news?"):
        reply = (await send_json(client, me, chat["id"], text)).json()["assistant_message"]
        sent = fake_llm.requests[-1].json()["messages"]
        assert sent[-2] == {"role": "system", "content": "[Aria hides a secret.]"}
        assert sent[-1] == {"role": "user", "content": text}
        body = await inspect_prompt(client, me, chat["id"], reply["id"])
        assert {p["name"]: p["tokens"] for p in body["parts"]}["character_note"] > 0


async def test_a_stored_messages_random_macros_keep_their_values_on_later_turns(
    client: httpx.AsyncClient, fake_llm: FakeOpenAI
) -> None:
    me = await create_account(client)
    chat = await new_chat(client, me)
    first = (await send_json(client, me, chat["id"], "I roll {{roll:1d1000000}}.")).json()
    sent_first = fake_llm.requests[-1].json()["messages"][-1]["content"]
    assert "{{" not in sent_first

    second = (await send_json(client, me, chat["id"], "And now?")).json()["assistant_message"]

    later = [m["content"] for m in fake_llm.requests[-1].json()["messages"]]
    assert sent_first in later
    shown = await inspect_prompt(client, me, chat["id"], second["id"])
    assert sent_first in [m["content"] for m in shown["messages"]]
    stored = await messages(client, me, chat["id"])
    assert "I roll {{roll:1d1000000}}." in [m["content"] for m in stored]
    assert first["user_message"]["content"] == "I roll {{roll:1d1000000}}."
