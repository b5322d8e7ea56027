"""HTTP: admin characters (search, block, edit, delete), the reports queue, moderation rules."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy import select

from hearth.admin import audit, content, users
from hearth.admin import errors as _errors  # noqa: F401 - registers messages
from hearth.admin.schemas import AdminCharacterOut
from hearth.auth.deps import AdminUser, get_admin
from hearth.characters.presenters import present_character
from hearth.characters.schemas import CharacterOut, CharacterUpdate
from hearth.chats.deps import EngineDep
from hearth.chats.engine import ChatEngine
from hearth.core.deps import DbDep
from hearth.core.errors import NotFound, ValidationFailed
from hearth.core.pagination import Page
from hearth.safety import reports
from hearth.safety.deps import get_moderator
from hearth.safety.models import ModerationRule
from hearth.safety.moderation import validate_pattern
from hearth.safety.schemas import AdminReportOut, ResolveIn, RuleIn, RuleOut
from hearth.storage.deps import StorageDep

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(get_admin)])
Limit = Annotated[int, Query(ge=1, le=100)]


@router.get("/characters")
async def list_characters(
    admin: AdminUser,
    db: DbDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    blocked: bool | None = None,
    visibility: Literal["public", "unlisted", "private"] | None = None,
    creator_id: uuid.UUID | None = None,
    include_deleted: bool = False,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[AdminCharacterOut]:
    """Every character, private and blocked ones included; newest first."""
    rows, next_cursor = await content.search_characters(
        db,
        q=q,
        blocked=blocked,
        visibility=visibility,
        creator_id=creator_id,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
    )
    return Page[AdminCharacterOut](
        items=[AdminCharacterOut.model_validate(c) for c in rows], next_cursor=next_cursor
    )


@router.get("/characters/{character_id}")
async def read_character(
    character_id: uuid.UUID, admin: AdminUser, db: DbDep, storage: StorageDep
) -> CharacterOut:
    character = await content.get_character(db, character_id)
    return await present_character(db, storage, admin, character)


@router.patch("/characters/{character_id}")
async def edit_character(
    character_id: uuid.UUID,
    body: CharacterUpdate,
    admin: AdminUser,
    db: DbDep,
    storage: StorageDep,
) -> CharacterOut:
    character = await content.edit_character(db, admin, character_id, body)
    return await present_character(db, storage, admin, character)


@router.delete("/characters/{character_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_character(character_id: uuid.UUID, admin: AdminUser, db: DbDep) -> Response:
    """Soft delete: gone from every list; existing chats stay readable."""
    await content.delete_character(db, admin, character_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/characters/{character_id}/block")
async def block_character(
    character_id: uuid.UUID, admin: AdminUser, db: DbDep
) -> AdminCharacterOut:
    """Gone from the catalog; nobody can chat with it (existing chats become read-only)."""
    character = await content.set_character_blocked(db, admin, character_id, True)
    return AdminCharacterOut.model_validate(character)


@router.post("/characters/{character_id}/unblock")
async def unblock_character(
    character_id: uuid.UUID, admin: AdminUser, db: DbDep
) -> AdminCharacterOut:
    character = await content.set_character_blocked(db, admin, character_id, False)
    return AdminCharacterOut.model_validate(character)


@router.get("/reports")
async def list_reports(
    admin: AdminUser,
    db: DbDep,
    status_filter: Annotated[
        Literal["open", "resolved", "dismissed"] | None, Query(alias="status")
    ] = "open",
    target_type: Literal["character", "message", "text"] | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[AdminReportOut]:
    """The queue: open reports (by users and by moderation), oldest first."""
    rows, next_cursor = await reports.page_reports(
        db, status=status_filter, target_type=target_type, cursor=cursor, limit=limit
    )
    return Page[AdminReportOut](
        items=[AdminReportOut.model_validate(r) for r in rows], next_cursor=next_cursor
    )


@router.get("/reports/{report_id}")
async def read_report(report_id: uuid.UUID, admin: AdminUser, db: DbDep) -> AdminReportOut:
    return AdminReportOut.model_validate(await reports.get_report(db, report_id))


async def _close(
    report_id: uuid.UUID,
    body: ResolveIn,
    admin: AdminUser,
    db: DbDep,
    outcome: Literal["resolved", "dismissed"],
    engine: ChatEngine,
) -> AdminReportOut:
    report = await reports.get_report(db, report_id)
    before = audit.snapshot(report, ["status"])
    await reports.close_report(db, admin, report, outcome, body.note)
    if outcome == "resolved" and body.block_character and report.character_id is not None:
        await content.set_character_blocked(db, admin, report.character_id, True)
    await audit.record(
        db,
        admin,
        f"report.{'resolve' if outcome == 'resolved' else 'dismiss'}",
        "report",
        report.id,
        before=before,
        after={"status": report.status, "note": body.note},
    )
    if outcome == "resolved" and body.block_user and report.subject_user_id is not None:
        # Last: it commits everything above, then stops the user's replies.
        await users.block_user_and_stop_replies(
            db, engine.runner, admin, report.subject_user_id, f"report {report.id}"
        )
    return AdminReportOut.model_validate(report)


@router.post("/reports/{report_id}/resolve")
async def resolve_report(
    report_id: uuid.UUID,
    admin: AdminUser,
    db: DbDep,
    engine: EngineDep,
    body: ResolveIn | None = None,
) -> AdminReportOut:
    """Close as acted upon; optionally block the character and/or the content's author
    (exactly as the user block endpoint does: sessions end, running replies stop)."""
    return await _close(report_id, body or ResolveIn(), admin, db, "resolved", engine)


@router.post("/reports/{report_id}/dismiss")
async def dismiss_report(
    report_id: uuid.UUID,
    admin: AdminUser,
    db: DbDep,
    engine: EngineDep,
    body: ResolveIn | None = None,
) -> AdminReportOut:
    return await _close(report_id, body or ResolveIn(), admin, db, "dismissed", engine)


@router.get("/moderation/rules")
async def list_rules(admin: AdminUser, db: DbDep) -> list[RuleOut]:
    rows = await db.scalars(select(ModerationRule).order_by(ModerationRule.id).limit(5000))
    return [RuleOut.model_validate(r) for r in rows]


@router.post("/moderation/rules", status_code=status.HTTP_201_CREATED)
async def add_rule(body: RuleIn, request: Request, admin: AdminUser, db: DbDep) -> RuleOut:
    """A word or phrase (whole words, case-insensitive) or a regex; `block` or `flag`."""
    problem = validate_pattern(body.pattern, body.is_regex)
    if problem:
        raise ValidationFailed.field("pattern", f"Not a valid regular expression: {problem}")
    rule = ModerationRule(**body.model_dump(), created_by=admin.id)
    db.add(rule)
    await db.flush()
    await audit.record(
        db, admin, "moderation.rule_add", "moderation_rule", rule.id, after=body.model_dump()
    )
    get_moderator(request).invalidate()
    return RuleOut.model_validate(rule)


@router.delete("/moderation/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_rule(
    rule_id: uuid.UUID, request: Request, admin: AdminUser, db: DbDep
) -> Response:
    rule = await db.get(ModerationRule, rule_id)
    if rule is None:
        raise NotFound("No such rule.", code="rule_not_found")
    before = RuleIn.model_validate(rule, from_attributes=True).model_dump()
    await db.delete(rule)
    await db.flush()
    await audit.record(
        db, admin, "moderation.rule_delete", "moderation_rule", rule_id, before=before
    )
    get_moderator(request).invalidate()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
