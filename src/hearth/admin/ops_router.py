"""HTTP: admin LLM providers (keys never returned), default/fallback models, and plans."""

from __future__ import annotations

import uuid
from typing import Any, cast

from fastapi import APIRouter, Depends, Request, Response, status

from hearth.admin import audit, providers
from hearth.admin import errors as _errors  # noqa: F401 - registers messages
from hearth.admin.schemas import (
    ModelsIn,
    ModelsOut,
    ProviderCheckOut,
    ProviderIn,
    ProviderOut,
    ProviderUpdate,
)
from hearth.auth.deps import AdminUser, get_admin
from hearth.core.deps import DbDep, SettingsDep
from hearth.limits import plans
from hearth.limits.schemas import PlanIn, PlanOut, PlanUpdate
from hearth.llm.check import ProviderCheck
from hearth.llm.gateway import LLMGateway

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(get_admin)])
PLAN_FIELDS = ["name", "daily_units", "requires_balance", "is_default"]


def _gateway(request: Request) -> LLMGateway:
    return cast(LLMGateway, request.app.state.llm)


def _checks(found: list[ProviderCheck]) -> list[ProviderCheckOut]:
    return [
        ProviderCheckOut(
            provider=c.provider,
            model=c.model,
            ok=c.ok,
            status=c.status,
            latency_ms=c.latency_ms,
            code=c.code,
            disabled=c.disabled,
        )
        for c in found
    ]


@router.get("/providers")
async def list_providers(request: Request, admin: AdminUser, db: DbDep) -> list[ProviderOut]:
    """Env and stored providers with their circuit state; keys are never returned."""
    stored = await providers.stored_records(db)
    return [
        ProviderOut.model_validate(row, from_attributes=True)
        for row in providers.list_providers(_gateway(request), stored)
    ]


@router.post("/providers", status_code=status.HTTP_201_CREATED)
async def add_provider(
    body: ProviderIn, request: Request, admin: AdminUser, db: DbDep, settings: SettingsDep
) -> ProviderOut:
    """Store a provider (its key encrypted with the app secret); it serves at once here.
    A name already stored is 409 `provider_exists`: change that one with PATCH. A YandexGPT
    provider without `folder_id` is 422 `provider_folder_id_required`."""
    await providers.save(
        db,
        settings,
        _gateway(request),
        admin,
        name=body.name,
        kind=body.kind,
        base_url=body.base_url,
        api_key=body.api_key.get_secret_value() if body.api_key else None,
        extra=body.extra,
        folder_id=body.folder_id,
        enabled=body.enabled,
        creating=True,
    )
    return _one(request, await providers.stored_records(db), body.name)


@router.patch("/providers/{name}")
async def edit_provider(
    name: str,
    body: ProviderUpdate,
    request: Request,
    admin: AdminUser,
    db: DbDep,
    settings: SettingsDep,
) -> ProviderOut:
    changes: dict[str, Any] = {}
    if "api_key" in body.model_fields_set:
        changes["api_key"] = body.api_key.get_secret_value() if body.api_key else None
    await providers.save(
        db,
        settings,
        _gateway(request),
        admin,
        name=name,
        kind=body.kind,
        base_url=body.base_url,
        extra=body.extra,
        folder_id=body.folder_id,
        enabled=body.enabled,
        creating=False,
        **changes,
    )
    return _one(request, await providers.stored_records(db), name)


def _one(request: Request, stored: list[Any], name: str) -> ProviderOut:
    for row in providers.list_providers(_gateway(request), stored):
        if row.name == name:
            return ProviderOut.model_validate(row, from_attributes=True)
    raise AssertionError("the provider was just saved")


@router.delete("/providers/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_provider(
    name: str, request: Request, admin: AdminUser, db: DbDep, settings: SettingsDep
) -> Response:
    await providers.remove(db, settings, _gateway(request), admin, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/providers/check")
async def check_all_providers(
    request: Request, admin: AdminUser, db: DbDep
) -> list[ProviderCheckOut]:
    """Ask every configured provider for one word; says plainly what failed. Disabled ones
    are listed (`disabled: true`), not contacted."""
    stored = await providers.stored_records(db)
    return _checks(await providers.run_checks(_gateway(request), stored))


@router.post("/providers/{name}/check")
async def check_one_provider(
    name: str, request: Request, admin: AdminUser, db: DbDep
) -> list[ProviderCheckOut]:
    stored = await providers.stored_records(db)
    return _checks(await providers.run_checks(_gateway(request), stored, name))


@router.get("/models")
async def read_models(request: Request, admin: AdminUser) -> ModelsOut:
    return ModelsOut(**providers.current_models(_gateway(request)))


@router.put("/models")
async def set_models(body: ModelsIn, request: Request, admin: AdminUser, db: DbDep) -> ModelsOut:
    """The default model and the fallback chain (each `provider/model` of a configured
    provider); stored, so they survive restarts."""
    found = await providers.set_models(
        db,
        _gateway(request),
        admin,
        default_model=body.default_model,
        fallback_models=body.fallback_models,
    )
    return ModelsOut(**found)


@router.get("/plans")
async def list_plans(admin: AdminUser, db: DbDep) -> list[PlanOut]:
    return [PlanOut.model_validate(p) for p in await plans.list_plans(db)]


@router.post("/plans", status_code=status.HTTP_201_CREATED)
async def create_plan(body: PlanIn, admin: AdminUser, db: DbDep) -> PlanOut:
    plan = await plans.create_plan(db, **body.model_dump())
    await audit.record(db, admin, "plan.create", "plan", plan.id, after=body.model_dump())
    return PlanOut.model_validate(plan)


@router.patch("/plans/{plan_id}")
async def update_plan(plan_id: uuid.UUID, body: PlanUpdate, admin: AdminUser, db: DbDep) -> PlanOut:
    plan = await plans.get_plan(db, plan_id)
    before = audit.snapshot(plan, PLAN_FIELDS)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("name") is None:
        changes.pop("name", None)
    for flag in ("requires_balance", "is_default"):
        if flag in changes and changes[flag] is None:
            del changes[flag]
    plan = await plans.update_plan(db, plan, changes)
    await audit.record(
        db,
        admin,
        "plan.update",
        "plan",
        plan.id,
        before=before,
        after=audit.snapshot(plan, PLAN_FIELDS),
    )
    return PlanOut.model_validate(plan)
