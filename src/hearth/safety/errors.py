"""The errors of moderation and reports, each with its stable code."""

from __future__ import annotations

from hearth.core.errors import NotFound, ValidationFailed
from hearth.core.i18n import register_messages


class ContentBlocked(ValidationFailed):
    code = "content_blocked"


class ReportNotFound(NotFound):
    code = "report_not_found"


register_messages(
    {
        "content_blocked": (
            "This text is not allowed here.",
            "Такой текст здесь не допускается.",
            "Este texto no está permitido aquí.",
        ),
        "report_not_found": ("No such report.", "Жалоба не найдена.", "No existe esa denuncia."),
    }
)
