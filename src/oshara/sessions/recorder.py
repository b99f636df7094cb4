"""The database-backed :class:`~oshara.voice.spec.SessionRecorder`.

Each report is its own short transaction, so the timeline is on disk as the call happens
(a crash loses at most the turn in progress) and no transaction stays open during a call.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oshara.sessions.live_events import notify
from oshara.sessions.models import (
    LIVE_STATUSES,
    AgentSession,
    SessionEvent,
    SessionStatus,
    SessionToolCall,
    SessionTurn,
)


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class DbSessionRecorder:
    def __init__(self, maker: async_sessionmaker[AsyncSession], session_id: str) -> None:
        self.maker = maker
        self.session_id = session_id
        self._seq: int | None = None

    async def mark_active(self) -> None:
        async with self.maker.begin() as db:
            await db.execute(
                update(AgentSession)
                .where(
                    AgentSession.id == self.session_id, AgentSession.status == SessionStatus.created
                )
                .values(status=SessionStatus.active, started_at=datetime.now(UTC))
            )
        notify(self.session_id)

    async def _next_seq(self, db: AsyncSession) -> int:
        if self._seq is None:
            current = await db.scalar(
                select(func.max(SessionTurn.seq)).where(SessionTurn.session_id == self.session_id)
            )
            self._seq = int(current or 0)
        self._seq += 1
        return self._seq

    async def add_turn(
        self,
        role: str,
        text: str,
        started_at: float,
        ended_at: float,
        interrupted: bool = False,
        latency_ms: float | None = None,
    ) -> None:
        async with self.maker.begin() as db:
            db.add(
                SessionTurn(
                    session_id=self.session_id,
                    seq=await self._next_seq(db),
                    role=role,
                    text=text,
                    started_at=_at(started_at),
                    ended_at=_at(ended_at),
                    interrupted=interrupted,
                    latency_ms=latency_ms,
                )
            )
        notify(self.session_id)

    async def add_tool_call(
        self,
        name: str,
        arguments: dict[str, Any],
        status: str,
        duration_ms: float,
        result: Any = None,
        error: str | None = None,
    ) -> None:
        async with self.maker.begin() as db:
            db.add(
                SessionToolCall(
                    session_id=self.session_id,
                    name=name,
                    arguments=arguments,
                    status=status,
                    duration_ms=duration_ms,
                    result=result,
                    error=error,
                )
            )
        notify(self.session_id)

    async def add_event(self, kind: str, data: dict[str, Any]) -> None:
        async with self.maker.begin() as db:
            db.add(SessionEvent(session_id=self.session_id, kind=kind, data=data))
        notify(self.session_id)

    async def set_metrics(self, metrics: dict[str, Any]) -> None:
        async with self.maker.begin() as db:
            await db.execute(
                update(AgentSession)
                .where(AgentSession.id == self.session_id)
                .values(metrics=metrics)
            )

    async def end(self, reason: str, status: str = "ended") -> None:
        async with self.maker.begin() as db:
            await db.execute(
                update(AgentSession)
                .where(AgentSession.id == self.session_id, AgentSession.status.in_(LIVE_STATUSES))
                .values(status=status, ended_at=datetime.now(UTC), end_reason=reason[:60])
            )
        notify(self.session_id)
