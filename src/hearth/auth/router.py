"""HTTP endpoints of signing in."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from hearth.auth import service
from hearth.auth.deps import PrincipalDep
from hearth.auth.schemas import (
    ChangePasswordIn,
    ForgotIn,
    LoginIn,
    RefreshIn,
    RegisterIn,
    ResendIn,
    ResetIn,
    TokenIn,
    TokenPair,
)
from hearth.core.deps import DbDep, LimiterDep, MailerDep, SettingsDep, client_ip
from hearth.users.presenters import present_user
from hearth.users.schemas import UserOut

router = APIRouter(prefix="/auth", tags=["auth"])

AUTH_RATE = "60/minute"


async def _throttle(request: Request, limiter: LimiterDep) -> None:
    # HEARTH_AUTH_RATE; AUTH_RATE is its default.
    await limiter.enforce(request.app.state.settings.auth_rate, "auth-ip", client_ip(request))


def _client(request: Request) -> service.Client:
    return service.Client(request.headers.get("user-agent"), client_ip(request))


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserOut)
async def register(
    body: RegisterIn,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    mailer: MailerDep,
    limiter: LimiterDep,
) -> UserOut:
    await _throttle(request, limiter)
    user = await service.register(db, settings, mailer, body)
    return present_user(user, request)


@router.post("/verify-email", response_model=UserOut)
async def verify_email(
    body: TokenIn, request: Request, db: DbDep, settings: SettingsDep
) -> UserOut:
    return present_user(await service.verify_email(db, settings, body.token), request)


@router.post("/verify-email/resend", status_code=status.HTTP_204_NO_CONTENT)
async def resend_verification(
    body: ResendIn,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    mailer: MailerDep,
    limiter: LimiterDep,
) -> Response:
    await _throttle(request, limiter)
    await limiter.enforce("3/hour", "verify-resend", body.email.lower())
    await service.resend_verification(db, settings, mailer, body.email)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/login", response_model=TokenPair)
async def login(
    body: LoginIn, request: Request, db: DbDep, settings: SettingsDep, limiter: LimiterDep
) -> TokenPair:
    await _throttle(request, limiter)
    return await service.login(db, settings, limiter, body.login, body.password, _client(request))


@router.post("/refresh", response_model=TokenPair)
async def refresh(body: RefreshIn, db: DbDep, settings: SettingsDep) -> TokenPair:
    return await service.refresh(db, settings, body.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshIn, db: DbDep) -> Response:
    await service.logout(db, body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(principal: PrincipalDep, db: DbDep) -> Response:
    await service.logout_all(db, principal.user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password/forgot", status_code=status.HTTP_202_ACCEPTED)
async def forgot_password(
    body: ForgotIn,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    mailer: MailerDep,
    limiter: LimiterDep,
) -> dict[str, str]:
    await _throttle(request, limiter)
    await limiter.enforce("5/hour", "password-forgot", body.email.lower())
    await service.forgot_password(db, settings, mailer, body.email)
    return {"status": "If the address is registered, a reset link is on its way."}


@router.post("/password/reset", status_code=status.HTTP_204_NO_CONTENT)
async def reset_password(
    body: ResetIn, request: Request, db: DbDep, settings: SettingsDep, limiter: LimiterDep
) -> Response:
    """Single use; links sent before the password last changed no longer work. Lifts the
    account's sign-in lockout."""
    await service.reset_password(db, settings, limiter, body.token, body.password, _client(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password/change", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: ChangePasswordIn,
    request: Request,
    principal: PrincipalDep,
    db: DbDep,
    settings: SettingsDep,
    limiter: LimiterDep,
) -> Response:
    """Wrong current passwords count as failed sign-ins (429 when too many)."""
    await service.change_password(
        db,
        settings,
        limiter,
        principal.user,
        principal.session_id,
        body.current_password,
        body.new_password,
        _client(request),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
