"""The profile, the avatar and personas of the signed-in user."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.admin.models import AuditEntry
from hearth.auth.models import AuthSession
from hearth.core.clock import utcnow
from hearth.core.errors import Conflict, NotFound, ValidationFailed
from hearth.storage.backend import Storage
from hearth.storage.images import ImageLimits, process_image
from hearth.users.age import is_adult
from hearth.users.errors import AgeRestricted, BirthdateLocked
from hearth.users.models import Persona, User
from hearth.users.schemas import PersonaIn, PersonaUpdate, ProfileUpdate

log = logging.getLogger("hearth.users")
MAX_PERSONAS = 50
# Setting a birthdate where there was none is free; changing one is allowed once.
MAX_BIRTHDATE_CHANGES = 1


async def update_profile(db: AsyncSession, user: User, data: ProfileUpdate) -> User:
    changes = data.model_dump(exclude_unset=True)
    if "birthdate" in changes and changes["birthdate"] != user.birthdate:
        if user.birthdate is not None and changes["birthdate"] is None:
            # Cleared, the next date would count as a first one: unlogged, and free.
            raise ValidationFailed.field(
                "birthdate", "A birthdate, once given, can be corrected but not removed."
            )
        if user.birthdate is not None:
            if user.birthdate_changes >= MAX_BIRTHDATE_CHANGES:
                raise BirthdateLocked()
            user.birthdate_changes += 1
            log.warning(
                "birthdate changed",
                extra={
                    "user_id": str(user.id),
                    "before": str(user.birthdate),
                    "after": str(changes["birthdate"]),
                },
            )
            # In the admins' audit log too: the age gate depends on this date.
            db.add(
                AuditEntry(
                    actor_id=user.id,
                    action="user.birthdate_change",
                    target_type="user",
                    target_id=str(user.id),
                    before={"birthdate": str(user.birthdate)},
                    after={"birthdate": str(changes["birthdate"])},
                )
            )
        user.birthdate = changes["birthdate"]
        if not is_adult(user.birthdate):
            user.show_nsfw = False
    if changes.get("show_nsfw") and not is_adult(user.birthdate):
        raise AgeRestricted(details=[{"field": "show_nsfw", "message": "18+ only"}])
    if "display_name" in changes:
        user.display_name = changes["display_name"]  # null clears it: the username shows
    for field in ("locale", "show_nsfw"):
        if field in changes and changes[field] is not None:
            setattr(user, field, changes[field])
    user.updated_at = utcnow()
    await db.flush()
    return user


async def set_avatar(
    db: AsyncSession, storage: Storage, user: User, raw: bytes, limits: ImageLimits
) -> User:
    image = await process_image(raw, limits)
    key = f"avatars/users/{user.id.hex}-{image.digest}.{image.extension}"
    await storage.save(key, image.data, image.content_type)
    previous = user.avatar_key
    user.avatar_key = key
    await db.flush()
    if previous and previous != key:
        await storage.delete(previous)
    return user


async def list_personas(db: AsyncSession, user: User) -> list[Persona]:
    result = await db.scalars(
        select(Persona)
        .where(Persona.user_id == user.id)
        .order_by(Persona.created_at)
        .limit(MAX_PERSONAS)
    )
    return list(result)


async def get_persona(db: AsyncSession, user: User, persona_id: uuid.UUID) -> Persona:
    persona = await db.scalar(
        select(Persona).where(Persona.id == persona_id, Persona.user_id == user.id)
    )
    if persona is None:
        raise NotFound("Persona not found.")
    return persona


async def create_persona(db: AsyncSession, user: User, data: PersonaIn) -> Persona:
    count = await db.scalar(select(func.count()).where(Persona.user_id == user.id))
    if (count or 0) >= MAX_PERSONAS:
        raise Conflict(f"At most {MAX_PERSONAS} personas.")
    persona = Persona(user_id=user.id, name=data.name, description=data.description)
    db.add(persona)
    await db.flush()
    if data.is_default or count == 0:
        await _make_default(db, user, persona)
    return persona


async def update_persona(
    db: AsyncSession, user: User, persona_id: uuid.UUID, data: PersonaUpdate
) -> Persona:
    persona = await get_persona(db, user, persona_id)
    if data.name is not None:
        persona.name = data.name
    if data.description is not None:
        persona.description = data.description
    if data.is_default:
        await _make_default(db, user, persona)
    elif data.is_default is False:
        persona.is_default = False
    await db.flush()
    return persona


async def delete_persona(db: AsyncSession, user: User, persona_id: uuid.UUID) -> None:
    # One statement: of two deletes at once (two tabs), the second finds nothing, 404.
    deleted = await db.execute(
        delete(Persona).where(Persona.id == persona_id, Persona.user_id == user.id)
    )
    if deleted.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("Persona not found.")


async def _make_default(db: AsyncSession, user: User, persona: Persona) -> None:
    await db.execute(
        update(Persona)
        .where(Persona.user_id == user.id, Persona.id != persona.id)
        .values(is_default=False)
    )
    persona.is_default = True
    await db.flush()


async def list_sessions(db: AsyncSession, user: User) -> list[AuthSession]:
    now = utcnow()
    result = await db.scalars(
        select(AuthSession)
        .where(
            AuthSession.user_id == user.id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
        )
        .order_by(AuthSession.last_used_at.desc())
        .limit(100)
    )
    return list(result)
