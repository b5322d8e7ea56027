"""A cursor comes back from the client, so it may be made up: whatever is in it, a 422."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from hearth.core.errors import ValidationFailed
from hearth.core.pagination import (
    cursor_datetime,
    cursor_int,
    cursor_uuid,
    decode_cursor,
    encode_cursor,
)
from tests.characters.helpers import admin
from tests.factories import create_account


def _made_up(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


ID = str(uuid.uuid4())
MADE_UP = [
    "!!!",
    _made_up("{}"),
    _made_up(f'[Infinity,"{ID}"]'),
    _made_up(f'[NaN,"{ID}"]'),
    _made_up(f'[1e400,"{ID}"]'),
    _made_up(f'[99999999999999999999999,"{ID}"]'),
    _made_up(f'[true,"{ID}"]'),
    _made_up(f'["2026-01-01T00:00:00","{ID}"]'),  # no zone
    _made_up(f'["9999-12-31T23:59:59-05:00","{ID}"]'),  # past year 9999 in UTC
    _made_up('["2026-01-01T00:00:00+00:00",["not","an","id"]]'),
    _made_up('["2026-01-01T00:00:00+00:00","zzz"]'),
    _made_up('[{"a":1}]'),
    _made_up('["zzz"]'),
    _made_up("[" * 5000 + "]" * 5000),
]


def test_a_cursor_reads_back_what_was_put_in_it() -> None:
    at, key, row = datetime(2026, 12, 7, 17, 0, tzinfo=UTC), 42, uuid.uuid4()
    cursor = encode_cursor([at.isoformat(), key, str(row)])
    assert decode_cursor(cursor, cursor_datetime, cursor_int, cursor_uuid) == [at, key, row]


@pytest.mark.parametrize("cursor", MADE_UP)
def test_a_made_up_cursor_is_refused_as_invalid(cursor: str) -> None:
    with pytest.raises(ValidationFailed):
        decode_cursor(cursor, cursor_datetime, cursor_uuid)
    with pytest.raises(ValidationFailed):
        decode_cursor(cursor, cursor_int, cursor_uuid)
    with pytest.raises(ValidationFailed):
        decode_cursor(cursor, cursor_uuid)


async def test_every_paged_list_answers_a_made_up_cursor_with_422(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await create_account(client)
    boss = await admin(client, app)
    lists = [
        ("/characters?sort=popular", user),
        ("/characters?sort=likes", user),
        ("/characters?sort=new", user),
        ("/me/characters", user),
        ("/me/favorites", user),
        ("/me/transactions", user),
        ("/chats", user),
        ("/admin/users", boss),
        ("/admin/characters", boss),
        ("/admin/reports", boss),
        ("/admin/audit", boss),
    ]
    for path, account in lists:
        for cursor in MADE_UP:
            response = await client.get(path, params={"cursor": cursor}, headers=account.headers)
            assert response.status_code == 422, (path, cursor, response.text)
            assert response.json()["error"]["details"][0]["field"] == "cursor"
