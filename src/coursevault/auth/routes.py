"""HTTP routes for accounts and sessions (/api/auth, /api/admin/users)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from coursevault import i18n
from coursevault.auth import errors, service
from coursevault.auth.cookies import (
    REFRESH_COOKIE,
    check_origin,
    clear_session_cookies,
    cookie_name,
    require_csrf,
    set_session_cookies,
)
from coursevault.auth.deps import Admin, CurrentSession, CurrentUser
from coursevault.auth.models import (
    Accepted,
    EmailIn,
    LoginIn,
    PasswordChange,
    PasswordResetConfirm,
    ProfileUpdate,
    RefreshIn,
    RegistrationAccepted,
    RoleIn,
    TokenPair,
    UserCreate,
    UserPage,
    UserRead,
    VerifyEmailIn,
)
from coursevault.errors import ERROR_RESPONSES
from coursevault.http.deps import AppSettings, ClientIp, Db
from coursevault.i18n import msg

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=ERROR_RESPONSES)
admin_router = APIRouter(prefix="/api/admin", tags=["admin"], responses=ERROR_RESPONSES)


@router.post("/register", status_code=status.HTTP_202_ACCEPTED, operation_id="register")
async def register(
    user_in: UserCreate, request: Request, db: Db, settings: AppSettings
) -> RegistrationAccepted:
    """Answers alike whether or not the address has an account (its owner gets a mail)."""
    check_origin(request, settings)
    language = i18n.shipped(user_in.language) if user_in.language is not None else None
    await service.register(
        db=db,
        settings=settings,
        email=user_in.email,
        name=user_in.name,
        password=user_in.password,
        role=user_in.role,
        language=language,
    )
    thanks = msg(
        "Thanks! If this address is new, your account is ready and a confirmation link is on "
        "its way; if it already has an account, we emailed its owner."
    )
    answer_in = language or i18n.of_request(request.scope)
    return RegistrationAccepted(email=user_in.email, detail=i18n.render(thanks, answer_in))


@router.post("/verify-email", status_code=status.HTTP_204_NO_CONTENT, operation_id="verifyEmail")
async def verify_email(
    body: VerifyEmailIn, request: Request, db: Db, settings: AppSettings
) -> None:
    check_origin(request, settings)
    await service.verify_email(db=db, token=body.token)


@router.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="resendVerification",
)
async def resend_verification(user: CurrentUser, db: Db, settings: AppSettings) -> Accepted:
    await service.resend_verification(db=db, settings=settings, user=user)
    sent = msg("A new confirmation link is on its way to {email}.", email=user.email)
    return Accepted(detail=i18n.render(sent, user.language))


@router.post(
    "/password-reset", status_code=status.HTTP_202_ACCEPTED, operation_id="requestPasswordReset"
)
async def request_password_reset(
    body: EmailIn, request: Request, db: Db, settings: AppSettings
) -> Accepted:
    """Answers alike whether or not the address has an account."""
    check_origin(request, settings)
    await service.request_password_reset(db=db, settings=settings, email=body.email)
    sent = msg(
        "If an account uses this address, a link to choose a new password is on its way. It "
        "works once, for a limited time."
    )
    return Accepted(detail=i18n.render(sent, i18n.of_request(request.scope)))


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="confirmPasswordReset",
)
async def confirm_password_reset(
    body: PasswordResetConfirm, request: Request, db: Db, settings: AppSettings
) -> None:
    check_origin(request, settings)
    await service.confirm_password_reset(
        db=db, settings=settings, token=body.token, password=body.password
    )


@router.post("/login", operation_id="login")
async def login(
    login_in: LoginIn,
    request: Request,
    response: Response,
    db: Db,
    settings: AppSettings,
    ip: ClientIp,
) -> TokenPair:
    check_origin(request, settings)  # login CSRF: a foreign page must not sign us in
    _, pair = await service.login(
        db=db, settings=settings, email=login_in.email, password=login_in.password, ip=ip
    )
    set_session_cookies(response, settings, pair)
    return pair


@router.post("/refresh", operation_id="refresh")
async def refresh(
    request: Request,
    response: Response,
    db: Db,
    settings: AppSettings,
    refresh_in: RefreshIn | None = None,
) -> TokenPair:
    token = refresh_in.refresh_token if refresh_in else None
    if not token:
        token = request.cookies.get(cookie_name(settings, REFRESH_COOKIE))
        if not token:
            raise errors.not_authenticated()
        require_csrf(request, settings)
    pair = await service.refresh(db=db, settings=settings, refresh_token=token)
    set_session_cookies(response, settings, pair)
    return pair


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, operation_id="logout")
async def logout(
    session: CurrentSession, response: Response, db: Db, settings: AppSettings
) -> None:
    await service.logout(db=db, family=session.family)
    clear_session_cookies(response, settings)


@router.get("/me", operation_id="me")
async def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user, from_attributes=True)


@router.patch("/me", operation_id="updateProfile")
async def update_profile(profile_in: ProfileUpdate, user: CurrentUser, db: Db) -> UserRead:
    """Changes one's display name, short bio (shown with one's courses) and language (of
    the server's mail and messages; a language not shipped is stored as English)."""
    language = i18n.shipped(profile_in.language) if profile_in.language is not None else None
    updated = await service.update_profile(
        db=db, user=user, name=profile_in.name, bio=profile_in.bio, language=language
    )
    return UserRead.model_validate(updated, from_attributes=True)


@router.patch("/me/password", status_code=status.HTTP_204_NO_CONTENT, operation_id="changePassword")
async def change_password(
    password_in: PasswordChange, session: CurrentSession, db: Db, settings: AppSettings
) -> None:
    await service.change_password(
        db=db,
        settings=settings,
        session=session,
        current=password_in.current_password,
        new=password_in.new_password,
    )


@admin_router.get("/users", operation_id="listUsers")
async def list_users(
    _: Admin,
    db: Db,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 50,
) -> UserPage:
    users, total = await service.list_users(db=db, page=page, per_page=per_page)
    return UserPage(
        items=[UserRead.model_validate(u, from_attributes=True) for u in users], total=total
    )


@admin_router.put("/users/{user_id}/role", operation_id="setUserRole")
async def set_user_role(user_id: str, role_in: RoleIn, admin: Admin, db: Db) -> UserRead:
    """Gives an account exactly one role; admins cannot demote themselves (no lock-out)."""
    updated = await service.change_role(db=db, actor=admin, user_id=user_id, role=role_in.role)
    return UserRead.model_validate(updated, from_attributes=True)
