"""Password hashing, signed access tokens and opaque secret tokens."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hearth.core.clock import utcnow

ALGORITHM = "HS256"


class _Passwords:
    """argon2id hashing, run in worker threads: a hash takes tens of milliseconds of CPU,
    which on the event loop would stall every stream the process serves."""

    def __init__(self, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self.hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        self._dummy: str | None = None

    def dummy_hash(self) -> str:
        # Verified against when the account does not exist, so timing does not reveal it.
        if self._dummy is None:
            self._dummy = self.hasher.hash("not-a-real-password-" + secrets.token_hex(8))
        return self._dummy


_passwords = _Passwords()


def configure_password_hashing(*, time_cost: int, memory_kib: int) -> None:
    """Set the argon2 cost for new hashes (existing hashes keep verifying with their own)."""
    global _passwords
    _passwords = _Passwords(time_cost, memory_kib)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_passwords.hasher.hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    passwords = _passwords
    try:
        matched = passwords.hasher.verify(password_hash or passwords.dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(_verify, password_hash, password)


def password_needs_rehash(password_hash: str) -> bool:
    return _passwords.hasher.check_needs_rehash(password_hash)


def new_secret_token() -> str:
    """An opaque token for refresh, email verification and reset links (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are stored only as hashes; a fast hash suffices for 256-bit random values."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    expires_at: datetime


class InvalidToken(Exception):
    def __init__(self, expired: bool = False) -> None:
        self.expired = expired
        super().__init__("expired" if expired else "invalid")


def issue_access_token(
    secret: str, user_id: uuid.UUID, session_id: uuid.UUID, lifetime: timedelta
) -> tuple[str, datetime]:
    now = utcnow()
    expires_at = now + lifetime
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": secrets.token_hex(12),
        "typ": "access",
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires_at


def read_access_token(secret: str, token: str) -> AccessClaims:
    """The claims of a valid, unexpired access token; InvalidToken otherwise.

    A token is verified once: every request of a client carries the same token, and checking
    its signature again each time was most of the cost of authenticating. Only tokens that
    passed are remembered, keyed by the whole token (its signature included), and their
    expiry is checked on every use.
    """
    claims = _verified_claims(secret, token)
    if claims.expires_at <= utcnow():
        raise InvalidToken(expired=True)
    return claims


@functools.lru_cache(maxsize=4096)
def _verified_claims(secret: str, token: str) -> AccessClaims:
    try:
        # The algorithm list is pinned: a token claiming `none` or RS256 is refused.
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub", "jti"]},
        )
        if claims.get("typ") != "access":
            raise InvalidToken()
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken(expired=True) from exc
    except (jwt.InvalidTokenError, KeyError, ValueError, TypeError) as exc:
        raise InvalidToken() from exc
