"""`GET /models` over HTTP, with the gateway taken from `app.state.llm`."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from hearth.llm.gateway import LLMGateway
from hearth.llm.router import router
from tests.llm.conftest import OPENAI_KEY, llm_settings


def app_with(gateway: LLMGateway) -> FastAPI:
    app = FastAPI()
    app.include_router(router, prefix="/api/v1")
    app.state.llm = gateway
    return app


async def test_models_lists_configured_models_then_the_demo() -> None:
    gateway = LLMGateway(llm_settings(anthropic_api_key=OPENAI_KEY))
    transport = httpx.ASGITransport(app=app_with(gateway))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/api/v1/models")
    assert response.status_code == 200
    body = response.json()
    assert body[0] == {
        "id": "anthropic/claude-haiku-4-5",
        "provider": "anthropic",
        "label": "Claude Haiku 4.5",
        "context_length": 200_000,
        "input_price": 1.0,
        "output_price": 5.0,
        "available": True,
        "is_demo": False,
    }
    assert body[-1]["id"] == "demo/demo" and body[-1]["is_demo"] is True
    assert OPENAI_KEY not in response.text
