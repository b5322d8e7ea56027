"""The first administrator, created from the command line."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import select

from hearth.admin import audit
from hearth.auth.errors import WeakPassword
from hearth.auth.passwords import check_password
from hearth.auth.schemas import RegisterIn
from hearth.config import Settings
from hearth.core.clock import utcnow
from hearth.core.db import Database
from hearth.core.security import configure_password_hashing, hash_password, verify_password
from hearth.users.models import User


def _verified(user: User) -> bool:
    return user.email_verified_at is not None


async def ensure_admin(settings: Settings, email: str, username: str, password: str) -> bool:
    """Create the admin (True) or promote the account with that email (False); a promotion
    also verifies the email, and is written to the audit log (no actor: the command line).

    An existing account is promoted only when `password` is its own: anyone may register
    an email first (without SMTP nobody verifies it), and promoting that account on the
    operator's word would hand the console to whoever did."""
    try:
        data = RegisterIn(email=email, username=username, password=password)
        check_password(password, username=data.username, email=data.email)
    except ValidationError as exc:
        raise ValueError("; ".join(str(e["msg"]) for e in exc.errors())) from exc
    except WeakPassword as exc:
        raise ValueError(exc.message or "weak password") from exc
    configure_password_hashing(
        time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib
    )
    database = Database(settings.resolved_database_url)
    try:
        async with database.session() as db:
            user = await db.scalar(select(User).where(User.email == data.email))
            if user is not None:
                if not await verify_password(user.password_hash, password):
                    raise ValueError(
                        f"an account with the email {data.email} already exists and this is "
                        "not its password: give its password to make it an administrator"
                    )
                before = {"is_admin": user.is_admin, "email_verified": _verified(user)}
                # The password is the account's own, and the operator names its email:
                # that is as good as the emailed link, and an unverified admin could not
                # sign in with SMTP on.
                user.is_admin = True
                user.email_verified_at = user.email_verified_at or utcnow()
                after = {"is_admin": True, "email_verified": True}
                if after != before:
                    await audit.record(
                        db, None, "user.promote", "user", user.id, before=before, after=after
                    )
                return False
            if await db.scalar(select(User.id).where(User.username == data.username)):
                raise ValueError(f"username {data.username!r} is taken")
            db.add(
                User(
                    email=data.email,
                    username=data.username,
                    password_hash=await hash_password(password),
                    is_admin=True,
                    email_verified_at=utcnow(),
                )
            )
        return True
    finally:
        await database.dispose()
