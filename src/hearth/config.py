"""Settings, read once from the environment (and an optional `.env`) and passed down."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SECRET_FILE_NAME = "secret_key"


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
    public_url: str = "http://127.0.0.1:8000"

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
    daily_units: int = Field(default=10_000, ge=0)
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
