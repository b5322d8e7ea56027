"""Errors of the account domain."""

from hearth.core.errors import AppError, Forbidden
from hearth.core.i18n import register_messages


class AgeRestricted(Forbidden):
    code = "age_restricted"


class BirthdateLocked(AppError):
    status_code, code = 409, "birthdate_locked"


register_messages(
    {
        "age_restricted": (
            "This is available only to adults (18+) with a birthdate on their profile.",
            "Доступно только совершеннолетним (18+), указавшим дату рождения в профиле.",
            "Solo para adultos (18+) con fecha de nacimiento en su perfil.",
        ),
        "birthdate_locked": (
            "The birthdate can be changed only once. Contact support.",
            "Дату рождения можно изменить только один раз. Обратитесь в поддержку.",
            "La fecha de nacimiento solo puede cambiarse una vez. Contacta con soporte.",
        ),
    }
)
