"""Settings, read once from the environment (and an optional `.env`) and passed down."""

from __future__ import annotations

import math
import os
import re
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal, TypeVar
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

SECRET_FILE_NAME = "secret_key"
ENV_PREFIX = "HEARTH_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")
REDIS_SCHEMES = ("redis", "rediss", "unix")
_FIELD_IN_ERROR = re.compile(r'field "(\w+)"')
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


AnySettings = TypeVar("AnySettings", bound=BaseSettings)


class SettingsInvalid(Exception):
    """The environment's settings cannot run Hearth; `str()` names each bad variable."""


def load_settings() -> Settings:
    """Settings from the environment, every mistake found now rather than as 500s later."""
    return loaded(Settings)


def loaded(kind: type[AnySettings]) -> AnySettings:
    """`kind` read from the environment, or SettingsInvalid naming each bad variable."""
    try:
        return kind()
    except ValidationError as exc:
        lines = [
            f"{_variable(str(err['loc'][0]) if err['loc'] else '')}: "
            f"{str(err['msg']).removeprefix('Value error, ')}"
            for err in exc.errors()
        ]
        raise SettingsInvalid("\n".join(lines)) from None
    except SettingsError as exc:  # a JSON setting that is not JSON
        found = _FIELD_IN_ERROR.search(str(exc))
        name = f"{ENV_PREFIX}{found.group(1).upper()}" if found else "a setting"
        raise SettingsInvalid(f"{name}: not valid JSON ({exc.__cause__ or exc})") from None


def _variable(name: str) -> str:
    """The environment variable of a field (fields read through an alias name it already)."""
    return name if name.isupper() else f"{ENV_PREFIX}{name.upper()}"


def _check_rate(value: str) -> str:
    try:
        items = parse_many(value)
    except ValueError:
        items = []
    if len(items) != 1 or items[0].amount < 1:
        raise ValueError(f"{value!r} is not one rate like '30/minute' or '10/15 minutes'")
    return value


def _check_url(value: str | None, schemes: tuple[str, ...]) -> str | None:
    if value is not None and not _is_url(value, schemes):
        starts = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ValueError(f"{value!r} is not a URL starting {starts}")
    return value


def _is_url(value: str, schemes: tuple[str, ...], *, origin: bool = False) -> bool:
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # a bad port or bracketed host
        return False
    if parts.scheme not in schemes or not (host or parts.scheme == "unix"):
        return False
    return not origin or not (parts.path or parts.query or parts.fragment)


def served_url(host: str, port: int) -> str:
    """The base URL of `hearth serve --host HOST --port PORT` as a browser writes it. A
    wildcard host (every interface) is reached through loopback on this machine."""
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}:{port}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HEARTH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./data")
    database_url: str | None = None
    redis_url: str | None = None
    # How often each worker looks for provider/model changes another worker stored.
    provider_sync_seconds: float = Field(default=15.0, gt=0, le=3600)
    redis_prefix: str = "hearth"  # namespaces rate-limit and quota keys
    # How long one Redis command may take: a Redis that stops answering (rather than
    # refusing) would otherwise hold every request that counts a rate limit or a quota.
    redis_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    secret_key: str | None = None
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    cors_origins: Annotated[list[str], NoDecode] = []
    # Where emailed links (verify address, reset password) point. Unset, `hearth serve`
    # sets it to the address it listens on (see `served_url`); never taken from a request's
    # Host header, which anyone can forge to have a reset link lead to their own server.
    public_url: str = DEFAULT_PUBLIC_URL

    smtp_url: str | None = None
    mail_from: str = "Hearth <no-reply@localhost>"
    email_verification: bool | None = None

    login_failures_limit: int = Field(default=10, ge=1)
    login_failures_window_minutes: int = Field(default=15, ge=1)
    # argon2id cost; lower only where speed matters more than strength (the test suite).
    password_hash_time_cost: int = Field(default=3, ge=1, le=20)
    password_hash_memory_kib: int = Field(default=65536, ge=64, le=1024 * 1024)
    # At most what an upload's request may carry (hearth.core.body_limits).
    max_avatar_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=20 * 1024 * 1024)
    max_avatar_pixels: int = Field(default=4096 * 4096, ge=64 * 64)
    admin_emails: Annotated[list[str], NoDecode] = []
    # Usage, quotas, rate limits and moderation (hearth.limits, hearth.safety).
    # Units are tokens (unless weighted), prompt included: a reply in a long chat costs a few
    # thousand, so 10,000 a day ran out after about ten messages.
    daily_units: int = Field(default=200_000, ge=0)
    quota_reset_hour: int = Field(default=0, ge=0, le=23)
    unit_weights: dict[str, float] = {}  # model id -> units per token (default 1.0)
    send_rate: str = "30/minute"  # per user
    send_ip_rate: str = "120/minute"  # per client address (several users may share one)
    auth_rate: str = "60/minute"
    upload_rate: str = "20/hour"
    moderation_rules: Path | None = None
    moderation_url: str | None = None  # an OpenAI-compatible /moderations endpoint
    moderation_api_key: str | None = None
    log_level: str = "INFO"
    log_json: bool = True
    # Characters (hearth.characters): demo characters on first start; None = not in tests.
    seed_demo: bool | None = None
    # S3-compatible image storage (hearth.storage.s3), used when a bucket is set.
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_public_url: str | None = None  # base URL the bucket's objects are served from

    @field_validator("cors_origins", "admin_emails", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("admin_emails")
    @classmethod
    def _lower_emails(cls, value: list[str]) -> list[str]:
        return [email.lower() for email in value]

    # Parsed lazily where they are used, so checked here: a bad one would otherwise start
    # fine and fail every request that counts against it.
    @field_validator("send_rate", "send_ip_rate", "auth_rate", "upload_rate")
    @classmethod
    def _rate(cls, value: str) -> str:
        return _check_rate(value)

    @field_validator("unit_weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        for model_id, weight in value.items():
            provider, _, model = model_id.partition("/")
            if not provider or not model:
                raise ValueError(f"{model_id!r} is not a model id like 'openai/gpt-4o'")
            # A negative weight would make the model free (usage is clamped at zero).
            if not math.isfinite(weight) or weight < 0:
                raise ValueError(f"the weight of {model_id!r} must be 0 or more, not {weight}")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        return _check_url(value, SMTP_SCHEMES)

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        return _check_url(value, REDIS_SCHEMES)

    @field_validator("public_url", "moderation_url", "s3_endpoint_url", "s3_public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return _check_url(value, ("http", "https"))

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            # Browsers send `scheme://host[:port]`; anything else would never match.
            if origin != "*" and not _is_url(origin, ("http", "https"), origin=True):
                raise ValueError(f"{origin!r} is not an origin like 'https://example.com'")
        return value

    @field_validator("moderation_rules")
    @classmethod
    def _rules_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no file at {str(value)!r}")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hearth.db').resolve()}"

    @property
    def email_verification_enabled(self) -> bool:
        if self.email_verification is not None:
            return self.email_verification
        return self.smtp_url is not None

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @cached_property
    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated once and kept in the data dir (0600)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / SECRET_FILE_NAME
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        # O_EXCL: two workers starting together must not each write a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key
