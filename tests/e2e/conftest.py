"""Browser tests: a real server process, a fake LLM on loopback, Debian's headless Chromium.

Run only these: `pytest -m e2e tests/e2e`. They skip cleanly when /usr/bin/chromium is missing.
Screenshots go to tests/e2e/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ADMIN_EMAIL = "admin@example.com"
OPS_EMAIL = "ops@example.com"  # a second administrator, for the admin console tests
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}

# The fake model's reply: long enough to watch it grow, stop it and reload in the middle.
REPLY_TEXT = (
    '*She looks up from the old map and smiles.* "You came back. I was starting to think '
    'the storm had taken you." She taps a faded mark near the river. "Look here: the '
    "bridge is gone, but the ferryman still works at dawn. If we leave before the bells, "
    'we reach the mill by noon and the hills before dark. **Are you ready?**"'
)
REPLY_TOKENS = re.findall(r"\s*\S+", REPLY_TEXT)
TOKEN_DELAY = 0.06  # ~4 s per reply


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get("HEARTH_REQUIRE_BROWSER") and not CHROMIUM.exists():
        # CI must not pass by skipping the browser journey.
        raise pytest.UsageError("HEARTH_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason="needs Debian's chromium at /usr/bin"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI(models=["fake-model"])
    fake.default_reply = Reply(tokens=REPLY_TOKENS, delay=TOKEN_DELAY)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    data_dir: Path

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"


@pytest.fixture(scope="session")
def server(fake_llm: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HEARTH_", "OPENAI_", "ANTHROPIC_", "GEMINI_", "OPENROUTER_"))
        and not key.startswith("YANDEX_")
    }
    env.update(
        {
            "HEARTH_ENVIRONMENT": "test",
            "HEARTH_DATA_DIR": str(workdir / "data"),
            "HEARTH_SECRET_KEY": "e2e-secret-key-that-is-long-enough-for-hs256",
            "HEARTH_EMAIL_VERIFICATION": "false",
            "HEARTH_LOG_JSON": "false",
            "HEARTH_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "HEARTH_ADMIN_EMAILS": f"{ADMIN_EMAIL},{OPS_EMAIL}",
            "HEARTH_LOCAL_LLM_BASE_URL": fake_llm.base_url,
            "HEARTH_DEFAULT_MODEL": "local/fake-model",
            "PYTHONUNBUFFERED": "1",
        }
    )
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.serve", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            pytest.fail(f"server exited:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"server did not start:\n{log.read_text()[-4000:]}")
        time.sleep(0.2)
    try:
        yield Server(url, process, log, workdir / "data")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            await instance.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@dataclass
class BrowserLog:
    """Console errors, page errors and failed API calls seen by one page."""

    errors: list[str] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.failed.append((response.status, response.url))

    def unexpected(self, allowed: tuple[str, ...]) -> tuple[list[str], list[tuple[int, str]]]:
        """Errors except the browser's own line for each allowed failed request."""
        failed = [(s, u) for s, u in self.failed if not any(a in u for a in allowed)]
        resource_lines = sum(1 for e in self.errors if e.startswith("Failed to load resource"))
        expected_lines = len(self.failed) - len(failed)
        errors = [e for e in self.errors if not e.startswith("Failed to load resource")]
        if resource_lines > expected_lines:
            errors.append(f"{resource_lines - expected_lines} unexpected failed resource loads")
        return errors, failed
