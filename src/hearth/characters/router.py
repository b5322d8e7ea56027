"""HTTP endpoints of characters, the tag cloud and the user's character lists."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile, status
from pydantic import BeforeValidator

from hearth.admin import content as admin_content
from hearth.auth.deps import CurrentUser, OptionalUser
from hearth.characters import catalog, likes, service
from hearth.characters.cards import export as card_export
from hearth.characters.cards import importer as card_import
from hearth.characters.generation import estimated_tokens, generate_draft
from hearth.characters.models import Character
from hearth.characters.presenters import present_character, present_summaries
from hearth.characters.schemas import (
    CharacterCreate,
    CharacterOut,
    CharacterSummary,
    CharacterUpdate,
    GenerateIn,
    LikeOut,
    Locale,
    Rating,
    Sort,
    TagCount,
)
from hearth.chats.usage import UsageRequest, charged
from hearth.core.deps import DbDep, LimiterDep, SettingsDep
from hearth.core.pagination import Page
from hearth.limits.deps import UploadRateLimit
from hearth.safety.deps import ModerateCharacter, moderate_character_fields
from hearth.storage.deps import StorageDep, read_upload
from hearth.storage.images import ImageLimits
from hearth.users.models import User

router = APIRouter(tags=["characters"])

Limit = Annotated[int, Query(ge=1, le=50)]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found, or private and not yours (`character_not_found`)"}
}
_AGE: dict[int | str, dict[str, Any]] = {
    403: {"description": "`age_restricted`: mature content the caller may not see"}
}
_OWNER: dict[int | str, dict[str, Any]] = {
    403: {"description": "`not_character_owner`: only the creator or an admin"}
}


def _split(values: list[str]) -> tuple[str, ...]:
    return tuple(
        dict.fromkeys(p.strip().lower() for v in values for p in v.split(",") if p.strip())
    )


def _comma_separated(values: list[str]) -> list[str]:
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


@router.get("/characters", response_model=Page[CharacterSummary])
async def list_characters(
    db: DbDep,
    storage: StorageDep,
    viewer: OptionalUser,
    q: Annotated[str | None, Query(max_length=200)] = None,
    tags: Annotated[list[str], Query(description="all of these (repeat or comma-separate)")] = [],  # noqa: B006
    rating: Annotated[
        list[Rating],
        BeforeValidator(_comma_separated),
        Query(description="any of these (repeat or comma-separate)"),
    ] = [],  # noqa: B006
    sort: Sort = "popular",
    locale: Annotated[Locale | None, Query(description="this language, or none")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Limit = 20,
) -> Page[CharacterSummary]:
    """The public catalog: listed characters the caller may see (mature ones need an adult who
    opted in)."""
    query = catalog.CatalogQuery(
        q=q,
        tags=_split(tags)[:20],
        ratings=tuple(rating),
        sort=sort,
        cursor=cursor,
        limit=limit,
        locale=locale,
    )
    page = await catalog.list_catalog(db, viewer, query)
    items = await present_summaries(db, storage, viewer, page.items)
    return Page(items=items, next_cursor=page.next_cursor)


@router.post(
    "/characters",
    status_code=status.HTTP_201_CREATED,
    response_model=CharacterOut,
    dependencies=[ModerateCharacter],
)
async def create_character(
    body: CharacterCreate, user: CurrentUser, db: DbDep, storage: StorageDep, limiter: LimiterDep
) -> CharacterOut:
    await limiter.enforce("60/hour", "character_create", str(user.id))
    character = await service.create_character(db, user, body)
    return await present_character(db, storage, user, character)


@router.post(
    "/characters/import",
    dependencies=[UploadRateLimit],
    status_code=status.HTTP_201_CREATED,
    response_model=CharacterOut,
    responses={422: {"description": "`invalid_card`: the card could not be read"}},
)
async def import_card(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    storage: StorageDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    file: UploadFile = File(description="A character card: .json, .png or .charx"),
) -> CharacterOut:
    """Import a Character Card V1/V2/V3 as a new private character of the caller."""
    await limiter.enforce("60/hour", "character_create", str(user.id))
    raw = await read_upload(file, card_import.MAX_CARD_BYTES)
    limits = ImageLimits(settings.max_avatar_bytes * 4, settings.max_avatar_pixels)
    character = await card_import.import_card(db, storage, user, raw, file.filename, limits)
    # A card's fields meet the same rules as a typed character; a block rolls it all back.
    await moderate_character_fields(request, db, user, character, character.id)
    return await present_character(db, storage, user, character)


@router.post(
    "/characters/generate",
    response_model=CharacterCreate,
    responses={
        429: {"description": "`rate_limited`, or `quota_exceeded`: the day's units are spent"},
        502: {"description": "`generation_failed`"},
    },
)
async def generate_character(
    body: GenerateIn, user: CurrentUser, limiter: LimiterDep, request: Request
) -> CharacterCreate:
    """A draft character built by the LLM from a story; nothing is saved. Its tokens count
    against the user's day (and balance) like a chat reply's."""
    await limiter.enforce("20/hour", "character_generate", str(user.id))
    llm = request.app.state.llm
    hold = UsageRequest(user.id, None, llm.default_model, estimated_tokens(body.text))
    async with charged(request.app.state.usage_hook, hold) as spend:
        draft: CharacterCreate = await generate_draft(
            llm, body.text, body.locale or user.locale, spend
        )
    return draft


@router.get(
    "/characters/{character_id}", response_model=CharacterOut, responses={**_NOT_FOUND, **_AGE}
)
async def read_character(
    character_id: uuid.UUID, db: DbDep, storage: StorageDep, viewer: OptionalUser
) -> CharacterOut:
    character = await service.get_visible(db, character_id, viewer)
    return await present_character(db, storage, viewer, character)


def _for_someone_else(user: User, character: Character) -> bool:
    """An admin changing another user's character: it goes in the audit log, as it does
    from the admin console."""
    return user.is_admin and character.creator_id != user.id


@router.patch(
    "/characters/{character_id}",
    response_model=CharacterOut,
    responses={**_NOT_FOUND, **_OWNER},
    dependencies=[ModerateCharacter],
)
async def update_character(
    character_id: uuid.UUID,
    body: CharacterUpdate,
    user: CurrentUser,
    db: DbDep,
    storage: StorageDep,
) -> CharacterOut:
    character = await service.get_managed(db, character_id, user)
    service.ensure_unlocked(character, user)
    if _for_someone_else(user, character):
        character = await admin_content.edit_character(db, user, character.id, body)
    else:
        character = await service.update_character(db, character, body)
    return await present_character(db, storage, user, character)


@router.delete(
    "/characters/{character_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_NOT_FOUND, **_OWNER},
)
async def delete_character(character_id: uuid.UUID, user: CurrentUser, db: DbDep) -> Response:
    character = await service.get_managed(db, character_id, user)
    if _for_someone_else(user, character):
        await admin_content.delete_character(db, user, character.id)
    else:
        await service.delete_character(db, character)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/characters/{character_id}/avatar",
    dependencies=[UploadRateLimit],
    response_model=CharacterOut,
    responses={**_NOT_FOUND, **_OWNER},
)
async def upload_avatar(
    character_id: uuid.UUID,
    user: CurrentUser,
    db: DbDep,
    storage: StorageDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    file: UploadFile = File(description="A JPEG, PNG or WebP image"),
) -> CharacterOut:
    character = await service.get_managed(db, character_id, user)
    service.ensure_unlocked(character, user)
    await limiter.enforce("30/hour", "upload", str(user.id))
    raw = await read_upload(file, settings.max_avatar_bytes)
    limits = ImageLimits(settings.max_avatar_bytes, settings.max_avatar_pixels)
    character = await service.set_avatar(db, storage, character, raw, limits)
    return await present_character(db, storage, user, character)


@router.post(
    "/characters/{character_id}/like", response_model=LikeOut, responses={**_NOT_FOUND, **_AGE}
)
async def like_character(character_id: uuid.UUID, user: CurrentUser, db: DbDep) -> LikeOut:
    """Idempotent: liking twice counts once."""
    character = await service.get_visible(db, character_id, user)
    return LikeOut(liked=True, likes=await likes.like(db, user.id, character.id))


@router.delete(
    "/characters/{character_id}/like", response_model=LikeOut, responses={**_NOT_FOUND, **_AGE}
)
async def unlike_character(character_id: uuid.UUID, user: CurrentUser, db: DbDep) -> LikeOut:
    """Idempotent: unliking what is not liked changes nothing."""
    character = await service.get_visible(db, character_id, user)
    return LikeOut(liked=False, likes=await likes.unlike(db, user.id, character.id))


@router.get(
    "/characters/{character_id}/card",
    responses={
        200: {
            "content": {"application/json": {}, "image/png": {}},
            "description": "The card as JSON, or as a PNG with `chara` and `ccv3` tEXt chunks",
        },
        **_NOT_FOUND,
        **_AGE,
    },
)
async def export_card(
    character_id: uuid.UUID,
    db: DbDep,
    storage: StorageDep,
    viewer: OptionalUser,
    format: Literal["json", "png"] = "json",
    spec: Literal["v2", "v3"] = "v3",
) -> Response:
    """Character Card export. JSON defaults to V3 (`spec=v2` for older apps); the PNG
    carries both (`chara` = V2, `ccv3` = V3)."""
    character = await service.get_visible(db, character_id, viewer)
    service.ensure_unlocked(character, viewer)
    headers = {"Content-Disposition": card_export.content_disposition(character, format)}
    if format == "png":
        data = await card_export.export_png(character, storage)
        return Response(data, media_type="image/png", headers=headers)
    text = card_export.card_json(character, spec)
    return Response(text, media_type="application/json", headers=headers)


@router.get("/tags", response_model=list[TagCount])
async def list_tags(
    db: DbDep, viewer: OptionalUser, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[TagCount]:
    """The most used tags of listed characters the caller may see, with counts."""
    return [TagCount(tag=t, count=n) for t, n in await catalog.tag_cloud(db, viewer, limit)]


@router.get("/me/characters", response_model=Page[CharacterSummary], tags=["me"])
async def my_characters(
    user: CurrentUser,
    db: DbDep,
    storage: StorageDep,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Limit = 20,
) -> Page[CharacterSummary]:
    page = await catalog.list_own(db, user, cursor, limit)
    items = await present_summaries(db, storage, user, page.items)
    return Page(items=items, next_cursor=page.next_cursor)


@router.get("/me/favorites", response_model=Page[CharacterSummary], tags=["me"])
async def my_favorites(
    user: CurrentUser,
    db: DbDep,
    storage: StorageDep,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Limit = 20,
) -> Page[CharacterSummary]:
    page = await catalog.list_favorites(db, user, cursor, limit)
    items = await present_summaries(db, storage, user, page.items)
    return Page(items=items, next_cursor=page.next_cursor)
