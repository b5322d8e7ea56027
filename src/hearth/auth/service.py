"""Accounts and sessions: register, verify, sign in, rotate, sign out, reset."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.auth import errors
from hearth.auth.failures import password_failures
from hearth.auth.models import AuthSession, EmailToken, RefreshToken
from hearth.auth.passwords import check_password
from hearth.auth.schemas import RegisterIn, TokenPair
from hearth.config import Settings
from hearth.core.clock import utcnow
from hearth.core.mail import Mailer
from hearth.core.security import (
    InvalidToken,
    hash_password,
    hash_token,
    issue_access_token,
    new_secret_token,
    password_needs_rehash,
    read_access_token,
    verify_password,
)
from hearth.limits.rate import RateLimiter
from hearth.users.models import User

VERIFY_TOKEN_LIFETIME = timedelta(hours=48)
RESET_TOKEN_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class Client:
    """Where a sign-in comes from, kept on the session for the user's device list."""

    user_agent: str | None = None
    ip: str | None = None


def ensure_can_sign_in(user: User) -> None:
    if user.is_blocked:
        raise errors.AccountBlocked()
    if not user.is_active:
        raise errors.AccountDeactivated()


async def register(db: AsyncSession, settings: Settings, mailer: Mailer, data: RegisterIn) -> User:
    check_password(data.password, username=data.username, email=data.email)
    await _refuse_taken(db, data)
    user = User(
        email=data.email,
        username=data.username,
        display_name=data.display_name,
        password_hash=await hash_password(data.password),
        birthdate=data.birthdate,
        locale=data.locale,
        email_verified_at=None if settings.email_verification_enabled else utcnow(),
    )
    if user.email_verified_at is not None:
        _confirm_email(settings, user)
    db.add(user)
    try:
        await db.flush()
    except IntegrityError:  # the same form sent twice: the other request took them first
        await db.rollback()
        await _refuse_taken(db, data)
        raise
    await send_verification(db, settings, mailer, user)
    return user


async def _refuse_taken(db: AsyncSession, data: RegisterIn) -> None:
    taken = (
        await db.execute(
            select(User.email, User.username).where(
                or_(User.email == data.email, User.username == data.username)
            )
        )
    ).all()
    if any(row.email == data.email for row in taken):
        raise errors.EmailTaken(details=[{"field": "email", "message": "already registered"}])
    if taken:
        raise errors.UsernameTaken(details=[{"field": "username", "message": "already taken"}])


async def send_verification(
    db: AsyncSession, settings: Settings, mailer: Mailer, user: User
) -> None:
    token = await _new_email_token(db, user.id, "verify", VERIFY_TOKEN_LIFETIME)
    link = f"{settings.public_url.rstrip('/')}/#/verify-email?token={token}"
    await mailer.send(user.email, "Confirm your Hearth account", f"Confirm your email: {link}\n")


async def resend_verification(
    db: AsyncSession, settings: Settings, mailer: Mailer, email: str
) -> None:
    user = await db.scalar(select(User).where(User.email == email.lower()))
    if user is not None and user.email_verified_at is None:
        await send_verification(db, settings, mailer, user)


async def verify_email(db: AsyncSession, settings: Settings, token: str) -> User:
    record = await _use_email_token(db, token, "verify")
    user = await db.get_one(User, record.user_id)
    _confirm_email(settings, user)
    return user


def _confirm_email(settings: Settings, user: User) -> None:
    """The account's email is its owner's. Only then does a listed admin email make an admin:
    anyone can sign up with any address, the operator's included."""
    user.email_verified_at = user.email_verified_at or utcnow()
    if user.email in settings.admin_emails:
        user.is_admin = True


async def login(
    db: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    login_name: str,
    password: str,
    client: Client,
) -> TokenPair:
    account = login_name.strip().lower()
    user = await db.scalar(select(User).where(or_(User.email == account, User.username == account)))
    # Per account, whichever of its names is typed; per name when unknown.
    failures = password_failures(settings, limiter, str(user.id) if user else account, client.ip)
    await failures.refuse_if_locked()
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        await failures.count_failure()
        raise errors.InvalidCredentials()
    ensure_can_sign_in(user)
    if settings.email_verification_enabled and user.email_verified_at is None:
        raise errors.EmailNotVerified()
    if password_needs_rehash(user.password_hash):
        user.password_hash = await hash_password(password)
    await failures.clear_address()
    return await start_session(db, settings, user, client)


