"""Organizations, users, their memberships and invitations to join."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oshara.db.base import Base, IdTimestamps, utcnow


class Role(StrEnum):
    """A member's role in an organization; each role can do everything the ones below can.

    - ``member``: reads agents (without prompts or tool configurations), sessions, form
      responses and knowledge.
    - ``admin``: also changes agents, tools, knowledge, API keys and webhook secrets, and
      invites admins and members.
    - ``owner``: also changes roles, removes members and invites owners.

    API keys act as ``admin`` of their organization. The policy is applied in one place:
    :class:`oshara.deps.RequireRole`.
    """

    owner = "owner"
    admin = "admin"
    member = "member"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANK = {Role.member: 0, Role.admin: 1, Role.owner: 2}


class Organization(IdTimestamps, Base):
    """A tenant. ``name`` is a display name: two organizations may share one."""

    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(200))


class User(IdTimestamps, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    tokens_valid_after: Mapped[datetime] = mapped_column(default=utcnow)
    """Tokens issued before this instant are refused (set on password change)."""

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", lazy="raise")


class Membership(IdTimestamps, Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20), default=Role.owner)

    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise")
    organization: Mapped[Organization] = relationship(lazy="raise")


class Invitation(IdTimestamps, Base):
    """An owner's or admin's invitation of an email address to join with a role.

    The token is shown once, when the invitation is created; only its SHA-256 is stored. It
    works once (``accepted_at``), until ``expires_at``, unless revoked (``revoked_at``).
    """

    __tablename__ = "invitations"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    accepted_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
