"""Logins, token rotation, revocation and API keys."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from oshara.auth import tokens
from oshara.auth.models import ApiKey, AuthFamily, RefreshToken
from oshara.auth.passwords import hash_password_async, needs_rehash, verify_password_async
from oshara.auth.schemas import TokenPair
from oshara.auth.subject import AuthSubject
from oshara.config import Settings
from oshara.errors import BadRequest, Conflict, NotFound, Unauthorized
from oshara.orgs.models import Membership, Organization, Role, User

API_KEY_PREFIX = "osk_"


class RefreshReuse(Unauthorized):
    """A rotated refresh token came back: its whole family has been revoked."""

    commit_anyway = True

    def __init__(self) -> None:
        super().__init__(
            "Refresh token was already used; every token from this login has been revoked"
        )


def _now() -> datetime:
    return datetime.now(UTC)


def default_organization_name(email: str) -> str:
    return f"{email.split('@')[0]}'s organization"


def _email_taken(email: str) -> Conflict:
    return Conflict(
        f"A user with email {email} already exists",
        extra={"errors": [{"field": "email", "message": "already registered"}]},
    )


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class AuthService:
    """Stateless; works inside the caller's database session (never commits)."""

    def __init__(self, db: AsyncSession, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.secret = settings.ensure_secret()

    async def _end_transaction(self) -> None:
        """Commit before a slow password hash, so no transaction is held meanwhile.

        The one exception to "never commits": on SQLite every transaction is BEGIN IMMEDIATE,
        so holding one through a ~0.2 s hash would queue every other request (the health
        check included) behind each login. Callers have nothing half-done at these points.
        """
        if self.db.in_transaction():
            await self.db.commit()

    # -- users -----------------------------------------------------------------------------

    async def create_user(
        self, email: str, password: str, *, full_name: str = "", org_name: str | None = None
    ) -> tuple[User, Organization]:
        """A user who owns a **new** organization.

        Always a new one, whatever ``org_name`` says: names are display names and two
        organizations may share one. Joining an existing organization is explicit:
        :meth:`create_member` (an invitation, or ``oshara users create --join-org ID``).
        """
        user = await self._insert_user(email, password, full_name)
        org = Organization(name=org_name or default_organization_name(email))
        self.db.add(org)
        await self.db.flush()
        self.db.add(Membership(user_id=user.id, organization_id=org.id, role=Role.owner))
        await self.db.flush()
        return user, org

    async def create_member(
        self,
        email: str,
        password: str,
        organization_id: uuid.UUID,
        role: Role,
        *,
        full_name: str = "",
    ) -> tuple[User, Organization]:
        """A user who joins the organization ``organization_id`` (by id, never by name)."""
        org = await self.db.get(Organization, organization_id)
        if org is None:
            raise NotFound(f"Organization {organization_id} not found")
        user = await self._insert_user(email, password, full_name)
        self.db.add(Membership(user_id=user.id, organization_id=org.id, role=role))
        await self.db.flush()
        return user, org

    async def _insert_user(self, email: str, password: str, full_name: str) -> User:
        """Hash outside any transaction, then insert; a taken email is 409, even in a race."""
        if await self.db.scalar(select(User.id).where(User.email == email)) is not None:
            raise _email_taken(email)
        await self._end_transaction()
        password_hash = await hash_password_async(password)
        user = User(email=email, password_hash=password_hash, full_name=full_name)
        self.db.add(user)
        try:
            async with self.db.begin_nested():
                await self.db.flush()
        except IntegrityError as exc:  # registered by a concurrent request meanwhile
            raise _email_taken(email) from exc
        return user

    async def authenticate(self, email: str, password: str) -> User:
        user = await self.db.scalar(select(User).where(User.email == email))
        await self._end_transaction()
        ok = await verify_password_async(user.password_hash if user else None, password)
        if user is None or not ok or not user.is_active:
            raise Unauthorized("No active account found with the given credentials")
        if needs_rehash(user.password_hash):
            user.password_hash = await hash_password_async(password)
        return user

    async def login(
        self, email: str, password: str, organization_id: uuid.UUID | None = None
    ) -> TokenPair:
        """Tokens for the user's first organization, or for ``organization_id`` if given."""
        user = await self.authenticate(email, password)
        stmt = select(Membership.organization_id).where(Membership.user_id == user.id)
        if organization_id is not None:
            stmt = stmt.where(Membership.organization_id == organization_id)
        org_id = await self.db.scalar(stmt.order_by(Membership.created_at, Membership.id).limit(1))
        if org_id is None:
            raise Unauthorized(
                "This account belongs to no organization"
                if organization_id is None
                else "This account is not a member of that organization"
            )
        return await self.start_login(user.id, org_id)

    async def start_login(self, user_id: uuid.UUID, organization_id: uuid.UUID) -> TokenPair:
        """A new login (auth family) of a user in one of their organizations."""
        family = AuthFamily(user_id=user_id, organization_id=organization_id)
        self.db.add(family)
        await self.db.flush()
        return await self._issue_pair(user_id, family)

    async def end_logins(self, user_id: uuid.UUID, organization_id: uuid.UUID) -> None:
        """Revoke every login of a user in one organization (removed from it)."""
        await self._revoke_families(
            (AuthFamily.user_id == user_id) & (AuthFamily.organization_id == organization_id),
            "removed",
        )

    async def change_password(self, subject: AuthSubject, current: str, new: str) -> TokenPair:
        if subject.user_id is None:
            raise BadRequest("API keys have no password")
        user = await self.db.get_one(User, subject.user_id)
        await self._end_transaction()
        if not await verify_password_async(user.password_hash, current):
            raise BadRequest("current_password is incorrect")
        now = _now()
        user.password_hash = await hash_password_async(new)
        user.tokens_valid_after = now.replace(microsecond=0)
        await self._revoke_families(AuthFamily.user_id == user.id, "password_change")
        family = AuthFamily(user_id=user.id, organization_id=subject.organization_id)
        self.db.add(family)
        await self.db.flush()
        return await self._issue_pair(user.id, family)

    # -- tokens ------------------------------------------------------------------------------

    async def _issue_pair(self, user_id: uuid.UUID, family: AuthFamily) -> TokenPair:
        s = self.settings
        claims = {"fam": str(family.id), "org": str(family.organization_id)}
        access = tokens.issue(
            self.secret, "access", str(user_id), s.access_token_ttl_seconds, **claims
        )
        refresh = tokens.issue(
            self.secret, "refresh", str(user_id), s.refresh_token_ttl_seconds, **claims
        )
        self.db.add(
            RefreshToken(
                id=uuid.UUID(refresh.jti), family_id=family.id, expires_at=refresh.expires_at
            )
        )
        await self.db.flush()
        return TokenPair(access=access.token, refresh=refresh.token)

    async def refresh(self, refresh_token: str) -> TokenPair:
        try:
            claims = tokens.decode(self.secret, "refresh", refresh_token)
            jti = uuid.UUID(claims["jti"])
        except (tokens.TokenError, ValueError) as exc:
            raise Unauthorized(f"Refresh token is invalid or expired ({exc})") from exc
        row = await self.db.execute(
            select(RefreshToken, AuthFamily, User)
            .join(AuthFamily, AuthFamily.id == RefreshToken.family_id)
            .join(User, User.id == AuthFamily.user_id)
            .where(RefreshToken.id == jti)
        )
        found = row.one_or_none()
        if found is None:
            raise Unauthorized("Refresh token is invalid or expired")
        token, family, user = found
        if family.revoked_at is not None or not user.is_active:
            raise Unauthorized("Refresh token has been revoked")
        if claims["iat"] < int(user.tokens_valid_after.timestamp()):
            raise Unauthorized("Refresh token has been revoked")
        # Atomic single use: only one caller can flip used_at from NULL.
        used = await self.db.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None))
            .values(used_at=_now())
        )
        if getattr(used, "rowcount", 0) != 1:
            await self._revoke_families(AuthFamily.id == family.id, "refresh_reuse")
            raise RefreshReuse()
        return await self._issue_pair(user.id, family)

    async def _revoke_families(self, where: object, reason: str) -> None:
        await self.db.execute(
            update(AuthFamily)
            .where(where, AuthFamily.revoked_at.is_(None))  # type: ignore[arg-type]
            .values(revoked_at=_now(), revoked_reason=reason)
        )

    async def logout(self, subject: AuthSubject, refresh_token: str | None) -> None:
        """Revoke the caller's login (and the login a given refresh token belongs to)."""
        if subject.family_id is not None:
            await self._revoke_families(AuthFamily.id == subject.family_id, "logout")
        if refresh_token:
            try:
                claims = tokens.decode(self.secret, "refresh", refresh_token)
            except tokens.TokenError:
                return
            if claims.get("org") == str(subject.organization_id) and claims.get("fam"):
                fam = uuid.UUID(claims["fam"])
                await self._revoke_families(AuthFamily.id == fam, "logout")
        if subject.family_id is None and not refresh_token:
            raise BadRequest("An API key cannot log out; delete the key instead")

    async def subject_from_access(self, token: str) -> AuthSubject:
        try:
            claims = tokens.decode(self.secret, "access", token)
            fam = uuid.UUID(claims["fam"])
        except (tokens.TokenError, KeyError, ValueError) as exc:
            raise Unauthorized(f"Access token is invalid or expired ({exc})") from exc
        row = await self.db.execute(
            select(AuthFamily, User, Membership.role)
            .join(User, User.id == AuthFamily.user_id)
            .join(
                Membership,
                (Membership.user_id == User.id)
                & (Membership.organization_id == AuthFamily.organization_id),
            )
            .where(AuthFamily.id == fam)
        )
        found = row.one_or_none()
        if found is None:
            raise Unauthorized("Access token has been revoked")
        family, user, role = found
        if (
            family.revoked_at is not None
            or not user.is_active
            or claims["iat"] < int(user.tokens_valid_after.timestamp())
        ):
            raise Unauthorized("Access token has been revoked")
        return AuthSubject(
            kind="user",
            organization_id=family.organization_id,
            user_id=user.id,
            family_id=family.id,
            role=role,
        )

    # -- API keys ---------------------------------------------------------------------------

    async def create_api_key(
        self, organization_id: uuid.UUID, created_by: uuid.UUID | None, name: str
    ) -> tuple[ApiKey, str]:
        key = API_KEY_PREFIX + secrets.token_urlsafe(32)
        row = ApiKey(
            organization_id=organization_id,
            created_by_id=created_by,
            name=name,
            prefix=key[:12],
            key_hash=hash_api_key(key),
        )
        self.db.add(row)
        await self.db.flush()
        return row, key

    async def subject_from_api_key(self, key: str) -> AuthSubject:
        row = await self.db.scalar(select(ApiKey).where(ApiKey.key_hash == hash_api_key(key)))
        if row is None or row.revoked_at is not None:
            raise Unauthorized("API key is invalid or has been revoked")
        now = _now()
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            row.last_used_at = now
        return AuthSubject(
            kind="api_key",
            organization_id=row.organization_id,
            api_key_id=row.id,
            role=Role.admin,  # keys are created by owners and admins, and act as admin
        )
