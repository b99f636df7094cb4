"""Who is calling: a user (JWT) or an API key, always bound to one organization."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from oshara.orgs.models import Role


@dataclass(frozen=True)
class AuthSubject:
    """The authenticated caller. Every tenant query is scoped by ``organization_id``.

    ``role`` is the caller's role in that organization (an API key acts as ``admin``).
    Role checks are made by :class:`oshara.deps.RequireRole`, not in route bodies.
    """

    kind: Literal["user", "api_key"]
    organization_id: uuid.UUID
    user_id: uuid.UUID | None = None
    family_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    role: str = Role.owner

    def has_role(self, role: Role) -> bool:
        """Whether the caller's role is ``role`` or a higher one."""
        try:
            return Role(self.role).at_least(role)
        except ValueError:  # an unknown stored role grants nothing
            return False

    @property
    def sees_owner_data(self) -> bool:
        """Admins and owners see system prompts and tool configurations; members do not."""
        return self.has_role(Role.admin)
