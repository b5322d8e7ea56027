"""HTTP: users report a character or a message."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from hearth.auth.deps import CurrentUser
from hearth.core.deps import DbDep
from hearth.safety import reports
from hearth.safety.schemas import ReportIn, ReportOut

router = APIRouter(tags=["reports"])


@router.post(
    "/reports",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "The open report on that target, its reason updated."}},
)
async def create_report(
    body: ReportIn, user: CurrentUser, db: DbDep, response: Response
) -> ReportOut:
    """Report a character you can see, or a message of your own chat (201). Reporting the
    same thing again while the first report is open updates that report's reason and
    details (200). Your own characters cannot be reported (422)."""
    report, created = await reports.file_report(db, user, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return ReportOut.model_validate(report)
