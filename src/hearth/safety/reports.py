"""Reports: users report a character or a message; moderation files flagged text; admins
work the queue (resolve or dismiss)."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.characters import service as characters
from hearth.characters.models import Character
from hearth.chats.models import Chat, Message
from hearth.core.clock import utcnow
from hearth.core.errors import Conflict, NotFound
from hearth.core.pagination import cursor_uuid, decode_cursor, encode_cursor
from hearth.safety.errors import CannotReportOwn, ReportNotFound
from hearth.safety.models import Report
from hearth.safety.moderation import Verdict
from hearth.safety.schemas import ReportIn
from hearth.users.models import User

EXCERPT_CHARS = 1000


async def file_report(db: AsyncSession, reporter: User, body: ReportIn) -> tuple[Report, bool]:
    """A report by a user on something they can see, and whether it is new: reporting the
    same thing again while the first report is open updates that one's reason and details.
    One's own character cannot be reported: it is theirs to change or delete. (A reply of
    it can: the model, not the creator, wrote it.)"""
    character_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None
    chat_id: uuid.UUID | None = None
    subject: uuid.UUID | None = None
    excerpt = ""
    if body.target_type == "character":
        character = await characters.get_visible(db, body.target_id, reporter)
        character_id, subject = character.id, character.creator_id
        excerpt = character.name
        if subject == reporter.id:
            raise CannotReportOwn()
    else:
        message = await db.get(Message, body.target_id)
        chat = await db.get(Chat, message.chat_id) if message else None
        if message is None or chat is None or chat.user_id != reporter.id:
            raise NotFound("No such message.", code="message_not_found")
        talked_to = await db.get(Character, chat.character_id)
        message_id, chat_id, character_id = message.id, chat.id, chat.character_id
        by_character = talked_to is not None and message.role == "assistant"
        subject = talked_to.creator_id if talked_to and by_character else chat.user_id
        excerpt = message.content[:EXCERPT_CHARS]
    existing = await db.scalar(
        select(Report).where(
            Report.reporter_id == reporter.id,
            Report.target_type == body.target_type,
            Report.character_id == character_id,
            Report.message_id.is_(None) if message_id is None else Report.message_id == message_id,
            Report.status == "open",
        )
    )
    if existing is not None:
        existing.reason, existing.details = body.reason, body.details
        await db.flush()
        return existing, False
    report = Report(
        target_type=body.target_type,
        character_id=character_id,
        message_id=message_id,
        chat_id=chat_id,
        reporter_id=reporter.id,
        subject_user_id=subject,
        source="user",
        reason=body.reason,
        details=body.details,
        excerpt=excerpt,
    )
    db.add(report)
    await db.flush()
    return report, True


async def file_flag(
    db: AsyncSession,
    verdict: Verdict,
    text: str,
    *,
    author_id: uuid.UUID,
    chat_id: uuid.UUID | None = None,
    character_id: uuid.UUID | None = None,
) -> Report:
    """Moderation let flagged text through: admins see it in the queue."""
    report = Report(
        target_type="character" if character_id is not None else "text",
        character_id=character_id,
        chat_id=chat_id,
        reporter_id=None,
        subject_user_id=author_id,
        source="moderation",
        reason="moderation",
        details=", ".join(verdict.matched)[:2000],
        excerpt=text[:EXCERPT_CHARS],
    )
    db.add(report)
    await db.flush()
    return report


async def get_report(db: AsyncSession, report_id: uuid.UUID) -> Report:
    report = await db.get(Report, report_id)
    if report is None:
        raise ReportNotFound()
    return report


async def page_reports(
    db: AsyncSession,
    *,
    status: str | None,
    target_type: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Report], str | None]:
    """The queue, oldest first."""
    query = select(Report)
    if status:
        query = query.where(Report.status == status)
    if target_type:
        query = query.where(Report.target_type == target_type)
    if cursor:
        (after,) = decode_cursor(cursor, cursor_uuid)
        query = query.where(Report.id > after)
    rows = list((await db.scalars(query.order_by(Report.id).limit(limit + 1))).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor([str(rows[-1].id)]) if more else None


async def close_report(
    db: AsyncSession,
    actor: User,
    report: Report,
    outcome: Literal["resolved", "dismissed"],
    note: str,
) -> Report:
    if report.status != "open":
        raise Conflict("This report is already closed.", code="report_closed")
    report.status = outcome
    report.resolved_by = actor.id
    report.resolved_at = utcnow()
    report.resolution_note = note
    await db.flush()
    return report
