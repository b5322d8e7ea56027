"""FastAPI dependency: the gateway built in the app lifespan (`app.state.llm`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hearth.llm.gateway import LLMGateway


async def get_gateway(request: Request) -> LLMGateway:
    gateway: LLMGateway = request.app.state.llm
    return gateway


GatewayDep = Annotated[LLMGateway, Depends(get_gateway)]
