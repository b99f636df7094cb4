"""Who is calling: a user (JWT) or an API key, always bound to one organization."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class AuthSubject:
    """The authenticated caller. Every tenant query is scoped by ``organization_id``."""

    kind: Literal["user", "api_key"]
    organization_id: uuid.UUID
    user_id: uuid.UUID | None = None
    family_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    role: str = "owner"
