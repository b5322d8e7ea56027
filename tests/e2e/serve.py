"""Run the app for the browser tests: schema from the models (as the other tests do), then uvicorn.

`python -m tests.e2e.serve <port>`; settings come from the environment (HEARTH_*, LLM vars).
The schema is built from the models rather than migrations so the browser journey tests the
UI and the API together, independently of how far the migrations have caught up.
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn

import hearth.models  # noqa: F401 - registers every table on the metadata
from hearth.app import create_app
from hearth.config import Settings
from tests.database import create_schema


def main() -> None:
    port = int(sys.argv[1])
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(create_schema(settings.resolved_database_url))
    uvicorn.run(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
