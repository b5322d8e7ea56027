"""`GET /models`: what users can pick, with availability and prices (mounted under /api/v1)."""

from __future__ import annotations

from fastapi import APIRouter

from hearth.llm.deps import GatewayDep
from hearth.llm.schemas import ModelOut

router = APIRouter(tags=["models"])


@router.get("/models", response_model=list[ModelOut], summary="List selectable models")
async def list_models(gateway: GatewayDep) -> list[ModelOut]:
    """Models of the configured providers (`available` false when a provider is failing),
    then the offline demo model, labelled `is_demo`."""
    return [ModelOut.of(info) for info in await gateway.list_models()]
