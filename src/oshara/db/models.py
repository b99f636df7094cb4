"""Imports every model so ``Base.metadata`` is complete (Alembic and tests use this)."""

from oshara.auth.models import ApiKey, AuthFamily, RefreshToken
from oshara.characters.models import Character
from oshara.db.base import Base
from oshara.forms.models import FormResponse
from oshara.knowledge.models import KnowledgeChunk, KnowledgeDocument
from oshara.orgs.models import Invitation, Membership, Organization, User
from oshara.sessions.models import AgentSession, SessionEvent, SessionToolCall, SessionTurn

__all__ = [
    "AgentSession",
    "ApiKey",
    "AuthFamily",
    "Base",
    "Character",
    "FormResponse",
    "Invitation",
    "KnowledgeChunk",
    "KnowledgeDocument",
    "Membership",
    "Organization",
    "RefreshToken",
    "SessionEvent",
    "SessionToolCall",
    "SessionTurn",
    "User",
]
