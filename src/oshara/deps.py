"""``Annotated`` dependency aliases used by endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from oshara.auth.service import API_KEY_PREFIX, AuthService
from oshara.auth.subject import AuthSubject
from oshara.config import Settings
from oshara.db.engine import DB
from oshara.errors import Forbidden, Unauthorized
from oshara.orgs.models import Role


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("Authorization header must be 'Bearer <token>'")
    return value.strip()


# Declares the bearer scheme in OpenAPI ("Authorize" in /api/docs/); parsing stays ours so a
# malformed header is a clear 401 rather than FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="A JWT access token or an osk_ API key")


async def get_optional_subject(
    request: Request,
    db: DB,
    settings: SettingsDep,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> AuthSubject | None:
    """The caller if credentials were sent; 401 if they were sent but are invalid."""
    token = bearer_token(request)
    if token is None:
        return None
    service = AuthService(db, settings)
    if token.startswith(API_KEY_PREFIX):
        return await service.subject_from_api_key(token)
    return await service.subject_from_access(token)


async def get_subject(
    subject: Annotated[AuthSubject | None, Depends(get_optional_subject)],
) -> AuthSubject:
    if subject is None:
        raise Unauthorized()
    return subject


CurrentSubject = Annotated[AuthSubject, Depends(get_subject)]
OptionalSubject = Annotated[AuthSubject | None, Depends(get_optional_subject)]


class RequireRole:
    """Dependency: the caller, when its role in its organization is ``role`` or higher.

    The one place the role policy is enforced (see :class:`oshara.orgs.models.Role`). It runs
    before any object is looked up, so the answer (403) is the same whether the object
    exists, belongs to another organization or not. With ``users_only``, API keys (which act
    as admin) are refused too: people and keys are managed by signed-in users.
    """

    def __init__(self, role: Role, *, users_only: bool = False) -> None:
        self.role = role
        self.users_only = users_only

    async def __call__(self, subject: CurrentSubject) -> AuthSubject:
        needed = "owner" if self.role is Role.owner else f"{self.role} or owner"
        if self.users_only and subject.kind != "user":
            raise Forbidden(
                f"This action needs a signed-in user with the {needed} role; "
                "an API key cannot do it"
            )
        if not subject.has_role(self.role):
            raise Forbidden(
                f"This action needs the {needed} role in your organization; "
                f"your role is {subject.role}"
            )
        return subject


AdminSubject = Annotated[AuthSubject, Depends(RequireRole(Role.admin))]
"""An owner, an admin or an API key of the organization."""
AdminUser = Annotated[AuthSubject, Depends(RequireRole(Role.admin, users_only=True))]
"""A signed-in owner or admin (not an API key)."""
OwnerUser = Annotated[AuthSubject, Depends(RequireRole(Role.owner, users_only=True))]
"""A signed-in owner."""
SignedInUser = Annotated[AuthSubject, Depends(RequireRole(Role.member, users_only=True))]
"""Any signed-in member (not an API key)."""
