"""``GET /api/sessions/{id}/events/`` (Server-Sent Events) and its ticket.

Browsers' ``EventSource`` cannot send an ``Authorization`` header, and a long-lived access
token must never be put in a URL (it would end up in logs and history). So the dashboard
first asks ``POST /api/sessions/{id}/events/ticket/`` (with its JWT) for a **ticket**: a JWT of
its own type (``events``, signed with its own derived key, so it can never pass as an access
token), bound to that one session and organization, valid :data:`TICKET_TTL_SECONDS`. It
may be reused within that minute (``EventSource`` reconnects by itself). Server-side callers
may send their JWT or API key in the header instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from oshara.auth import tokens
from oshara.db.engine import DB
from oshara.deps import CurrentSubject, OptionalSubject, SettingsDep
from oshara.errors import NotFound, Unauthorized, ValidationFailed, error_responses
from oshara.http import lenient_json, parse_model
from oshara.sessions.live_events import session_stream
from oshara.sessions.repository import SessionRepository

router = APIRouter(prefix="/api/sessions", tags=["sessions"])

TICKET_TTL_SECONDS = 60


class EventsTicket(BaseModel):
    """A ticket for one session's event stream."""

    ticket: str
    expires_at: datetime
    url: str = Field(description="The stream's path with the ticket, for EventSource")


class EventsTicketIn(BaseModel):
    """No fields: send no body, or ``{}``."""

    model_config = ConfigDict(extra="forbid")


@router.post(
    "/{session_id}/events/ticket/",
    response_model=EventsTicket,
    responses=error_responses(ValidationFailed, Unauthorized, NotFound),
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": EventsTicketIn.model_json_schema()}},
        }
    },
)
async def events_ticket(
    session_id: str,
    request: Request,
    subject: CurrentSubject,
    db: DB,
    settings: SettingsDep,
) -> EventsTicket:
    """A short-lived ticket to open the session's event stream from a browser
    (``new EventSource(url)``). Valid for 60 seconds, for this session only. No body."""
    if await request.body():
        parse_model(EventsTicketIn, await lenient_json(request))
    if await SessionRepository(db).get(subject, session_id) is None:
        raise NotFound(f"Session {session_id!r} not found")
    issued = tokens.issue(
        settings.ensure_secret(),
        "events",
        session_id,
        TICKET_TTL_SECONDS,
        org=str(subject.organization_id),
    )
    return EventsTicket(
        ticket=issued.token,
        expires_at=issued.expires_at,
        url=f"/api/sessions/{session_id}/events/?ticket={issued.token}",
    )


@router.get(
    "/{session_id}/events/",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "text/event-stream: events status, turn, tool_call, event, end",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **error_responses(ValidationFailed, Unauthorized, NotFound),
    },
)
async def session_events(
    session_id: str,
    request: Request,
    db: DB,
    settings: SettingsDep,
    subject: OptionalSubject,
    ticket: Annotated[
        str | None,
        Query(max_length=4096, description="From POST …/events/ticket/ (instead of a header)"),
    ] = None,
    max_seconds: Annotated[
        int, Query(ge=1, le=3600, description="Close the stream after this long")
    ] = 1800,
) -> StreamingResponse:
    """The session's timeline as Server-Sent Events, as it is recorded.

    Authenticate with ``Authorization: Bearer <JWT or API key>`` or ``?ticket=``. On connect:
    ``status`` (``{status, started_at, ended_at, end_reason}``) and every item so far; then
    ``turn`` / ``tool_call`` / ``event`` items (the shapes of ``GET /api/sessions/{id}/``) and
    ``status`` changes as they happen; ``end`` (``{status, end_reason}``) when the session is
    over, and the stream closes. ``: keep-alive`` comments every 15 s.
    """
    repo = SessionRepository(db)
    if subject is not None:
        found = await repo.get(subject, session_id)
    elif ticket is not None:
        try:
            claims = tokens.decode(settings.ensure_secret(), "events", ticket)
        except tokens.TokenError as exc:
            raise Unauthorized(f"Event-stream ticket is invalid or expired ({exc})") from exc
        if claims.get("sub") != session_id:
            raise Unauthorized("This ticket is for another session")
        found = await repo.get_in_organization(str(claims.get("org")), session_id)
    else:
        raise Unauthorized(
            "Send Authorization: Bearer <token>, or ?ticket= from "
            f"POST /api/sessions/{session_id}/events/ticket/"
        )
    if found is None:
        raise NotFound(f"Session {session_id!r} not found")
    stream = session_stream(
        request.app.state.sessionmaker,
        session_id,
        disconnected=request.is_disconnected,
        max_seconds=float(max_seconds),
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
