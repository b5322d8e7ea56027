"""Whatever a client sends, the API answers without a server error.

Schemathesis builds requests from our OpenAPI schema, valid ones and deliberately invalid
ones (wrong types, numbers out of range, odd strings, missing fields), and sends them to a
real `hearth serve`, on each database backend, as an administrator, so that every
operation is reached. Ids in paths are those of real objects, so that requests get past
the 404 into the handlers; operations that remove or block get objects of their own, so
that the others keep theirs. The one check: no 5xx, but for the 502 that reports the
language model's own failure. Runs are derandomized: the same code, the same requests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from hearth.app import create_app
from hearth.config import Settings
from tests.database import backends, fresh_database
from tests.server import hearth_env, running_server

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("HEARTH_FUZZ_EXAMPLES", "25"))
ADMIN = {"email": "fuzz@example.com", "username": "fuzzer", "password": "no server errors 1"}
# A 502 is the language model failing, and says so (`llm_*` names how): the server did not.
MODEL_FAILED = ("generation_failed", "model_failed", "llm_")
# Ending the caller's own session would turn the rest into 401s; their tests cover them.
SESSION_ENDING = ("/auth/logout", "/auth/logout-all", "/auth/password/change")


def _objects(http: httpx.Client, suffix: str) -> dict[str, str]:
    """One of each object a path can name, owned by the caller; returns path ids by name."""

    def made(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    other = made(
        http.post(
            "/auth/register",
            json={
                "email": f"other{suffix}@example.com",
                "username": f"other{suffix}",
                "password": "someone else's 1",
            },
        )
    )
    character = made(
        http.post(
            "/characters",
            json={"name": f"Fuzzy {suffix}", "greeting": "Hello.", "visibility": "public"},
        )
    )
    chat = made(http.post("/chats", json={"character_id": character["id"]}))
    sent = made(
        http.post(
            f"/chats/{chat['id']}/messages",
            json={"content": "Hello there."},
            headers={"Accept": "application/json"},
        )
    )
    persona = made(http.post("/me/personas", json={"name": f"Persona {suffix}"}))
    report = made(
        http.post(
            "/reports",
            json={
                "target_type": "message",
                "target_id": sent["assistant_message"]["id"],
                "reason": "spam",
            },
        )
    )
    rule = made(http.post("/admin/moderation/rules", json={"pattern": f"word{suffix}"}))
    plan = made(http.post("/admin/plans", json={"name": f"plan {suffix}", "daily_units": 9}))
    provider = made(
        http.post(
            "/admin/providers",
            json={"name": f"office{suffix}", "kind": "local", "base_url": "http://127.0.0.1:9/v1"},
        )
    )
    return {
        "character_id": character["id"],
        "chat_id": chat["id"],
        "message_id": sent["assistant_message"]["id"],
        "persona_id": persona["id"],
        "user_id": other["id"],
        "report_id": report["id"],
        "rule_id": rule["id"],
        "plan_id": plan["id"],
        "name": provider["name"],
    }


@pytest.fixture(scope="module", params=backends())
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """An empty database: the server migrates it itself."""
    async with fresh_database(request.param, tmp_path_factory.mktemp("fuzz-db")) as url:
        yield url


@pytest.fixture(scope="module")
def target(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The server, the administrator's token, and the ids for ordinary and removing calls."""
    data_dir = tmp_path_factory.mktemp("fuzz") / "data"
    env = hearth_env(
        data_dir,
        HEARTH_DATABASE_URL=database_url,
        HEARTH_SEED_DEMO="false",
        HEARTH_DEMO_DELAY_MS="0",
        HEARTH_AUTH_RATE="100000/minute",
        HEARTH_SEND_RATE="100000/minute",
        HEARTH_SEND_IP_RATE="100000/minute",
        HEARTH_UPLOAD_RATE="100000/minute",
    )
    with running_server(data_dir, env=env) as (base, _process):
        subprocess.run(
            [sys.executable, "-m", "hearth.cli", "create-admin", *_flags(ADMIN)],
            env=env,
            check=True,
            capture_output=True,
        )
        with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as http:
            login = {"login": ADMIN["username"], "password": ADMIN["password"]}
            token = http.post("/auth/login", json=login).json()["access_token"]
            http.headers["Authorization"] = f"Bearer {token}"
            yield {
                "base": base,
                "token": token,
                "ids": _objects(http, "a"),
                "victims": _objects(http, "b"),
            }


def _flags(values: dict[str, str]) -> list[str]:
    return [part for name, value in values.items() for part in (f"--{name}", value)]


def _operations() -> list[str]:
    """Every operation of the API, from the app's own schema (no server needed to list them)."""
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(_env_file=None, data_dir=data_dir, secret_key="k" * 40))  # type: ignore[call-arg]
        paths = app.openapi()["paths"]
    return [
        f"{method.upper()} {path}"
        for path, methods in paths.items()
        for method in methods
        if not path.endswith(SESSION_ENDING)
    ]


@pytest.fixture(scope="module")
def api_schema(target: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_url(f"{target['base']}/openapi.json")


@pytest.mark.parametrize("label", _operations())
def test_no_request_gets_a_server_error(
    label: str, api_schema: Any, target: dict[str, Any]
) -> None:
    operation = api_schema.find_operation_by_label(label)
    removes = label.startswith("DELETE") or label.endswith("/block")
    ids = target["victims"] if removes else target["ids"]
    fixed = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
    cases = operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed) | (
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed)
    )
    headers = {"Authorization": f"Bearer {target['token']}"}

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def no_server_error(case: Any) -> None:
        response = case.call(base_url=target["base"], headers=headers, timeout=30)
        if response.status_code == 502:
            assert response.json()["error"]["code"].startswith(MODEL_FAILED)
        else:
            case.validate_response(response, checks=[not_a_server_error])

    no_server_error()
