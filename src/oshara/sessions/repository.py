"""Session queries, always scoped to the caller's organization."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, func, or_, select
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
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Sequence[tuple[AgentSession, str]]:
        stmt = self.readable(subject)
        if agent:
            stmt = stmt.where(Character.slug == agent)
        if status:
            stmt = stmt.where(AgentSession.status == status)
        if since is not None:
            stmt = stmt.where(AgentSession.created_at >= since)
        if until is not None:
            stmt = stmt.where(AgentSession.created_at < until)
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

    async def get_in_organization(
        self, organization_id: str, session_id: str
    ) -> tuple[AgentSession, str] | None:
        """The session if it belongs to ``organization_id`` (from a verified ticket)."""
        try:
            org = uuid.UUID(organization_id)
        except ValueError:
            return None
        row = (
            await self.db.execute(
                select(AgentSession, Character.slug)
                .join(Character, Character.id == AgentSession.character_id)
                .where(AgentSession.organization_id == org, AgentSession.id == session_id)
            )
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

    @staticmethod
    def _holding(now: datetime, connect_by: datetime, alive_since: datetime) -> ColumnElement[bool]:
        """Sessions holding a concurrency slot: running or connecting (token used, not yet
        active) since ``alive_since``, or created within the connect grace (``connect_by``)
        with a valid token. A row still ``active`` from before ``alive_since`` has outlived
        the longest call the character allows: the process that ran it died without
        recording its end, and it must not hold a slot forever."""
        created = AgentSession.status == SessionStatus.created
        connected_at = func.coalesce(AgentSession.started_at, AgentSession.token_used_at)
        return or_(
            (AgentSession.status == SessionStatus.active) & (connected_at > alive_since),
            created & AgentSession.token_used_at.is_not(None) & (connected_at > alive_since),
            created
            & AgentSession.token_used_at.is_(None)
            & (AgentSession.created_at > connect_by)
            & (AgentSession.expires_at > now),
        )

    def _slots(
        self,
        character_id: uuid.UUID,
        now: datetime,
        connect_by: datetime,
        alive_since: datetime,
        client_addr: str | None,
        exclude: str | None,
    ) -> list[ColumnElement[bool]]:
        where = [
            AgentSession.character_id == character_id,
            self._holding(now, connect_by, alive_since),
        ]
        if client_addr is not None:  # that address's anonymous share
            where.append(AgentSession.client_addr == client_addr)
            where.append(AgentSession.authenticated.is_(False))
        if exclude is not None:
            where.append(AgentSession.id != exclude)
        return where

    async def live_count(
        self,
        character_id: uuid.UUID,
        now: datetime,
        connect_by: datetime,
        alive_since: datetime,
        *,
        client_addr: str | None = None,
        exclude: str | None = None,
    ) -> int:
        """How many slots the character's sessions hold (with ``client_addr``: how many its
        anonymous sessions from that address hold); ``exclude`` leaves one session out."""
        stmt = select(func.count()).where(
            *self._slots(character_id, now, connect_by, alive_since, client_addr, exclude)
        )
        return int(await self.db.scalar(stmt) or 0)

    async def next_slot_free(
        self,
        character_id: uuid.UUID,
        now: datetime,
        connect_by: datetime,
        alive_since: datetime,
        grace: timedelta,
        *,
        client_addr: str | None = None,
    ) -> datetime | None:
        """When the first unconnected holder stops holding its slot (its connect grace or its
        token runs out); ``None`` when every holder is connected."""
        rows = await self.db.execute(
            select(AgentSession.created_at, AgentSession.expires_at).where(
                *self._slots(character_id, now, connect_by, alive_since, client_addr, None),
                AgentSession.token_used_at.is_(None),
            )
        )
        ends = [min(created + grace, expires) for created, expires in rows.all()]
        return min(ends, default=None)

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
