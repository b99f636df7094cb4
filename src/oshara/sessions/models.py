"""Voice/text sessions and their timeline: turns, tool calls and events."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from oshara.db.base import Base, JSONType, utcnow


class SessionStatus(StrEnum):
    created = "created"
    active = "active"
    ended = "ended"
    failed = "failed"


LIVE_STATUSES = (SessionStatus.created, SessionStatus.active)


class AgentSession(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_character_id_created_at", "character_id", "created_at"),
        Index("ix_sessions_organization_id_created_at", "organization_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    character_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("characters.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType(), default=dict)
    origin: Mapped[str | None] = mapped_column(String(300), default=None)
    client_addr: Mapped[str | None] = mapped_column(String(64), default=None)
    """The starting request's client address (``oshara.clientaddr``)."""
    authenticated: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Started with the owner's JWT or API key (not counted in an address's anonymous share)."""
    transport: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10), default="voice")
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.created, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    """When the session token expires if the session has not started by then."""
    token_used_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[str | None] = mapped_column(String(60), default=None)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)


class SessionTurn(Base):
    __tablename__ = "session_turns"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int]
    role: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    interrupted: Mapped[bool] = mapped_column(default=False)
    latency_ms: Mapped[float | None] = mapped_column(default=None)


class SessionToolCall(Base):
    __tablename__ = "session_tool_calls"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(128))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    status: Mapped[str] = mapped_column(String(20))
    duration_ms: Mapped[float | None] = mapped_column(default=None)
    result: Mapped[Any] = mapped_column(JSONType(), default=None, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionEvent(Base):
    """Anything else on the timeline: forms shown/submitted, errors, lifecycle."""

    __tablename__ = "session_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
