"""A session's timeline as it is recorded, for ``GET /api/sessions/{id}/events/`` (SSE).

Each open stream polls the database for new items (turns by ``seq``; tool calls and events by
``created_at`` and id) in one short read transaction. It polls every :data:`POLL_SECONDS`
(1 s), and at once when the recorder of this process reports a write (:func:`notify`, a
process-local wake-up): calls run by this process arrive within milliseconds, calls run by
another worker within a second. The database stays the only source of truth, so every API
node serves every session.

Ordering: on connect, the whole timeline so far is sent (``status``, then the items), then new
items as they appear, then ``end`` once the session is ``ended`` or ``failed`` (after a last
read, so nothing recorded before the end is missed). A comment line (``: keep-alive``) is sent
after :data:`KEEPALIVE_SECONDS` without data, so proxies keep the connection open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oshara.sessions.models import (
    LIVE_STATUSES,
    AgentSession,
    SessionEvent,
    SessionToolCall,
    SessionTurn,
)
from oshara.sessions.schemas import EventOut, ToolCallOut, TurnOut

__all__ = ["KEEPALIVE_SECONDS", "POLL_SECONDS", "notify", "session_stream", "sse"]

POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0

_Waiter = tuple[asyncio.AbstractEventLoop, asyncio.Event]
_waiters: dict[str, set[_Waiter]] = {}


def notify(session_id: str) -> None:
    """Wake this process's streams of ``session_id`` (the recorder calls it after a write).

    Safe from any thread: a stream served by another event loop is woken through its loop."""
    try:
        current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        current = None
    for loop, event in list(_waiters.get(session_id, ())):
        if loop is current:
            event.set()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(event.set)


def sse(event: str, data: Any) -> bytes:
    """One Server-Sent Event: ``event: <name>`` and its JSON ``data``."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return f"event: {event}\ndata: {body}\n\n".encode()


LOOKBACK = timedelta(seconds=10)
"""Tool calls and events are re-read this far behind the newest one sent (and deduplicated
by id): one recorded a moment earlier may commit after a later one."""


class _Seen:
    """Ids already sent of one table ordered by ``created_at``, within :data:`LOOKBACK`."""

    def __init__(self) -> None:
        self.ids: dict[uuid.UUID, datetime] = {}
        self.newest: datetime | None = None

    def since(self) -> datetime | None:
        return None if self.newest is None else self.newest - LOOKBACK

    def add(self, item_id: uuid.UUID, at: datetime) -> bool:
        """Record ``item_id``; ``False`` when it was sent already."""
        if item_id in self.ids:
            return False
        self.ids[item_id] = at
        if self.newest is None or at > self.newest:
            self.newest = at
        return True

    def prune(self) -> None:
        floor = self.since()
        if floor is not None:
            self.ids = {k: v for k, v in self.ids.items() if v >= floor}


class _Cursor:
    """What a stream has already sent."""

    def __init__(self) -> None:
        self.seq = 0
        self.calls = _Seen()
        self.events = _Seen()
        self.status: tuple[str, str | None, str | None] | None = None


def _status(row: AgentSession) -> dict[str, Any]:
    return {
        "status": row.status,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "end_reason": row.end_reason,
    }


def _status_at(row: AgentSession) -> datetime:
    if row.status not in LIVE_STATUSES and row.ended_at is not None:
        return row.ended_at
    return row.started_at or row.created_at


async def _read(db: AsyncSession, session_id: str, cursor: _Cursor) -> tuple[list[bytes], bool]:
    """New items since ``cursor`` (advanced), in timeline order, and whether the session is
    over (then ``end`` comes last)."""
    found: list[tuple[datetime, bytes]] = []
    row = await db.get(AgentSession, session_id, populate_existing=True)
    if row is None:  # deleted with its character
        return [sse("end", {"status": "deleted", "end_reason": "deleted"})], True
    state = (row.status, row.end_reason, row.started_at.isoformat() if row.started_at else None)
    head: list[bytes] = []
    if cursor.status is None:  # on connect: the current state first, then the items so far
        head.append(sse("status", _status(row)))
    elif state != cursor.status:  # later: in timeline order among the new items
        found.append((_status_at(row), sse("status", _status(row))))
    cursor.status = state
    turns = await db.scalars(
        select(SessionTurn)
        .where(SessionTurn.session_id == session_id, SessionTurn.seq > cursor.seq)
        .order_by(SessionTurn.seq)
    )
    for turn in turns:
        cursor.seq = turn.seq
        data = TurnOut.model_validate(turn).model_dump(mode="json")
        found.append((turn.ended_at or turn.started_at, sse("turn", data)))
    call_stmt = select(SessionToolCall).where(SessionToolCall.session_id == session_id)
    if (since := cursor.calls.since()) is not None:
        call_stmt = call_stmt.where(SessionToolCall.created_at >= since)
    calls = await db.scalars(call_stmt.order_by(SessionToolCall.created_at, SessionToolCall.id))
    for call in calls:
        if cursor.calls.add(call.id, call.created_at):
            data = ToolCallOut.model_validate(call).model_dump(mode="json")
            found.append((call.created_at, sse("tool_call", data)))
    cursor.calls.prune()
    event_stmt = select(SessionEvent).where(SessionEvent.session_id == session_id)
    if (since := cursor.events.since()) is not None:
        event_stmt = event_stmt.where(SessionEvent.created_at >= since)
    for item in await db.scalars(event_stmt.order_by(SessionEvent.created_at, SessionEvent.id)):
        if cursor.events.add(item.id, item.created_at):
            data = EventOut.model_validate(item).model_dump(mode="json")
            found.append((item.created_at, sse("event", data)))
    cursor.events.prune()
    found.sort(key=lambda pair: pair[0])  # stable: the order above breaks ties
    out = head + [chunk for _, chunk in found]
    over = row.status not in LIVE_STATUSES
    if over:
        out.append(sse("end", {"status": row.status, "end_reason": row.end_reason}))
    return out, over


async def session_stream(
    maker: async_sessionmaker[AsyncSession],
    session_id: str,
    *,
    disconnected: Callable[[], Awaitable[bool]],
    max_seconds: float,
    poll_seconds: float = POLL_SECONDS,
    keepalive_seconds: float = KEEPALIVE_SECONDS,
) -> AsyncIterator[bytes]:
    """The SSE byte stream of one session (see the module docstring). Ends after ``end``,
    after ``max_seconds``, or when ``disconnected()`` says the client has gone."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds
    wake = asyncio.Event()
    waiter = (loop, wake)
    _waiters.setdefault(session_id, set()).add(waiter)
    cursor = _Cursor()
    last_sent = loop.time()
    try:
        yield b"retry: 2000\n\n"
        while True:
            wake.clear()
            async with maker() as db, db.begin():
                chunks, over = await _read(db, session_id, cursor)
            for chunk in chunks:
                yield chunk
            if chunks:
                last_sent = loop.time()
            if over:
                return
            now = loop.time()
            if now >= deadline or await disconnected():
                return
            if now - last_sent >= keepalive_seconds:
                yield b": keep-alive\n\n"
                last_sent = now
            wait = min(poll_seconds, deadline - now, keepalive_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), max(wait, 0.0))
    finally:
        waiters = _waiters.get(session_id)
        if waiters is not None:
            waiters.discard(waiter)
            if not waiters:
                _waiters.pop(session_id, None)
