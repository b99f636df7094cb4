"""Request and response bodies of the auth endpoints."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from oshara.auth.passwords import MIN_PASSWORD_LENGTH

_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")


def normalise_email(value: str) -> str:
    value = value.strip().lower()
    if len(value) > 320 or not _EMAIL.match(value):
        raise ValueError("Enter a valid email address")
    return value


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    organization: uuid.UUID | None = Field(
        default=None,
        description="Sign in to this organization (for a member of several); "
        "default: the first one joined",
    )

    _email = field_validator("email")(normalise_email)


class RefreshIn(BaseModel):
    refresh: str = Field(min_length=1, max_length=4096)


class LogoutIn(BaseModel):
    refresh: str | None = Field(default=None, max_length=4096)


class TokenPair(BaseModel):
    access: str
    refresh: str


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=320)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)
    full_name: str = Field(default="", max_length=200)
    organization: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Name of the new organization this account will own (names need not be "
        "unique: registering always creates a new organization)",
    )
    invitation: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="An invitation token: join the inviting organization with the invited "
        "role instead of creating one (the email must be the invited one)",
    )

    _email = field_validator("email")(normalise_email)


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(max_length=1024)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)


class OrganizationOut(BaseModel):
    id: uuid.UUID
    name: str


class MeOut(BaseModel):
    id: uuid.UUID | None
    email: str | None
    full_name: str | None
    role: str
    auth: str
    organization: OrganizationOut


class RegisterOut(TokenPair):
    user: MeOut


class ApiKeyCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=100)


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str
    """The full key. Shown once; only its hash is stored."""
