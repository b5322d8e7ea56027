"""The real `hearth serve` process: migrates its own SQLite database and talks over a socket."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx
import pytest

from tests.server import running_server

pytestmark = pytest.mark.slow


def test_serve_migrates_and_handles_a_sign_up_over_a_socket(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir) as (base, _process), httpx.Client(base_url=base) as http:
        assert http.get("/readyz").status_code == 200
        body = {"email": "sock@example.com", "username": "sock", "password": "over the wire 1"}
        assert http.post("/api/v1/auth/register", json=body).status_code == 201
        tokens = http.post(
            "/api/v1/auth/login", json={"login": "sock", "password": body["password"]}
        ).json()
        me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.json()["username"] == "sock"
        assert me.headers["x-request-id"]
    assert (data_dir / "hearth.db").exists()
    secret = data_dir / "secret_key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    # A restart keeps the same key, so the sessions survive it.
    first_key = secret.read_text()
    with running_server(data_dir):
        pass
    assert secret.read_text() == first_key


def test_every_worker_of_a_multi_worker_server_logs_json_lines(tmp_path: Path) -> None:
    """Each worker is a new interpreter (spawned, not forked) and sets up its own logging."""
    data_dir = tmp_path / "data"
    with running_server(data_dir, args=("--workers", "2")) as (base, _process):
        for _ in range(10):  # a connection each: the kernel hands them to either worker
            assert httpx.get(f"{base}/api/v1/models").status_code == 200
    port = base.rsplit(":", 1)[1]
    lines = (tmp_path / f"server-{port}.log").read_text().splitlines()
    requests = [json.loads(line) for line in lines if '"msg": "request"' in line]
    assert [(entry["level"], entry["path"]) for entry in requests].count(
        ("info", "/api/v1/models")
    ) == 10
