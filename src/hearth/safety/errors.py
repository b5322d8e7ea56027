"""The errors of moderation and reports, each with its stable code."""

from __future__ import annotations

from hearth.core.errors import NotFound, ValidationFailed
from hearth.core.i18n import register_messages


class ContentBlocked(ValidationFailed):
    code = "content_blocked"


class ReportNotFound(NotFound):
    code = "report_not_found"


class CannotReportOwn(ValidationFailed):
    code = "cannot_report_own"

    def __init__(self) -> None:
        super().__init__(
            "You cannot report your own character; change or delete it instead.",
            details=[{"field": "target_id", "message": "your own"}],
        )


register_messages(
    {
        "content_blocked": (
            "This text is not allowed here.",
            "Такой текст здесь не допускается.",
            "Este texto no está permitido aquí.",
        ),
        "report_not_found": ("No such report.", "Жалоба не найдена.", "No existe esa denuncia."),
        "cannot_report_own": (
            "You cannot report your own character; change or delete it instead.",
            "Нельзя пожаловаться на своего персонажа; измените или удалите его.",
            "No puedes denunciar a tu propio personaje; cámbialo o elimínalo.",
        ),
    }
)
