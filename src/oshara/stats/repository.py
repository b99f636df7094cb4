"""Statistics queries, scoped to the caller's organization here and nowhere else."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from oshara.auth.subject import AuthSubject
from oshara.forms.models import FormResponse
from oshara.sessions.models import AgentSession, SessionToolCall, SessionTurn

MAX_LATENCY_SAMPLES = 200_000
"""At most this many turn latencies (the most recent) feed the percentiles."""


class StatsRepository:
    """Raw figures of one organization (optionally one character) since a point in time."""

    def __init__(self, db: AsyncSession, subject: AuthSubject) -> None:
        self.db = db
        self.organization_id = subject.organization_id

    def _sessions(self, character_id: uuid.UUID | None) -> list[ColumnElement[bool]]:
        where = [AgentSession.organization_id == self.organization_id]
        if character_id is not None:
            where.append(AgentSession.character_id == character_id)
        return where

    async def sessions(
        self, character_id: uuid.UUID | None, since: datetime
    ) -> Sequence[tuple[datetime, bool]]:
        """``(created_at, connected)`` of every session started since ``since``."""
        stmt = select(AgentSession.created_at, AgentSession.started_at.is_not(None)).where(
            *self._sessions(character_id), AgentSession.created_at >= since
        )
        return [(row[0], bool(row[1])) for row in (await self.db.execute(stmt)).all()]

    async def turn_latencies(self, character_id: uuid.UUID | None, since: datetime) -> list[float]:
        """Per-turn latencies (ms) recorded since ``since``, most recent first."""
        stmt = (
            select(SessionTurn.latency_ms)
            .join(AgentSession, AgentSession.id == SessionTurn.session_id)
            .where(
                *self._sessions(character_id),
                SessionTurn.started_at >= since,
                SessionTurn.latency_ms.is_not(None),
            )
            .order_by(SessionTurn.started_at.desc())
            .limit(MAX_LATENCY_SAMPLES)
        )
        return [float(v) for v in (await self.db.scalars(stmt)).all() if v is not None]

    async def tool_calls(
        self, character_id: uuid.UUID | None, since: datetime
    ) -> Sequence[tuple[str, str, int]]:
        """``(tool name, status, count)`` of the tool calls since ``since``."""
        stmt = (
            select(SessionToolCall.name, SessionToolCall.status, func.count())
            .join(AgentSession, AgentSession.id == SessionToolCall.session_id)
            .where(*self._sessions(character_id), SessionToolCall.created_at >= since)
            .group_by(SessionToolCall.name, SessionToolCall.status)
        )
        return [(row[0], row[1], int(row[2])) for row in (await self.db.execute(stmt)).all()]

    async def form_submissions(
        self, character_id: uuid.UUID | None, since: datetime
    ) -> Sequence[datetime]:
        """``created_at`` of every stored form response since ``since``."""
        stmt = select(FormResponse.created_at).where(
            FormResponse.organization_id == self.organization_id, FormResponse.created_at >= since
        )
        if character_id is not None:
            stmt = stmt.where(FormResponse.character_id == character_id)
        return list((await self.db.scalars(stmt)).all())
