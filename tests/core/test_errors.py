"""Every error is JSON of one shape; no trace ever reaches a client."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from hearth.core.deps import DbDep
from hearth.users.models import User
from tests.factories import register


async def test_unknown_api_path_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_wrong_method_is_a_json_405(client: httpx.AsyncClient) -> None:
    response = await client.delete("/auth/login")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


async def test_unexpected_failure_is_a_500_without_trace_but_logged(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode() -> None:
        raise RuntimeError("secret internal detail")

    app.router.add_api_route("/api/v1/explode", explode)
    with caplog.at_level(logging.ERROR, logger="hearth.access"):
        response = await client.get("/explode", headers={"X-Request-ID": "trace-me-123"})
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "Something went wrong on our side.",
            "details": None,
        }
    }
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
    assert response.headers["X-Request-ID"] == "trace-me-123"
    assert any("secret internal detail" in (r.exc_text or str(r.exc_info)) for r in caplog.records)


async def test_a_write_that_breaks_a_constraint_is_409_and_logs_no_values(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """What a service checked before it wrote can still fail at the write when a concurrent
    request wrote first."""
    await register(client, email="eve@example.com", username="eve")

    async def write_a_second_eve(db: DbDep) -> None:
        db.add(User(email="eve@example.com", username="eve2", password_hash="secret-hash"))
        await db.flush()

    app.router.add_api_route("/api/v1/second-eve", write_a_second_eve, methods=["POST"])
    with caplog.at_level(logging.WARNING):
        response = await client.post("/second-eve")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "concurrent_change"
    assert "db.integrity_error" in caplog.text
    assert "secret-hash" not in caplog.text and "eve2" not in caplog.text


async def test_messages_follow_accept_language(client: httpx.AsyncClient) -> None:
    ru = await client.get("/me", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    es = await client.get("/me", headers={"Accept-Language": "es"})
    assert ru.json()["error"]["message"] == "Войдите в аккаунт."
    assert es.json()["error"]["message"] == "Inicia sesión."
    assert ru.json()["error"]["code"] == es.json()["error"]["code"] == "not_authenticated"


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/healthz")
    second = await client.get("/healthz")
    assert len(first.headers["X-Request-ID"]) >= 16
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    unsafe = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["X-Request-ID"] != "bad id\twith spaces"


async def test_access_log_records_status_and_time_taken(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hearth.access"):
        await client.get("/no/such/thing")
    (line,) = [r for r in caplog.records if r.name == "hearth.access"]
    assert line.__dict__["status"] == 404
    assert 0 <= line.__dict__["duration_ms"] < 10_000


async def test_openapi_document_describes_the_api(client: httpx.AsyncClient) -> None:
    response = await client.get("http://test/openapi.json")
    paths = response.json()["paths"]
    for path in ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/me", "/api/v1/me/avatar"]:
        assert path in paths


async def test_openapi_document_describes_the_errors_as_they_are_sent(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("http://test/openapi.json")).json()
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    operations = [op for path in document["paths"].values() for op in path.values()]
    for operation in operations:
        responses = operation["responses"]
        assert responses["default"]["content"]["application/json"]["schema"] == error_ref
        if "422" in responses:
            assert responses["422"]["content"]["application/json"]["schema"] == error_ref
    assert "HTTPValidationError" not in document["components"]["schemas"]
    # And a real 422 has that shape.
    sent = (await client.post("/auth/login", json={})).json()
    assert set(sent) == {"error"} and set(sent["error"]) == {"code", "message", "details"}
    assert {"field", "message"} <= set(sent["error"]["details"][0])
