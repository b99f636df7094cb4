"""Request and response bodies of ``/api/organization/…`` (members and invitations)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from oshara.auth.schemas import normalise_email
from oshara.orgs.models import Role


class MemberOut(BaseModel):
    """A member of the caller's organization."""

    user_id: uuid.UUID
    email: str
    full_name: str
    role: Role
    joined_at: datetime


class MemberUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class InvitationCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=320)
    role: Role = Role.member

    _email = field_validator("email")(normalise_email)


class InvitationOut(BaseModel):
    """A pending invitation (never its token: that is shown once, when it is created)."""

    id: uuid.UUID
    email: str
    role: Role
    invited_by: str | None = Field(description="Email of the user who sent it")
    created_at: datetime
    expires_at: datetime


class InvitationCreated(InvitationOut):
    token: str = Field(
        description="Shown once; only its hash is stored. The invitee sends it as "
        "`invitation` to POST /api/auth/register/ (new account), or signed in to "
        "POST /api/organization/join/ (existing account)."
    )


class InvitationAcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=200)
