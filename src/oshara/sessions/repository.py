"""Session queries, always scoped to the caller's organization."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from oshara.auth.subject import AuthSubject
from oshara.characters.models import Character
from oshara.sessions.models import (
    AgentSession,
    SessionEvent,
    SessionStatus,
    SessionToolCall,
    SessionTurn,
)


class SessionRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    def readable(self, subject: AuthSubject) -> Select[AgentSession, str]:
        return (
            select(AgentSession, Character.slug)
            .join(Character, Character.id == AgentSession.character_id)
            .where(AgentSession.organization_id == subject.organization_id)
        )

    async def list_page(
        self,
        subject: AuthSubject,
        *,
        agent: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[tuple[AgentSession, str]]:
        stmt = self.readable(subject)
        if agent:
            stmt = stmt.where(Character.slug == agent)
        if status:
            stmt = stmt.where(AgentSession.status == status)
        stmt = (
            stmt.order_by(AgentSession.created_at.desc(), AgentSession.id)
            .limit(limit)
            .offset(offset)
        )
        return [(row[0], row[1]) for row in (await self.db.execute(stmt)).all()]

    async def get(self, subject: AuthSubject, session_id: str) -> tuple[AgentSession, str] | None:
        row = (
            await self.db.execute(self.readable(subject).where(AgentSession.id == session_id))
        ).one_or_none()
        return (row[0], row[1]) if row else None

    async def timeline(
        self, session_id: str
    ) -> tuple[Sequence[SessionTurn], Sequence[SessionToolCall], Sequence[SessionEvent]]:
        turns = (
            await self.db.scalars(
                select(SessionTurn)
                .where(SessionTurn.session_id == session_id)
                .order_by(SessionTurn.seq)
            )
        ).all()
        calls = (
            await self.db.scalars(
                select(SessionToolCall)
                .where(SessionToolCall.session_id == session_id)
                .order_by(SessionToolCall.created_at, SessionToolCall.id)
            )
        ).all()
        events = (
            await self.db.scalars(
                select(SessionEvent)
                .where(SessionEvent.session_id == session_id)
                .order_by(SessionEvent.created_at, SessionEvent.id)
            )
        ).all()
        return turns, calls, events

    async def live_count(self, character_id: uuid.UUID, now: datetime) -> int:
        """Sessions holding a concurrency slot: running, or created with a still-valid token."""
        stmt = select(func.count()).where(
            AgentSession.character_id == character_id,
            or_(
                AgentSession.status == SessionStatus.active,
                (AgentSession.status == SessionStatus.created) & (AgentSession.expires_at > now),
            ),
        )
        return int(await self.db.scalar(stmt) or 0)

    async def oldest_live_expiry(self, character_id: uuid.UUID, now: datetime) -> datetime | None:
        return await self.db.scalar(
            select(func.min(AgentSession.expires_at)).where(
                AgentSession.character_id == character_id,
                AgentSession.status == SessionStatus.created,
                AgentSession.expires_at > now,
            )
        )

    async def created_since(self, character_id: uuid.UUID, since: datetime) -> list[datetime]:
        rows = await self.db.scalars(
            select(AgentSession.created_at)
            .where(AgentSession.character_id == character_id, AgentSession.created_at > since)
            .order_by(AgentSession.created_at)
        )
        return list(rows)

    async def belongs_to_character(self, session_id: str, character_id: uuid.UUID) -> bool:
        found = await self.db.scalar(
            select(AgentSession.id).where(
                AgentSession.id == session_id, AgentSession.character_id == character_id
            )
        )
        return found is not None
