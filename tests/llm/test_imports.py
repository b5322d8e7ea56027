"""Start-up stays fast: importing the gateway (or the app) loads no provider SDK."""

from __future__ import annotations

import subprocess
import sys

import pytest

SDKS = ("openai", "anthropic", "google.genai", "httpx2")


@pytest.mark.parametrize(
    "module", ["hearth.llm.gateway", "hearth.llm.router", "hearth.llm.cli", "hearth.app"]
)
def test_importing_does_not_import_provider_sdks(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"loaded = [m for m in {SDKS!r} if m in sys.modules]\n"
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
