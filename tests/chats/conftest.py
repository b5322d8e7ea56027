"""Chat tests: a scriptable fake OpenAI-compatible server as the app's LLM, a live server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from hearth.llm.gateway import LLMGateway
from hearth.llm.settings import LLMSettings
from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture(scope="session")
def fake_llm_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def fake_llm(fake_llm_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    fake_llm_server.reset()
    yield fake_llm_server
    fake_llm_server.reset()


def gateway_for(base_url: str) -> LLMGateway:
    settings = LLMSettings(  # type: ignore[call-arg]
        _env_file=None,
        local_base_url=base_url,
        local_model="fake-model",
        default_model="local/fake-model",
        timeout_seconds=10,
    )
    return LLMGateway(settings)


@pytest.fixture(autouse=True)
async def llm(app: FastAPI, fake_llm: FakeOpenAI) -> AsyncIterator[LLMGateway]:
    """Every chat test talks to the fake server through the real gateway and SDK."""
    gateway = gateway_for(fake_llm.base_url)
    previous = getattr(app.state, "llm", None)
    app.state.llm = gateway
    yield gateway
    app.state.llm = previous
    await gateway.aclose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def live_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A real uvicorn server (ASGITransport buffers whole responses: no live streaming)."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=30) as http:
        yield http
    server.should_exit = True
    await task
