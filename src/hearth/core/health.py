"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from hearth.core.deps import DatabaseDep

router = APIRouter(tags=["service"])
log = logging.getLogger("hearth.health")


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request, database: DatabaseDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(3):
            async with database.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # any failure means "not ready"; the reason goes to the log only
        log.exception("database not ready")
        checks["database"] = "unavailable"
    redis: Any = getattr(request.app.state, "redis", None)
    if redis is not None:
        try:
            async with asyncio.timeout(3):
                await redis.ping()
            checks["redis"] = "ok"
        except Exception:
            log.exception("redis not ready")
            checks["redis"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    body: dict[str, Any] = {"status": "ok" if ready else "unavailable", "checks": checks}
    if not ready:
        body["error"] = {"code": "service_unavailable", "message": "Not ready.", "details": checks}
    return JSONResponse(body, status_code=200 if ready else 503)
