"""Pure unit tests: no app, no database, no LLM."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def llm() -> None:
    """Overrides the package's LLM fixture: these tests start no app."""
    return None
