"""``/api/auth/…`` and ``/api/api-keys/…``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from oshara.auth.models import ApiKey
from oshara.auth.schemas import (
    ApiKeyCreated,
    ApiKeyCreateIn,
    ApiKeyOut,
    LoginIn,
    LogoutIn,
    MeOut,
    OrganizationOut,
    PasswordChangeIn,
    RefreshIn,
    RegisterIn,
    RegisterOut,
    TokenPair,
)
from oshara.auth.service import AuthService
from oshara.db.base import utcnow
from oshara.db.engine import DB
from oshara.deps import AdminSubject, AdminUser, CurrentSubject, SettingsDep
from oshara.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
    error_responses,
)
from oshara.http import lenient_json, openapi_body, parse_model
from oshara.orgs.endpoints import joined_out
from oshara.orgs.models import Organization, Role, User
from oshara.orgs.service import OrganizationService
from oshara.ratelimit import LoginLimit, RefreshLimit, RegisterLimit

router = APIRouter(prefix="/api/auth", tags=["auth"])
keys_router = APIRouter(prefix="/api/api-keys", tags=["api-keys"])


@router.post(
    "/login/",
    response_model=TokenPair,
    openapi_extra=openapi_body(LoginIn),
    responses=error_responses(ValidationFailed, Unauthorized, TooManyRequests),
)
async def login(request: Request, db: DB, settings: SettingsDep, limit: LoginLimit) -> TokenPair:
    """Exchange email and password for an access and a refresh token.

    Rate-limited per client address, and failed attempts per account (429, Retry-After)."""
    body = parse_model(LoginIn, await lenient_json(request))
    await limit.before(body.email)
    async with limit.failures(body.email):
        return await AuthService(db, settings).login(body.email, body.password, body.organization)


@router.post(
    "/refresh/",
    response_model=TokenPair,
    openapi_extra=openapi_body(RefreshIn),
    responses=error_responses(ValidationFailed, Unauthorized, TooManyRequests),
)
async def refresh(
    request: Request, db: DB, settings: SettingsDep, limit: RefreshLimit
) -> TokenPair:
    """Rotate a refresh token. Each refresh token works once; reuse revokes the whole login."""
    body = parse_model(RefreshIn, await lenient_json(request))
    await limit.before(body.refresh)
    return await AuthService(db, settings).refresh(body.refresh)


@router.post(
    "/logout/",
    status_code=204,
    responses=error_responses(Unauthorized),
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": LogoutIn.model_json_schema()}},
        }
    },
)
async def logout(
    request: Request, subject: CurrentSubject, db: DB, settings: SettingsDep
) -> Response:
    """Revoke this login: its access and refresh tokens stop working at once."""
    raw = await request.body()
    body = parse_model(LogoutIn, await lenient_json(request)) if raw.strip() else LogoutIn()
    await AuthService(db, settings).logout(subject, body.refresh)
    return Response(status_code=204)


@router.post(
    "/register/",
    response_model=RegisterOut,
    status_code=201,
    responses=error_responses(ValidationFailed, Unauthorized, Forbidden, NotFound, Conflict, Gone),
)
async def register(
    body: RegisterIn, db: DB, settings: SettingsDep, _limit: RegisterLimit
) -> RegisterOut:
    """Create an account that owns a **new** organization, or join one by invitation.

    Without ``invitation``: always a new organization named ``organization`` (names need not
    be unique; nobody ever joins an organization by its name). Off with
    ``OSHARA_REGISTRATION_ENABLED=false``.

    With ``invitation`` (a token from ``POST /api/organization/invitations/``): the account
    joins the inviting organization with the invited role; the email must be the invited one.
    Works even when open registration is off. If the email already has an account, the
    password must be that account's, and that account joins.
    """
    if body.invitation is not None:
        if body.organization is not None:
            raise ValidationFailed(
                [{"field": "organization", "message": "not allowed with an invitation"}]
            )
        joined = await OrganizationService(db, settings).register(
            body.invitation, body.email, body.password, body.full_name
        )
        return joined_out(joined)
    if not settings.registration_enabled:
        raise Forbidden("Registration is disabled on this server")
    service = AuthService(db, settings)
    user, org = await service.create_user(
        body.email, body.password, full_name=body.full_name, org_name=body.organization
    )
    pair = await service.start_login(user.id, org.id)  # no second password hash
    me = MeOut(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=Role.owner,
        auth="user",
        organization=OrganizationOut(id=org.id, name=org.name),
    )
    return RegisterOut(access=pair.access, refresh=pair.refresh, user=me)


@router.get("/me/", response_model=MeOut, responses=error_responses(Unauthorized))
async def me(subject: CurrentSubject, db: DB) -> MeOut:
    """The caller: user (or API key) and organization."""
    org = await db.get_one(Organization, subject.organization_id)
    user = await db.get(User, subject.user_id) if subject.user_id else None
    return MeOut(
        id=user.id if user else None,
        email=user.email if user else None,
        full_name=user.full_name if user else None,
        role=subject.role,
        auth=subject.kind,
        organization=OrganizationOut(id=org.id, name=org.name),
    )


@router.post(
    "/password/",
    response_model=TokenPair,
    responses=error_responses(BadRequest, Unauthorized),
)
async def change_password(
    body: PasswordChangeIn, subject: CurrentSubject, db: DB, settings: SettingsDep
) -> TokenPair:
    """Change the password; every other login of this user is revoked."""
    return await AuthService(db, settings).change_password(
        subject, body.current_password, body.new_password
    )


# -- API keys ---------------------------------------------------------------------------------


@keys_router.get(
    "/", response_model=list[ApiKeyOut], responses=error_responses(Unauthorized, Forbidden)
)
async def list_api_keys(subject: AdminSubject, db: DB) -> list[ApiKeyOut]:
    """The organization's keys (admins and owners, or a key)."""
    rows = await db.scalars(
        select(ApiKey)
        .where(ApiKey.organization_id == subject.organization_id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.created_at)
    )
    return [ApiKeyOut.model_validate(r, from_attributes=True) for r in rows]


@keys_router.post(
    "/",
    response_model=ApiKeyCreated,
    status_code=201,
    responses=error_responses(ValidationFailed, Unauthorized, Forbidden),
)
async def create_api_key(
    body: ApiKeyCreateIn, subject: AdminUser, db: DB, settings: SettingsDep
) -> ApiKeyCreated:
    """Create a server-to-server key (a signed-in admin or owner). It acts as an admin of the
    organization. The full key is in this response only."""
    row, key = await AuthService(db, settings).create_api_key(
        subject.organization_id, subject.user_id, body.name
    )
    return ApiKeyCreated(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=None,
        key=key,
    )


@keys_router.delete(
    "/{key_id}/",
    status_code=204,
    responses=error_responses(ValidationFailed, Unauthorized, Forbidden, NotFound),
)
async def revoke_api_key(key_id: uuid.UUID, subject: AdminUser, db: DB) -> Response:
    """Revoke a key (a signed-in admin or owner): it stops working at once."""
    row = await db.scalar(
        select(ApiKey).where(
            ApiKey.id == key_id,
            ApiKey.organization_id == subject.organization_id,
            ApiKey.revoked_at.is_(None),
        )
    )
    if row is None:
        raise NotFound("API key not found")
    row.revoked_at = utcnow()
    return Response(status_code=204)