async def start_session(
    db: AsyncSession, settings: Settings, user: User, client: Client
) -> TokenPair:
    now = utcnow()
    session = AuthSession(
        user_id=user.id,
        user_agent=(client.user_agent or "")[:255] or None,
        ip=client.ip,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(days=settings.refresh_token_days),
    )
    db.add(session)
    await db.flush()
    return await _issue_pair(db, settings, user.id, session.id)


async def _issue_pair(
    db: AsyncSession, settings: Settings, user_id: uuid.UUID, session_id: uuid.UUID
) -> TokenPair:
    refresh = new_secret_token()
    db.add(RefreshToken(session_id=session_id, token_hash=hash_token(refresh)))
    lifetime = timedelta(minutes=settings.access_token_minutes)
    access, _ = issue_access_token(settings.resolved_secret_key, user_id, session_id, lifetime)
    await db.flush()
    return TokenPair(
        access_token=access, refresh_token=refresh, expires_in=int(lifetime.total_seconds())
    )


async def refresh(db: AsyncSession, settings: Settings, refresh_token: str) -> TokenPair:
    """Rotate: the presented token dies; presenting a dead one again ends its whole family."""
    token_hash = hash_token(refresh_token)
    record = await db.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))
    if record is None:
        raise errors.TokenInvalid()
    now = utcnow()
    # A conditional update, so that of two concurrent uses exactly one wins.
    claimed = await db.execute(
        update(RefreshToken)
        .where(RefreshToken.id == record.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    session = await db.get_one(AuthSession, record.session_id)
    if claimed.rowcount == 0:  # type: ignore[attr-defined]
        if session.revoked_at is None:
            session.revoked_at, session.revoked_reason = now, "reuse"
        # The revocation must outlive the 401 this request ends with.
        await db.commit()
        raise errors.RefreshTokenReused()
    if session.revoked_at is not None or session.expires_at <= now:
        raise errors.TokenExpired()
    user = await db.get_one(User, session.user_id)
    ensure_can_sign_in(user)
    session.last_used_at = now
    return await _issue_pair(db, settings, user.id, session.id)


async def logout(db: AsyncSession, refresh_token: str) -> None:
    record = await db.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_token(refresh_token))
    )
    if record is not None:
        await _revoke(db, [AuthSession.id == record.session_id], "logout")


async def logout_all(
    db: AsyncSession, user_id: uuid.UUID, *, keep: uuid.UUID | None = None
) -> None:
    conditions = [AuthSession.user_id == user_id]
    if keep is not None:
        conditions.append(AuthSession.id != keep)
    await _revoke(db, conditions, "logout_all")


