"""The `hearth` command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hearth import __version__
from tests.server import hearth_env, running_server

pytestmark = pytest.mark.slow


def _hearth(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hearth.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    result = _hearth("version", env=hearth_env(tmp_path))
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_create_admin_makes_an_account_that_can_sign_in_as_admin(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = hearth_env(data_dir)
    result = _hearth(
        "create-admin",
        "--email",
        "root@example.com",
        "--username",
        "root",
        "--password",
        "admin pass 123",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "created" in result.stdout
    # The database, the uploads and the secret key are the operator's alone.
    assert data_dir.stat().st_mode & 0o777 == 0o700
    again = _hearth(
        "create-admin",
        "--email",
        "root@example.com",
        "--username",
        "root",
        "--password",
        "admin pass 123",
        env=env,
    )
    assert "promoted" in again.stdout
    with running_server(data_dir, env=env) as (base, _):
        tokens = httpx.post(
            f"{base}/api/v1/auth/login", json={"login": "root", "password": "admin pass 123"}
        ).json()
        me = httpx.get(
            f"{base}/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ).json()
        assert me["is_admin"] is True


def test_create_admin_refuses_a_weak_password(tmp_path: Path) -> None:
    result = _hearth(
        "create-admin",
        "--email",
        "a@example.com",
        "--username",
        "adm",
        "--password",
        "short",
        env=hearth_env(tmp_path),
    )
    assert result.returncode == 2
    assert "error" in result.stderr.lower()


def test_serve_refuses_to_start_with_a_malformed_rate_limit(tmp_path: Path) -> None:
    env = hearth_env(tmp_path / "data", HEARTH_AUTH_RATE="5 per minutes please")

    result = _hearth("serve", "--port", "9", env=env)

    assert result.returncode == 2
    assert "HEARTH_AUTH_RATE: '5 per minutes please' is not one rate" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # refused before touching anything


def test_serve_refuses_to_start_with_a_malformed_provider_setting(tmp_path: Path) -> None:
    env = hearth_env(tmp_path / "data", HEARTH_LLM_TIMEOUT_SECONDS="abc")

    result = _hearth("serve", "--port", "9", env=env)

    assert result.returncode == 2
    assert "HEARTH_LLM_TIMEOUT_SECONDS: Input should be a valid number" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_is_idempotent(tmp_path: Path) -> None:
    env = hearth_env(tmp_path / "data")
    assert _hearth("migrate", env=env).returncode == 0
    second = _hearth("migrate", env=env)
    assert second.returncode == 0 and "up to date" in second.stdout
