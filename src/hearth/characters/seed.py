"""Demo characters on first start, owned by the non-login `hearth` system account.

Idempotent: each demo character has a stable id and a unique `seed_key`; when all of them
exist the whole thing costs one indexed query. Two processes starting together may both
try; the unique keys let one win and the other give up quietly.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.characters import service
from hearth.characters.models import Character
from hearth.characters.placeholder import render_avatar
from hearth.characters.schemas import CharacterCreate
from hearth.characters.seed_data import DEMO_CHARACTERS
from hearth.config import Settings
from hearth.core.clock import utcnow
from hearth.core.db import Database
from hearth.storage.backend import Storage
from hearth.storage.images import ImageLimits, process_image
from hearth.users.models import User

log = logging.getLogger("hearth.characters.seed")

SYSTEM_USERNAME = "hearth"
SYSTEM_EMAIL = "system@hearth.invalid"
# Not an argon2 hash: no password ever verifies against it.
UNUSABLE_PASSWORD = "!unusable"
_NAMESPACE = uuid.UUID("5b0c7f8e-8f7a-4d8e-9a55-6b1f0c3a2d10")
_AVATAR_LIMITS = ImageLimits(max_bytes=4 * 1024 * 1024, max_pixels=1024 * 1024)


def seed_id(seed_key: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, seed_key)


async def system_user(db: AsyncSession) -> User:
    """The `hearth` account that owns built-in content; it cannot sign in."""
    user = await db.scalar(select(User).where(User.email == SYSTEM_EMAIL))
    if user is not None:
        return user
    taken = await db.scalar(select(User.id).where(User.username == SYSTEM_USERNAME))
    user = User(
        email=SYSTEM_EMAIL,
        username=SYSTEM_USERNAME if taken is None else f"{SYSTEM_USERNAME}_system",
        display_name="Hearth",
        password_hash=UNUSABLE_PASSWORD,
        is_active=False,
        email_verified_at=utcnow(),
    )
    db.add(user)
    await db.flush()
    return user


async def _seed_one(
    db: AsyncSession, storage: Storage, owner: User, spec: dict[str, object]
) -> None:
    values = dict(spec)
    seed_key = str(values.pop("seed_key"))
    body = CharacterCreate.model_validate(
        {**values, "visibility": "public", "content_rating": "sfw"}
    )
    character = await service.create_character(
        db, owner, body, id=seed_id(seed_key), seed_key=seed_key
    )
    english_name = str(
        next(
            (s["name"] for s in DEMO_CHARACTERS if s["seed_key"] == seed_key.replace("-ru", "-en")),
            body.name,
        )
    )
    # The colours follow the English seed (one character, one look in every language); the
    # initial is this locale's own name, so "Инспектор" shows "И", not "I".
    image = await process_image(render_avatar(body.name, seed=english_name), _AVATAR_LIMITS)
    key = f"avatars/characters/seed-{seed_key}-{image.digest[:12]}.{image.extension}"
    await storage.save(key, image.data, image.content_type)
    character.avatar_key = key
    await db.flush()


async def seed_demo_characters(database: Database, storage: Storage) -> int:
    """Create the demo characters that are missing; returns how many were created."""
    keys = [str(spec["seed_key"]) for spec in DEMO_CHARACTERS]
    async with database.sessionmaker() as db:
        present = set(
            await db.scalars(
                select(Character.seed_key).where(
                    or_(Character.seed_key.in_(keys), Character.id.in_([seed_id(k) for k in keys]))
                )
            )
        )
        await db.rollback()
    missing = [spec for spec in DEMO_CHARACTERS if spec["seed_key"] not in present]
    if not missing:
        return 0
    try:
        async with database.sessionmaker() as db, db.begin():
            owner = await system_user(db)
            for spec in missing:
                await _seed_one(db, storage, owner, spec)
    except IntegrityError:
        log.info("demo characters were seeded by another process")
        return 0
    log.info("seeded %d demo characters", len(missing))
    return len(missing)


async def count_seeded(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).where(Character.seed_key.is_not(None))) or 0)


async def seed_on_start(settings: Settings, database: Database, storage: Storage) -> None:
    """Called by the app's lifespan: seed unless turned off (off by default in tests)."""
    enabled = settings.seed_demo
    if enabled is None:
        enabled = settings.environment != "test"
    if enabled:
        await seed_demo_characters(database, storage)
