"""Password rules: long enough, and not the account's own name or address."""

from __future__ import annotations

from hearth.auth.errors import WeakPassword

MIN_LENGTH = 8
_COMMON = {
    "password", "password1", "12345678", "123456789", "1234567890", "qwerty123",
    "qwertyuiop", "iloveyou", "11111111", "00000000", "abcdefgh", "letmein1",
    "йцукенгш", "password123", "admin123", "welcome1",
}  # fmt: skip


def check_password(password: str, *, username: str, email: str) -> None:
    lowered = password.lower()
    details = [{"field": "password", "message": ""}]
    if len(password) < MIN_LENGTH:
        details[0]["message"] = f"Use at least {MIN_LENGTH} characters."
    elif lowered in {username.lower(), email.lower(), email.split("@")[0].lower()}:
        details[0]["message"] = "The password must differ from your username and email."
    elif lowered in _COMMON or len(set(password)) < 3:
        details[0]["message"] = "This password is too easy to guess."
    else:
        return
    raise WeakPassword(details[0]["message"], details=details)
