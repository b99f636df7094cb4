"""``/api/organization/…``: the caller's organization — members and invitations.

Who may do what (see :class:`oshara.orgs.models.Role`):

- list members: anyone in the organization (API keys included);
- invite, list and revoke invitations: a signed-in admin or owner (owner invitations: owners);
- change a role: a signed-in owner; remove a member: an owner, or the member themself;
- join with an invitation token (``POST /api/organization/join/``): the signed-in invited
  user (new accounts join through ``POST /api/auth/register/`` with ``invitation``).

The last owner can be neither demoted nor removed (409).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from oshara.auth.schemas import MeOut, OrganizationOut, RegisterOut
from oshara.db.engine import DB
from oshara.deps import AdminUser, CurrentSubject, OwnerUser, SettingsDep, SignedInUser
from oshara.errors import (
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    Unauthorized,
    ValidationFailed,
    error_responses,
)
from oshara.orgs.models import Invitation, Membership, User
from oshara.orgs.schemas import (
    InvitationAcceptIn,
    InvitationCreated,
    InvitationCreateIn,
    InvitationOut,
    MemberOut,
    MemberUpdateIn,
)
from oshara.orgs.service import Joined, OrganizationService

router = APIRouter(prefix="/api/organization", tags=["organization"])
_ERRORS = error_responses(ValidationFailed, Unauthorized, Forbidden, NotFound)


def member_out(membership: Membership, user: User) -> MemberOut:
    return MemberOut(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=membership.role,
        joined_at=membership.created_at,
    )


def invitation_out(invitation: Invitation, invited_by: str | None) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        email=invitation.email,
        role=invitation.role,
        invited_by=invited_by,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )


def joined_out(joined: Joined) -> RegisterOut:
    user, org = joined.user, joined.organization
    me = MeOut(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=joined.role,
        auth="user",
        organization=OrganizationOut(id=org.id, name=org.name),
    )
    return RegisterOut(access=joined.tokens.access, refresh=joined.tokens.refresh, user=me)


@router.get("/members/", response_model=list[MemberOut], responses=_ERRORS)
async def list_members(subject: CurrentSubject, db: DB, settings: SettingsDep) -> list[MemberOut]:
    """Everyone in your organization with their role, oldest member first."""
    rows = await OrganizationService(db, settings).members(subject)
    return [member_out(m, u) for m, u in rows]


@router.patch(
    "/members/{user_id}/",
    response_model=MemberOut,
    responses=error_responses(ValidationFailed, Unauthorized, Forbidden, NotFound, Conflict),
)
async def change_member_role(
    user_id: uuid.UUID, body: MemberUpdateIn, subject: OwnerUser, db: DB, settings: SettingsDep
) -> MemberOut:
    """Change a member's role (owners only). The last owner cannot be demoted (409)."""
    membership, user = await OrganizationService(db, settings).change_role(
        subject, user_id, body.role
    )
    return member_out(membership, user)


@router.delete(
    "/members/{user_id}/",
    status_code=204,
    responses=error_responses(ValidationFailed, Unauthorized, Forbidden, NotFound, Conflict),
)
async def remove_member(
    user_id: uuid.UUID, subject: SignedInUser, db: DB, settings: SettingsDep
) -> Response:
    """Remove a member (owners), or leave (your own id). Their logins here end at once.

    The last owner cannot be removed (409)."""
    await OrganizationService(db, settings).remove(subject, user_id)
    return Response(status_code=204)


@router.get("/invitations/", response_model=list[InvitationOut], responses=_ERRORS)
async def list_invitations(
    subject: AdminUser, db: DB, settings: SettingsDep
) -> list[InvitationOut]:
    """Pending invitations (not yet accepted, revoked or expired); never their tokens."""
    rows = await OrganizationService(db, settings).pending(subject)
    return [invitation_out(i, e) for i, e in rows]


@router.post(
    "/invitations/",
    response_model=InvitationCreated,
    status_code=201,
    responses=error_responses(ValidationFailed, Unauthorized, Forbidden, Conflict),
)
async def create_invitation(
    body: InvitationCreateIn, subject: AdminUser, db: DB, settings: SettingsDep
) -> Response:
    """Invite an email address with a role (admins: admin or member; owners: any role).

    The answer holds the invitation ``token``: it is shown **once** (only its hash is kept).
    Give it to the invitee, who sends it as ``invitation`` to ``POST /api/auth/register/``,
    or, already signed in, to ``POST /api/organization/join/``. It works once, for that
    email, until ``expires_at`` (``OSHARA_INVITATION_TTL_SECONDS``, default 7 days).
    Inviting the same email again replaces the pending invitation.
    """
    invitation, token = await OrganizationService(db, settings).invite(
        subject, body.email, body.role
    )
    inviter = await db.get(User, subject.user_id) if subject.user_id else None
    shown = invitation_out(invitation, inviter.email if inviter else None)
    out = InvitationCreated(**shown.model_dump(), token=token)
    return Response(
        out.model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@router.post(
    "/join/",
    response_model=RegisterOut,
    responses=error_responses(ValidationFailed, Unauthorized, Forbidden, NotFound, Conflict, Gone),
)
async def accept_invitation(
    body: InvitationAcceptIn, subject: SignedInUser, db: DB, settings: SettingsDep
) -> RegisterOut:
    """Join the inviting organization with the invited role (signed in as the invited email).

    Answers a new ``{access, refresh}`` login in that organization (your current login stays
    in the one it was made for). Sign in to either later with ``organization`` on
    ``POST /api/auth/login/``. An unknown token is 404; an expired, used or revoked one 410.
    """
    return joined_out(await OrganizationService(db, settings).accept(subject, body.token))


@router.delete(
    "/invitations/{invitation_id}/",
    status_code=204,
    responses=error_responses(ValidationFailed, Unauthorized, Forbidden, NotFound),
)
async def revoke_invitation(
    invitation_id: uuid.UUID, subject: AdminUser, db: DB, settings: SettingsDep
) -> Response:
    """Revoke a pending invitation: its token stops working at once."""
    await OrganizationService(db, settings).revoke(subject, invitation_id)
    return Response(status_code=204)
