"""Members of an organization and invitations to join it.

Every query is scoped to the caller's organization here. Who may call what is decided by
:class:`oshara.deps.RequireRole` on the endpoints; the rules that depend on the target (an
admin cannot invite an owner, only owners change roles of others, the last owner stays) are
checked here, once.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from oshara.auth.schemas import TokenPair
from oshara.auth.service import AuthService
from oshara.auth.subject import AuthSubject
from oshara.config import Settings
from oshara.errors import Conflict, Forbidden, Gone, NotFound
from oshara.orgs.models import Invitation, Membership, Organization, Role, User

INVITATION_PREFIX = "osi_"


def _now() -> datetime:
    return datetime.now(UTC)


def hash_invitation(token: str) -> str:
    """Tokens are 256-bit random, so SHA-256 is enough (as for API keys)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Joined:
    """The outcome of accepting an invitation: who joined where, and their new login."""

    user: User
    organization: Organization
    role: Role
    tokens: TokenPair


def _role(value: str) -> Role:
    return Role(value)


class OrganizationService:
    """Stateless; runs in the caller's transaction (commits only around password hashing)."""

    def __init__(self, db: AsyncSession, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    # -- members ------------------------------------------------------------------------

    async def members(self, subject: AuthSubject) -> Sequence[tuple[Membership, User]]:
        rows = await self.db.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.organization_id == subject.organization_id)
            .order_by(Membership.created_at, Membership.id)
        )
        return [(m, u) for m, u in rows]

    async def _member(self, subject: AuthSubject, user_id: uuid.UUID) -> tuple[Membership, User]:
        row = (
            await self.db.execute(
                select(Membership, User)
                .join(User, User.id == Membership.user_id)
                .where(
                    Membership.organization_id == subject.organization_id,
                    Membership.user_id == user_id,
                )
            )
        ).one_or_none()
        if row is None:
            raise NotFound(f"Member {user_id} not found")
        return row[0], row[1]

    async def _lock_owners(self, organization_id: uuid.UUID) -> int:
        """Serialise owner changes of one organization and count its owners.

        PostgreSQL: ``FOR UPDATE`` on the organization row, so two owners demoting each other
        at once cannot both see the other one still there. SQLite: the IMMEDIATE transaction
        already serialises writers.
        """
        await self.db.execute(
            select(Organization.id).where(Organization.id == organization_id).with_for_update()
        )
        count = await self.db.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.organization_id == organization_id, Membership.role == Role.owner)
        )
        return int(count or 0)

    async def change_role(
        self, subject: AuthSubject, user_id: uuid.UUID, role: Role
    ) -> tuple[Membership, User]:
        """Owners only (checked by the endpoint). The last owner cannot be demoted."""
        owners = await self._lock_owners(subject.organization_id)
        membership, user = await self._member(subject, user_id)
        if membership.role == Role.owner and role != Role.owner and owners <= 1:
            raise Conflict("This is the organization's last owner; make another member owner first")
        membership.role = role
        await self.db.flush()
        return membership, user

    async def remove(self, subject: AuthSubject, user_id: uuid.UUID) -> None:
        """An owner removes anyone; anyone may leave. Never the last owner. Their logins in
        this organization end at once."""
        if user_id != subject.user_id and not subject.has_role(Role.owner):
            raise Forbidden(
                "Removing another member needs the owner role in your organization; "
                f"your role is {subject.role}"
            )
        owners = await self._lock_owners(subject.organization_id)
        membership, _user = await self._member(subject, user_id)
        if membership.role == Role.owner and owners <= 1:
            raise Conflict("This is the organization's last owner; make another member owner first")
        await self.db.delete(membership)
        await AuthService(self.db, self.settings).end_logins(user_id, subject.organization_id)
        await self.db.flush()

    # -- invitations --------------------------------------------------------------------

    @staticmethod
    def _may_invite(subject: AuthSubject, role: Role) -> None:
        # Admins invite admins and members; only owners make (or unmake) owners.
        needed = Role.owner if role == Role.owner else Role.admin
        if not subject.has_role(needed):
            raise Forbidden(
                f"Inviting with the {role} role needs the {needed} role in your organization; "
                f"your role is {subject.role}"
            )

    async def pending(self, subject: AuthSubject) -> Sequence[tuple[Invitation, str | None]]:
        rows = await self.db.execute(
            select(Invitation, User.email)
            .outerjoin(User, User.id == Invitation.invited_by_id)
            .where(
                Invitation.organization_id == subject.organization_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > _now(),
            )
            .order_by(Invitation.created_at, Invitation.id)
        )
        return [(i, e) for i, e in rows]

    async def invite(self, subject: AuthSubject, email: str, role: Role) -> tuple[Invitation, str]:
        """A new invitation and its token (shown once). A pending one for the same email is
        replaced."""
        self._may_invite(subject, role)
        already = await self.db.scalar(
            select(Membership.id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.organization_id == subject.organization_id, User.email == email)
        )
        if already is not None:
            raise Conflict(f"{email} is already a member of this organization")
        now = _now()
        await self.db.execute(
            update(Invitation)
            .where(
                Invitation.organization_id == subject.organization_id,
                Invitation.email == email,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        token = INVITATION_PREFIX + secrets.token_urlsafe(32)
        invitation = Invitation(
            organization_id=subject.organization_id,
            email=email,
            role=role,
            token_hash=hash_invitation(token),
            invited_by_id=subject.user_id,
            expires_at=now + timedelta(seconds=self.settings.invitation_ttl_seconds),
        )
        self.db.add(invitation)
        await self.db.flush()
        return invitation, token

    async def revoke(self, subject: AuthSubject, invitation_id: uuid.UUID) -> None:
        invitation = await self.db.scalar(
            select(Invitation).where(
                Invitation.id == invitation_id,
                Invitation.organization_id == subject.organization_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
        )
        if invitation is None:
            raise NotFound(f"Invitation {invitation_id} not found")
        self._may_invite(subject, _role(invitation.role))
        invitation.revoked_at = _now()
        await self.db.flush()

    async def _usable(self, token: str, email: str) -> Invitation:
        """The invitation of ``token`` if it can still be accepted by ``email``."""
        invitation = await self.db.scalar(
            select(Invitation).where(Invitation.token_hash == hash_invitation(token))
        )
        if invitation is None:
            raise NotFound("Invitation not found; check the token")
        if invitation.revoked_at is not None:
            raise Gone("This invitation was revoked; ask for a new one")
        if invitation.accepted_at is not None:
            raise Gone("This invitation was already used; ask for a new one")
        if invitation.expires_at <= _now():
            raise Gone("This invitation has expired; ask for a new one")
        if invitation.email != email:
            raise Forbidden("This invitation is for another email address")
        return invitation

    async def _claim(self, invitation: Invitation, user_id: uuid.UUID) -> None:
        """Single use, atomically: only one request can mark it accepted."""
        result = await self.db.execute(
            update(Invitation)
            .where(
                Invitation.id == invitation.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > _now(),
            )
            .values(accepted_at=_now(), accepted_by_id=user_id)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise Gone("This invitation was already used or revoked; ask for a new one")

    async def _join(self, user: User, invitation: Invitation) -> Joined:
        self.db.add(
            Membership(
                user_id=user.id, organization_id=invitation.organization_id, role=invitation.role
            )
        )
        try:
            async with self.db.begin_nested():
                await self.db.flush()
        except IntegrityError as exc:
            raise Conflict("You are already a member of this organization") from exc
        await self._claim(invitation, user.id)
        org = await self.db.get_one(Organization, invitation.organization_id)
        tokens = await AuthService(self.db, self.settings).start_login(user.id, org.id)
        return Joined(user, org, _role(invitation.role), tokens)

    async def accept(self, subject: AuthSubject, token: str) -> Joined:
        """A signed-in user (the invited email) joins; the answer carries a login there."""
        assert subject.user_id is not None  # SignedInUser
        user = await self.db.get_one(User, subject.user_id)
        invitation = await self._usable(token, user.email)
        return await self._join(user, invitation)

    async def register(self, token: str, email: str, password: str, full_name: str) -> Joined:
        """Sign-up through an invitation: a new account joins with the invited role. If the
        email already has an account, ``password`` must be its password: that account joins."""
        invitation = await self._usable(token, email)
        auth = AuthService(self.db, self.settings)
        existing = await self.db.scalar(select(User.id).where(User.email == email))
        if existing is not None:
            user = await auth.authenticate(email, password)
            return await self._join(user, invitation)  # _claim re-checks atomically
        user, _org = await auth.create_member(
            email,
            password,
            invitation.organization_id,
            _role(invitation.role),
            full_name=full_name,
        )
        await self._claim(invitation, user.id)
        org = await self.db.get_one(Organization, invitation.organization_id)
        tokens = await auth.start_login(user.id, org.id)
        return Joined(user, org, _role(invitation.role), tokens)
