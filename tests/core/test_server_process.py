"""The real `hearth serve` process: migrates its own SQLite database and talks over a socket."""

from __future__ import annotations

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
