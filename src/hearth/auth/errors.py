"""The errors of signing in, each with its stable code."""

from hearth.core.errors import AppError, Conflict, Forbidden, NotAuthenticated


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"


class TokenExpired(NotAuthenticated):
    code = "token_expired"


class TokenInvalid(NotAuthenticated):
    code = "token_invalid"


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
