"""HTTP: users report a character or a message."""

from __future__ import annotations

from fastapi import APIRouter, status

from hearth.auth.deps import CurrentUser
from hearth.core.deps import DbDep
from hearth.safety import reports
from hearth.safety.schemas import ReportIn, ReportOut

router = APIRouter(tags=["reports"])


@router.post("/reports", status_code=status.HTTP_201_CREATED)
async def create_report(body: ReportIn, user: CurrentUser, db: DbDep) -> ReportOut:
    """Report a character you can see, or a message of your own chat; reporting the same
    thing again while the first report is open returns that report."""
    return ReportOut.model_validate(await reports.file_report(db, user, body))
