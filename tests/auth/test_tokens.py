"""Access tokens: short-lived, signed, algorithm pinned, tied to a live session."""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import pytest

from hearth.config import Settings
from tests.factories import create_account


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


async def test_me_requires_a_bearer_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


async def test_access_token_carries_the_standard_claims(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    account = await create_account(client)
    claims = jwt.decode(account.access_token, settings.resolved_secret_key, algorithms=["HS256"])
    assert claims["sub"] == account.user["id"]
    assert {"exp", "iat", "jti", "sid"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 15 * 60


async def test_expired_token_is_refused_as_expired(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    account = await create_account(client)
    claims = jwt.decode(account.access_token, settings.resolved_secret_key, algorithms=["HS256"])
    claims.update(iat=int(time.time()) - 3600, exp=int(time.time()) - 60)
    expired = jwt.encode(claims, settings.resolved_secret_key, algorithm="HS256")
    response = await client.get("/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


async def test_tampered_token_is_refused(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    other = await create_account(client)
    header, payload, signature = account.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = other.user["id"]
    forged = f"{header}.{_b64(claims)}.{signature}"
    response = await client.get("/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_invalid"


async def test_alg_none_token_is_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    account = await create_account(client)
    claims = jwt.decode(account.access_token, settings.resolved_secret_key, algorithms=["HS256"])
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    response = await client.get("/me", headers={"Authorization": f"Bearer {unsigned}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_invalid"


async def test_token_signed_with_another_key_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    account = await create_account(client)
    claims = jwt.decode(account.access_token, settings.resolved_secret_key, algorithms=["HS256"])
    foreign = jwt.encode(claims, "some-other-secret-key-of-enough-length!!", algorithm="HS256")
    response = await client.get("/me", headers={"Authorization": f"Bearer {foreign}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_invalid"


@pytest.mark.parametrize(
    "value", ["Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "Bearer " + "a" * 5000]
)
async def test_garbage_authorization_headers_are_401(client: httpx.AsyncClient, value: str) -> None:
    response = await client.get("/me", headers={"Authorization": value})
    assert response.status_code == 401


async def test_refresh_token_is_not_an_access_token(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    response = await client.get("/me", headers={"Authorization": f"Bearer {account.refresh_token}"})
    assert response.status_code == 401
