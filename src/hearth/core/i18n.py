"""Localised messages for the stable error codes (ru, en, es)."""

from __future__ import annotations

from typing import Protocol

LANGUAGES = ("en", "ru", "es")
DEFAULT_LANGUAGE = "en"

# code -> (en, ru, es)
_MESSAGES: dict[str, tuple[str, str, str]] = {
    "bad_request": (
        "The request is malformed.",
        "Некорректный запрос.",
        "La solicitud no es válida.",
    ),
    "validation_error": (
        "Some fields are invalid.",
        "Некоторые поля заполнены неверно.",
        "Algunos campos no son válidos.",
    ),
    "not_authenticated": ("Please sign in.", "Войдите в аккаунт.", "Inicia sesión."),
    "token_expired": (
        "Your session has expired. Please sign in again.",
        "Сессия истекла. Войдите снова.",
        "Tu sesión ha caducado. Inicia sesión de nuevo.",
    ),
    "token_invalid": ("The token is invalid.", "Недействительный токен.", "El token no es válido."),
    "refresh_token_reused": (
        "This session was ended for your safety. Please sign in again.",
        "Сессия завершена в целях безопасности. Войдите снова.",
        "La sesión se cerró por seguridad. Inicia sesión de nuevo.",
    ),
    "invalid_credentials": (
        "Wrong login or password.",
        "Неверный логин или пароль.",
        "Usuario o contraseña incorrectos.",
    ),
    "email_not_verified": (
        "Please confirm your email address first.",
        "Сначала подтвердите адрес почты.",
        "Primero confirma tu correo electrónico.",
    ),
    "account_blocked": (
        "This account is blocked.",
        "Этот аккаунт заблокирован.",
        "Esta cuenta está bloqueada.",
    ),
    "account_deactivated": (
        "This account is deactivated.",
        "Этот аккаунт отключён.",
        "Esta cuenta está desactivada.",
    ),
    "email_taken": (
        "This email is already registered.",
        "Этот адрес уже зарегистрирован.",
        "Este correo ya está registrado.",
    ),
    "username_taken": (
        "This username is taken.",
        "Это имя пользователя занято.",
        "Este nombre de usuario ya existe.",
    ),
    "weak_password": (
        "The password is too weak.",
        "Слишком простой пароль.",
        "La contraseña es demasiado débil.",
    ),
    "wrong_password": (
        "The current password is wrong.",
        "Текущий пароль неверен.",
        "La contraseña actual es incorrecta.",
    ),
    "forbidden": ("You may not do this.", "Недостаточно прав.", "No tienes permiso."),
    "not_found": ("Not found.", "Не найдено.", "No encontrado."),
    "method_not_allowed": (
        "Method not allowed.",
        "Метод не поддерживается.",
        "Método no permitido.",
    ),
    "conflict": (
        "This conflicts with the current state.",
        "Конфликт состояния.",
        "Conflicto de estado.",
    ),
    "concurrent_change": (
        "Another request changed this at the same time. Please try again.",
        "Это одновременно изменил другой запрос. Попробуйте ещё раз.",
        "Otra solicitud cambió esto al mismo tiempo. Inténtalo de nuevo.",
    ),
    "rate_limited": (
        "Too many requests. Please wait a moment.",
        "Слишком много запросов. Подождите немного.",
        "Demasiadas solicitudes. Espera un momento.",
    ),
    "file_too_large": (
        "The file is too large.",
        "Файл слишком большой.",
        "El archivo es demasiado grande.",
    ),
    "request_too_large": (
        "The request is too large.",
        "Запрос слишком большой.",
        "La solicitud es demasiado grande.",
    ),
    "unsupported_media_type": (
        "This file type is not supported.",
        "Этот тип файла не поддерживается.",
        "Este tipo de archivo no es compatible.",
    ),
    "invalid_image": (
        "The file is not a valid image.",
        "Файл не является корректным изображением.",
        "El archivo no es una imagen válida.",
    ),
    "service_unavailable": (
        "The service is temporarily unavailable.",
        "Сервис временно недоступен.",
        "El servicio no está disponible temporalmente.",
    ),
    "internal_error": (
        "Something went wrong on our side.",
        "Что-то пошло не так на нашей стороне.",
        "Algo salió mal de nuestro lado.",
    ),
}


class _HasHeaders(Protocol):
    @property
    def headers(self) -> object: ...


def pick_language(request: _HasHeaders) -> str:
    """The first supported language of the request's Accept-Language header."""
    header = getattr(request.headers, "get", lambda _k, _d=None: None)("accept-language") or ""
    for part in str(header).split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def register_messages(messages: dict[str, tuple[str, str, str]]) -> None:
    """Domains add their own codes here at import (a pure, I/O-free registration)."""
    _MESSAGES.update(messages)


def translate(code: str, language: str, fallback: str | None = None) -> str:
    """The localised message of a code; a specific English message wins in English."""
    entry = _MESSAGES.get(code)
    if language == "en" and fallback:
        return fallback
    if entry is None:
        return fallback or code.replace("_", " ").capitalize()
    return entry[LANGUAGES.index(language)] if language in LANGUAGES else entry[0]


def known_codes() -> list[str]:
    return sorted(_MESSAGES)