async def _revoke(db: AsyncSession, conditions: list[ColumnElement[bool]], reason: str) -> None:
    await db.execute(
        update(AuthSession)
        .where(*conditions, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


# Built once: on every authenticated request, where building it cost more than running it.
# The session is read as one column: only its id (known) and state are needed, not an entity.
_CALLER = (
    select(User, AuthSession.revoked_at)
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(User.id == bindparam("user_id"), AuthSession.id == bindparam("session_id"))
)


async def authenticate(
    db: AsyncSession, settings: Settings, access_token: str
) -> tuple[User, uuid.UUID]:
    """The user and live session (its id) behind an access token; every failure is a typed
    401/403."""
    try:
        claims = read_access_token(settings.resolved_secret_key, access_token)
    except InvalidToken as exc:
        raise (errors.TokenExpired() if exc.expired else errors.TokenInvalid()) from exc
    parameters = {"user_id": claims.user_id, "session_id": claims.session_id}
    row = (await db.execute(_CALLER, parameters)).first()
    if row is None:
        raise errors.TokenInvalid()
    user, revoked_at = row
    ensure_can_sign_in(user)
    if revoked_at is not None:
        raise errors.TokenExpired("This session has ended. Please sign in again.")
    return user, claims.session_id


async def change_password(
    db: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    user: User,
    current_session: uuid.UUID,
    current: str,
    new: str,
    client: Client,
) -> None:
    """Needs the current password; wrong ones count as failed sign-ins (a stolen access
    token must not be a way to guess the password). Other sessions and every reset link
    sent before end."""
    failures = password_failures(settings, limiter, str(user.id), client.ip)
    await failures.refuse_if_locked()
    if not await verify_password(user.password_hash, current):
        await failures.count_failure()
        raise errors.WrongPassword(details=[{"field": "current_password", "message": "wrong"}])
    check_password(new, username=user.username, email=user.email)
    user.password_hash = await hash_password(new)
    await logout_all(db, user.id, keep=current_session)
    await failures.clear_account()


async def forgot_password(db: AsyncSession, settings: Settings, mailer: Mailer, email: str) -> None:
    """Sends a reset link if the account exists; says nothing either way."""
    user = await db.scalar(select(User).where(User.email == email.lower()))
    if user is None or user.is_blocked:
        return
    token = await _new_email_token(
        db, user.id, "reset", RESET_TOKEN_LIFETIME, bound_to=_password_fingerprint(settings, user)
    )
    link = f"{settings.public_url.rstrip('/')}/#/reset-password?token={token}"
    await mailer.send(user.email, "Reset your Hearth password", f"Choose a new password: {link}\n")


async def reset_password(
    db: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    token: str,
    password: str,
    client: Client,
) -> None:
    """Single use; a link dies too once the password changes (by any link or by the user),
    and a successful reset lifts the account's sign-in lockout."""
    record = await _use_email_token(db, token, "reset")
    user = await db.get_one(User, record.user_id)
    fingerprint = _password_fingerprint(settings, user)
    if not hmac.compare_digest(token[-len(fingerprint) :], fingerprint):
        raise errors.ResetLinkSuperseded()
    check_password(password, username=user.username, email=user.email)
    user.password_hash = await hash_password(password)
    _confirm_email(settings, user)  # the link proves control of the email
    await logout_all(db, user.id)
    await password_failures(settings, limiter, str(user.id), client.ip).clear_account()


def _password_fingerprint(settings: Settings, user: User) -> str:
    """Ties a reset link to the password hash it was sent for, so that changing the password
    (by this link, an older one, or the user) kills every link sent before. Keyed with the
    app secret: the link reveals nothing of the hash. A rehash on sign-in (new argon2
    parameters) also ends outstanding links; the user has just shown they need none."""
    digest = hmac.new(
        settings.resolved_secret_key.encode(), user.password_hash.encode(), hashlib.sha256
    )
    return digest.hexdigest()[:32]


async def _new_email_token(
    db: AsyncSession,
    user_id: uuid.UUID,
    purpose: str,
    lifetime: timedelta,
    *,
    bound_to: str | None = None,
) -> str:
    """`bound_to` (URL-safe, of a fixed length) ends the token, and is hashed with the rest
    into the stored hash, so it cannot be altered."""
    token = new_secret_token() + (bound_to or "")
    db.add(
        EmailToken(
            user_id=user_id,
            purpose=purpose,
            token_hash=hash_token(token),
            expires_at=utcnow() + lifetime,
        )
    )
    await db.flush()
    return token


async def _use_email_token(db: AsyncSession, token: str, purpose: str) -> EmailToken:
    now = utcnow()
    record = await db.scalar(
        select(EmailToken).where(
            EmailToken.token_hash == hash_token(token), EmailToken.purpose == purpose
        )
    )
    if record is None:
        raise errors.TokenInvalid("This link is not valid.")
    if record.expires_at <= now:
        raise errors.TokenExpired("This link has expired.")
    claimed = await db.execute(
        update(EmailToken)
        .where(EmailToken.id == record.id, EmailToken.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount == 0:  # type: ignore[attr-defined]
        raise errors.TokenInvalid("This link was already used.")
    return record
