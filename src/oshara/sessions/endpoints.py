"""``POST /api/agents/agent-session/`` (public) and the owner's session timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from oshara.characters.access import public_character, request_origin
from oshara.clientaddr import client_address
from oshara.db.engine import DB
from oshara.deps import CurrentSubject, OptionalSubject, SettingsDep
from oshara.errors import (
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
    error_responses,
)
from oshara.sessions.agent_runtime import ServerBusy
from oshara.sessions.models import AgentSession, SessionStatus
from oshara.sessions.repository import SessionRepository
from oshara.sessions.schemas import (
    AgentSessionIn,
    AgentSessionOut,
    EventOut,
    SessionDetail,
    SessionSummary,
    ToolCallOut,
    TurnOut,
)
from oshara.sessions.service import admit_session

public_router = APIRouter(prefix="/api/agents", tags=["agents"])
router = APIRouter(prefix="/api/sessions", tags=["sessions"])


@public_router.post(
    "/agent-session/",
    response_model=AgentSessionOut,
    responses=error_responses(
        ValidationFailed, Unauthorized, Forbidden, NotFound, TooManyRequests, ServerBusy
    ),
)
async def start_agent_session(
    body: AgentSessionIn,
    request: Request,
    db: DB,
    settings: SettingsDep,
    subject: OptionalSubject,
) -> AgentSessionOut:
    """Start a session with a character; returns the token the browser connects with.

    Public: allowed when the request's ``Origin`` is in the character's ``allowed_origins``,
    or when it carries the owner's JWT or API key. Anonymous starts from one client address
    hold at most half the character's concurrent sessions; a server running as many sessions
    as it can answers 503.
    """
    character = await public_character(db, body.agent, request, settings, subject)
    runtime = getattr(request.app.state, "voice", None)
    if runtime is not None:
        runtime.check_room()  # nothing is written for a start this server could not run
    base_url = settings.public_url or str(request.base_url)
    return await admit_session(
        db,
        settings,
        character,
        body,
        origin=request_origin(request),
        base_url=base_url,
        client_addr=client_address(request, settings),
        authenticated=subject is not None and subject.organization_id == character.organization_id,
    )


def _summary(row: AgentSession, slug: str) -> dict[str, object]:
    return {
        "id": row.id,
        "agent": slug,
        "language": row.language,
        "metadata": row.metadata_,
        "origin": row.origin,
        "transport": row.transport,
        "mode": row.mode,
        "status": row.status,
        "created_at": row.created_at,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "end_reason": row.end_reason,
    }


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@router.get(
    "/",
    response_model=list[SessionSummary],
    responses=error_responses(ValidationFailed, Unauthorized),
)
async def list_sessions(
    subject: CurrentSubject,
    db: DB,
    agent: Annotated[str | None, Query(max_length=63)] = None,
    status: Annotated[SessionStatus | None, Query()] = None,
    since: Annotated[
        datetime | None,
        Query(description="Started (created) at or after this time (ISO 8601; no zone = UTC)"),
    ] = None,
    until: Annotated[
        datetime | None,
        Query(description="Started (created) before this time (ISO 8601; no zone = UTC)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> list[SessionSummary]:
    """Your organization's sessions, newest first."""
    rows = await SessionRepository(db).list_page(
        subject,
        agent=agent,
        status=status,
        since=_utc(since),
        until=_utc(until),
        limit=limit,
        offset=offset,
    )
    return [SessionSummary.model_validate(_summary(s, slug)) for s, slug in rows]


@router.get(
    "/{session_id}/",
    response_model=SessionDetail,
    responses=error_responses(Unauthorized, NotFound),
)
async def get_session(session_id: str, subject: CurrentSubject, db: DB) -> SessionDetail:
    """One session with its transcript, tool calls, events and latency metrics."""
    repo = SessionRepository(db)
    found = await repo.get(subject, session_id)
    if found is None:
        raise NotFound(f"Session {session_id!r} not found")
    row, slug = found
    turns, calls, events = await repo.timeline(row.id)
    return SessionDetail.model_validate(
        {
            **_summary(row, slug),
            "transcript": [TurnOut.model_validate(t) for t in turns],
            "tool_calls": [ToolCallOut.model_validate(c) for c in calls],
            "events": [EventOut.model_validate(e) for e in events],
            "metrics": row.metrics or {},
        }
    )
