"""HTTP for chats: create, list, read, change, trash, restore, branch, export, import."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse

from hearth.auth.deps import CurrentUser
from hearth.characters import service as characters
from hearth.characters.models import Character
from hearth.chats import editing, service, transfer, trash
from hearth.chats.deps import EngineDep, MediaDep
from hearth.chats.schemas import (
    AuthorNoteBody,
    BranchBody,
    CharacterSummary,
    ChatCreate,
    ChatOut,
    ChatUpdate,
)
from hearth.core.deps import DatabaseDep, DbDep
from hearth.core.errors import ValidationFailed
from hearth.core.pagination import Page
from hearth.limits.deps import UploadRateLimit
from hearth.storage.backend import Storage
from hearth.storage.deps import read_upload

router = APIRouter(prefix="/chats", tags=["chats"])
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _summary(
    character: Character | None, storage: Storage, owner_id: uuid.UUID
) -> CharacterSummary | None:
    if character is None:
        return None
    # As the chat engine decides (service.character_for_turn): made private by its creator,
    # a character is gone for everyone else's chats.
    hidden = character.visibility == "private" and character.creator_id != owner_id
    return CharacterSummary(
        id=character.id,
        name=character.name,
        avatar_url=storage.url(character.avatar_key) if character.avatar_key else None,
        content_rating=character.content_rating,
        available=character.deleted_at is None and not character.is_blocked and not hidden,
    )


def _out(item: service.ChatListItem, storage: Storage) -> ChatOut:
    return ChatOut.of(
        item.chat,
        character=_summary(item.character, storage, item.chat.user_id),
        last_message=item.last_message,
        match=item.match,
    )


def _check_model(engine: EngineDep, model: str | None) -> None:
    if model is None:
        return
    try:
        engine.gateway.resolve(model)
    except Exception as exc:
        raise ValidationFailed.field("model", "This model is not available.") from exc


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_chat(
    body: ChatCreate, user: CurrentUser, db: DbDep, engine: EngineDep, storage: MediaDep
) -> ChatOut:
    _check_model(engine, body.model)
    chat, first = await service.create_chat(db, user, body)
    item = await service.chat_item(db, chat)
    return ChatOut.of(
        chat,
        character=_summary(item.character, storage, item.chat.user_id),
        last_message=first,
        first_message=first,
    )


@router.get("")
async def list_chats(
    user: CurrentUser,
    db: DbDep,
    storage: MediaDep,
    character_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    archived: bool | None = None,
    trashed: bool = False,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ChatOut]:
    items, next_cursor = await service.list_chats(
        db,
        user,
        character_id=character_id,
        q=q,
        archived=archived,
        trashed=trashed,
        cursor=cursor,
        limit=limit,
    )
    return Page[ChatOut](items=[_out(i, storage) for i in items], next_cursor=next_cursor)


@router.post("/import", status_code=status.HTTP_201_CREATED, dependencies=[UploadRateLimit])
async def import_chat(
    user: CurrentUser,
    db: DbDep,
    storage: MediaDep,
    engine: EngineDep,
    file: Annotated[UploadFile, File(description="A SillyTavern chat (.jsonl)")],
    character_id: Annotated[
        uuid.UUID | None, Form(description="Else the character the file names")
    ] = None,
) -> ChatOut:
    data = await read_upload(file, MAX_IMPORT_BYTES)
    chat = await transfer.import_jsonl(db, user, character_id, data, engine.runner.worker_id)
    return _out(await service.chat_item(db, chat), storage)


@router.get("/{chat_id}")
async def get_chat(chat_id: uuid.UUID, user: CurrentUser, db: DbDep, storage: MediaDep) -> ChatOut:
    chat = await service.get_chat(db, user, chat_id)
    return _out(await service.chat_item(db, chat), storage)


@router.patch("/{chat_id}")
async def update_chat(
    chat_id: uuid.UUID,
    body: ChatUpdate,
    user: CurrentUser,
    db: DbDep,
    engine: EngineDep,
    storage: MediaDep,
) -> ChatOut:
    chat = await service.get_open_chat(db, user, chat_id)
    _check_model(engine, body.model)
    await service.update_chat(db, user, chat, body)
    return _out(await service.chat_item(db, chat), storage)


@router.delete(
    "/{chat_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={409: {"description": "chat_not_in_trash (permanent=true)"}},
)
async def delete_chat(
    chat_id: uuid.UUID,
    user: CurrentUser,
    db: DbDep,
    permanent: Annotated[
        bool, Query(description="Delete a chat that is in the trash for good, with its messages")
    ] = False,
) -> Response:
    """Move the chat to the trash (where it stays for 30 days), or delete it for good."""
    chat = await service.get_chat(db, user, chat_id)
    if permanent:
        await trash.delete_forever(db, chat)
    else:
        await trash.trash_chat(db, chat)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{chat_id}/restore")
async def restore_chat(
    chat_id: uuid.UUID, user: CurrentUser, db: DbDep, storage: MediaDep
) -> ChatOut:
    chat = await service.get_chat(db, user, chat_id)
    await trash.restore_chat(db, chat)
    return _out(await service.chat_item(db, chat), storage)


@router.put("/{chat_id}/author-note")
async def set_author_note(
    chat_id: uuid.UUID, body: AuthorNoteBody, user: CurrentUser, db: DbDep
) -> AuthorNoteBody:
    chat = await service.get_open_chat(db, user, chat_id)
    chat.author_note, chat.author_note_depth = body.text, body.depth
    chat.author_note_frequency = body.frequency
    await db.flush()
    return body


@router.post("/{chat_id}/branch", status_code=status.HTTP_201_CREATED)
async def branch_chat(
    chat_id: uuid.UUID, body: BranchBody, user: CurrentUser, db: DbDep, storage: MediaDep
) -> ChatOut:
    chat = await service.get_chat(db, user, chat_id)
    await service.character_for_turn(db, user, chat)
    branch = await editing.branch_chat(db, user, chat, body.message_id)
    return _out(await service.chat_item(db, branch), storage)


@router.get(
    "/{chat_id}/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}, "text/markdown": {}}}},
)
async def export_chat(
    chat_id: uuid.UUID,
    user: CurrentUser,
    db: DbDep,
    database: DatabaseDep,
    format: Literal["jsonl", "md"] = "jsonl",
) -> StreamingResponse:
    chat = await service.get_chat(db, user, chat_id)
    character = await characters.get_including_deleted(db, chat.character_id)
    persona = await service.persona_of(db, user, chat.persona_id)
    names = (service.user_name(user, persona), character.name if character else "Character")
    # Detach the chat: the export streams after this request's session is closed.
    db.expunge(chat)
    if format == "md":
        body = transfer.export_markdown(database.sessionmaker, chat, *names)
        media, suffix = "text/markdown; charset=utf-8", "md"
    else:
        body = transfer.export_jsonl(database.sessionmaker, chat, *names)
        media, suffix = "application/x-ndjson", "jsonl"
    return StreamingResponse(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="chat-{chat.id}.{suffix}"'},
    )
