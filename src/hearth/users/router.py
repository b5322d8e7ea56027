"""HTTP endpoints of the signed-in user's own account."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, File, Request, Response, UploadFile, status

from hearth.auth.deps import CurrentUser, PrincipalDep
from hearth.core.deps import DbDep, LimiterDep, SettingsDep
from hearth.limits.deps import UploadRateLimit
from hearth.storage.deps import StorageDep, read_upload
from hearth.storage.images import ImageLimits
from hearth.users import service
from hearth.users.presenters import present_user
from hearth.users.schemas import (
    AvatarOut,
    PersonaIn,
    PersonaOut,
    PersonaUpdate,
    ProfileUpdate,
    SessionOut,
    UserOut,
)

router = APIRouter(prefix="/me", tags=["me"])


@router.get("", response_model=UserOut)
async def read_me(user: CurrentUser, request: Request) -> UserOut:
    return present_user(user, request)


@router.patch("", response_model=UserOut)
async def update_me(body: ProfileUpdate, user: CurrentUser, request: Request, db: DbDep) -> UserOut:
    return present_user(await service.update_profile(db, user, body), request)


@router.put("/avatar", response_model=AvatarOut, dependencies=[UploadRateLimit])
async def upload_avatar(
    user: CurrentUser,
    db: DbDep,
    storage: StorageDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    file: UploadFile = File(description="A JPEG, PNG or WebP image"),
) -> AvatarOut:
    await limiter.enforce("20/hour", "upload", str(user.id))
    raw = await read_upload(file, settings.max_avatar_bytes)
    limits = ImageLimits(settings.max_avatar_bytes, settings.max_avatar_pixels)
    user = await service.set_avatar(db, storage, user, raw, limits)
    assert user.avatar_key is not None
    return AvatarOut(avatar_url=storage.url(user.avatar_key))


@router.get("/personas", response_model=list[PersonaOut])
async def list_personas(user: CurrentUser, db: DbDep) -> list[PersonaOut]:
    return [PersonaOut.model_validate(p) for p in await service.list_personas(db, user)]


@router.post("/personas", status_code=status.HTTP_201_CREATED, response_model=PersonaOut)
async def create_persona(body: PersonaIn, user: CurrentUser, db: DbDep) -> PersonaOut:
    return PersonaOut.model_validate(await service.create_persona(db, user, body))


@router.get("/personas/{persona_id}", response_model=PersonaOut)
async def read_persona(persona_id: uuid.UUID, user: CurrentUser, db: DbDep) -> PersonaOut:
    return PersonaOut.model_validate(await service.get_persona(db, user, persona_id))


@router.patch("/personas/{persona_id}", response_model=PersonaOut)
async def update_persona(
    persona_id: uuid.UUID, body: PersonaUpdate, user: CurrentUser, db: DbDep
) -> PersonaOut:
    return PersonaOut.model_validate(await service.update_persona(db, user, persona_id, body))


@router.delete("/personas/{persona_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_persona(persona_id: uuid.UUID, user: CurrentUser, db: DbDep) -> Response:
    await service.delete_persona(db, user, persona_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/sessions", response_model=list[SessionOut])
async def list_sessions(principal: PrincipalDep, db: DbDep) -> list[SessionOut]:
    sessions = await service.list_sessions(db, principal.user)
    return [
        SessionOut.model_validate(s).model_copy(update={"current": s.id == principal.session_id})
        for s in sessions
    ]
