"""The errors of signing in, each with its stable code."""

from hearth.core.errors import AppError, Conflict, Forbidden, NotAuthenticated
from hearth.core.i18n import register_messages

register_messages(
    {
        "reset_link_superseded": (
            "This link no longer works: the password was changed after it was sent. "
            "Ask for a new link if you need one.",
            "Ссылка больше не действует: пароль сменили после её отправки. "
            "Запросите новую, если она нужна.",
            "Este enlace ya no sirve: la contraseña se cambió después de enviarlo. "
            "Pide uno nuevo si lo necesitas.",
        ),
    }
)


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"


class TokenExpired(NotAuthenticated):
    code = "token_expired"


class TokenInvalid(NotAuthenticated):
    code = "token_invalid"


class ResetLinkSuperseded(NotAuthenticated):
    code = "reset_link_superseded"


class RefreshTokenReused(NotAuthenticated):
    code = "refresh_token_reused"


class EmailNotVerified(Forbidden):
    code = "email_not_verified"


class AccountBlocked(Forbidden):
    code = "account_blocked"


class AccountDeactivated(Forbidden):
    code = "account_deactivated"


class EmailTaken(Conflict):
    code = "email_taken"


class UsernameTaken(Conflict):
    code = "username_taken"


class WeakPassword(AppError):
    status_code, code = 422, "weak_password"


class WrongPassword(AppError):
    status_code, code = 400, "wrong_password"
