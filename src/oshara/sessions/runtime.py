"""Glue between the platform and the voice runtime: session tokens, specs, the live routes.

Routes here are called by the visitor's browser with the session token from
``POST /api/agents/agent-session/``:

* ``POST /api/sessions/{id}/webrtc/`` — SDP offer → answer (the token is single-use: the
  first offer consumes it); ``PATCH`` — trickle ICE for that call.
* ``POST /api/sessions/{id}/messages/`` — text mode: ``{text}`` → ``{reply, tool_calls,
  ended, forms?, greeting?}``; each tool call is ``{name, arguments, status, duration_ms}``
  (:func:`public_turn`: results and errors stay in the owner's tool-call log). The outcome
  of a form the agent showed comes back as ``{form_result: {form_id, status, values?,
  response_id?, error?}}`` and is answered the same way (the agent is told it).

The token is checked and the session row validated before any media or model is touched.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, NotRequired

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typing_extensions import TypedDict

from oshara.auth import tokens
from oshara.characters.models import Character
from oshara.characters.tools import unseal_tools
from oshara.characters.webhooks import unseal_webhook_secret
from oshara.config import Settings
from oshara.crypto import SecretBox
from oshara.db.engine import DB
from oshara.deps import SettingsDep, bearer_token
from oshara.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    OsharaError,
    TooManyRequests,
    Unauthorized,
    error_responses,
)
from oshara.forms.public import PublicFormDefinition
from oshara.http import lenient_json, openapi_body, parse_model
from oshara.ratelimit import Limiter
from oshara.schemadoc import DocumentedAs
from oshara.sessions.models import LIVE_STATUSES, AgentSession, SessionStatus
from oshara.sessions.recorder import DbSessionRecorder
from oshara.sessions.service import readmit_on_connect

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/sessions", tags=["live"])


class ServiceUnavailable(OsharaError):
    status_code = 503


class OfferIn(BaseModel):
    """What ``@pipecat-ai/small-webrtc-transport`` posts (checked in depth by the runtime)."""

    sdp: str = Field(min_length=3, max_length=65_536)
    type: Literal["offer"]
    pc_id: str | None = Field(default=None, max_length=200)
    restart_pc: bool | None = None


class IcePatchIn(BaseModel):
    pc_id: str = Field(min_length=1, max_length=200)
    candidates: list[dict[str, Any]] = Field(max_length=64)


FormValue = Annotated[str, Field(max_length=10_000)] | bool | int | float


class FormResultIn(BaseModel):
    """What became of a form the agent showed (text mode): the widget's ``show_form`` outcome."""

    model_config = ConfigDict(extra="forbid")
    form_id: str = Field(min_length=1, max_length=100)
    status: Literal["submitted", "cancelled"]
    values: dict[str, FormValue] | None = Field(default=None, max_length=200)
    response_id: str | None = Field(default=None, max_length=100)
    error: str | None = Field(default=None, max_length=500)


class MessageIn(BaseModel):
    """``{text}`` (the visitor's message) or ``{form_result}`` (a form's outcome), not both."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    text: str | None = Field(default=None, min_length=1, max_length=4000)
    form_result: FormResultIn | None = None

    @model_validator(mode="after")
    def _one_of(self) -> MessageIn:
        if (self.text is None) == (self.form_result is None):
            raise ValueError("send either text or form_result")
        return self


def _inlined_body(model: type[BaseModel]) -> dict[str, Any]:
    """:func:`openapi_body` with nested models inlined (their ``$defs`` are not components)."""
    extra = openapi_body(model)
    schema = extra["requestBody"]["content"]["application/json"]["schema"]
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    extra["requestBody"]["content"]["application/json"]["schema"] = inline(schema)
    return extra


def verify_session_token(
    settings: Settings, request: Request, session_id: str, *, allow_expired: bool
) -> dict[str, Any]:
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("Send the session token as 'Authorization: Bearer <token>'")
    try:
        claims = tokens.decode(
            settings.ensure_secret(), "session", token, verify_exp=not allow_expired
        )
    except tokens.TokenError as exc:
        raise Unauthorized(f"Session token is invalid or expired ({exc})") from exc
    if claims.get("sub") != session_id:
        raise Forbidden("This session token belongs to another session")
    return claims


async def load_live_session(db: AsyncSession, session_id: str) -> tuple[AgentSession, Character]:
    row = (
        await db.execute(
            select(AgentSession, Character)
            .join(Character, Character.id == AgentSession.character_id)
            .where(AgentSession.id == session_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"Session {session_id!r} not found")
    session, character = row
    if session.status not in LIVE_STATUSES:
        raise Conflict(f"Session {session_id!r} has ended ({session.end_reason or session.status})")
    return session, character


async def consume_token(
    db: AsyncSession, session: AgentSession, settings: Settings, runtime: Any
) -> None:
    """Spend the session token as the client connects, then commit: a second use is refused
    (tokens are single-use); a session past its connect grace takes a concurrency slot again
    (429 when none is free); a full server answers 503 before the token is spent."""
    runtime.check_room()
    await readmit_on_connect(db, settings, session)
    await db.commit()  # the token is spent even if starting fails below


async def fail_unstarted(
    request: Request, runtime: Any, session_id: str, exc: BaseException
) -> None:
    """A connect that spent the token but started nothing: the row ends ``failed`` with a
    reason (``server_busy`` or ``error``) instead of holding a slot as "connecting"."""
    if runtime.is_live(session_id):
        return
    from oshara.sessions.agent_runtime import ServerBusy

    reason = "server_busy" if isinstance(exc, ServerBusy) else "error"
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker.begin() as db:
        await db.execute(
            update(AgentSession)
            .where(AgentSession.id == session_id, AgentSession.status.in_(LIVE_STATUSES))
            .values(status=SessionStatus.failed, ended_at=datetime.now(UTC), end_reason=reason)
        )


def build_spec(session: AgentSession, character: Character, settings: Settings) -> Any:
    """The runtime's view of a session (tool headers and the webhook signing secret
    decrypted — never log or return it)."""
    from oshara.voice.spec import SessionSpec

    appearance = character.widget_appearance or {}
    box = SecretBox(settings.ensure_secret())
    return SessionSpec(
        session_id=session.id,
        character_slug=character.slug,
        character_name=appearance.get("name") or character.name,
        system_prompt=character.system_prompt,
        greeting=character.greeting,
        language=session.language,
        llm_model=character.llm_model,
        stt_model=character.stt_model,
        tts_model=character.tts_model,
        voice=character.voice,
        tools=unseal_tools(character.tools or [], box),
        forms=list(appearance.get("forms") or []),
        builtins=dict(character.builtins or {}),
        limits=dict(character.limits or {}),
        metadata=dict(session.metadata_ or {}),
        # Started with the owner's JWT / API key: its metadata is the owner's, not a visitor's.
        metadata_trusted=session.authenticated,
        mode="text" if session.mode == "text" else "voice",
        webhook_secret=unseal_webhook_secret(character, box),
    )


def tool_deps(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession] | None) -> Any:
    """The agent tools' dependencies: the one egress client (``OSHARA_EGRESS_ALLOW``) and the
    knowledge search of the session's character (``None`` without a database)."""
    from oshara.egress import EgressClient
    from oshara.voice.tools import ToolDeps

    search = kb_search_for(sessionmaker) if sessionmaker is not None else None
    return ToolDeps(egress=EgressClient(settings.egress_allow), kb_search=search)


def kb_search_for(sessionmaker: async_sessionmaker[AsyncSession]) -> Any:
    """``kb`` tools search the knowledge base of the session's own character."""

    async def search(spec: Any, query: str, top_k: int) -> list[dict[str, Any]]:
        from oshara.knowledge.search import kb_search

        async with sessionmaker() as db:
            character_id = await db.scalar(
                select(AgentSession.character_id).where(AgentSession.id == spec.session_id)
            )
            if character_id is None:
                return []
            return await kb_search(db, character_id, query, top_k)

    return search


PUBLIC_TOOL_CALL_FIELDS = ("name", "arguments", "status", "duration_ms")


class PublicToolCall(TypedDict):
    """A tool the agent called during a text turn, as the visitor sees it (no result)."""

    name: str
    arguments: dict[str, Any]
    status: NotRequired[str]
    duration_ms: NotRequired[float]


class OfferedFormOut(TypedDict):
    """A form the agent showed (``show_form``) during a text turn."""

    form_id: str
    prefill: NotRequired[dict[str, Any]]
    form: PublicFormDefinition


class TextTurnOut(TypedDict):
    """Answer of ``POST /api/sessions/{id}/messages/`` (documented; sent as a plain dict)."""

    reply: str
    tool_calls: list[PublicToolCall]
    ended: bool
    forms: NotRequired[list[OfferedFormOut]]
    greeting: NotRequired[str]


def public_turn(out: dict[str, Any]) -> dict[str, Any]:
    """A text turn as the visitor may see it.

    A tool's result (or error body) can hold the owner's data, never meant for the visitor's
    browser, so each call keeps only its name, the arguments the agent sent (made from the
    visitor's own conversation; the widget reads ``show_form``'s), its status and duration.
    The full call is in the owner's ``GET /api/sessions/{id}/``. ``forms`` (what the text UI
    must render) and everything else pass unchanged."""
    calls = [
        {key: call[key] for key in PUBLIC_TOOL_CALL_FIELDS if key in call}
        for call in out.get("tool_calls") or []
        if isinstance(call, dict)
    ]
    return {**out, "tool_calls": calls}


def _runtime(request: Request) -> Any:
    runtime = getattr(request.app.state, "voice", None)
    if runtime is None:
        raise ServiceUnavailable(
            "The agent runtime is not running on this server (started with --no-agent, or "
            "the voice packages are not installed: run scripts/install)"
        )
    return runtime


@router.post(
    "/{session_id}/webrtc/",
    openapi_extra=openapi_body(OfferIn),
    responses=error_responses(BadRequest, Unauthorized, Forbidden, NotFound, Conflict),
)
async def webrtc_offer(
    session_id: str, request: Request, db: DB, settings: SettingsDep
) -> dict[str, str]:
    """The browser's SDP offer (``@pipecat-ai/small-webrtc-transport``) → the SDP answer."""
    verify_session_token(settings, request, session_id, allow_expired=True)
    body = await lenient_json(request)
    offer = parse_model(OfferIn, body)
    runtime = _runtime(request)
    renegotiation = bool(offer.pc_id) and (
        runtime.signaling.session_for_pc(str(offer.pc_id)) == session_id
    )
    if not renegotiation:  # a fresh offer needs an unexpired token
        verify_session_token(settings, request, session_id, allow_expired=False)
    session, character = await load_live_session(db, session_id)
    if session.mode != "voice":
        raise BadRequest("This is a text-mode session; post messages to its messages/ URL")
    if not renegotiation:
        await consume_token(db, session, settings, runtime)
    recorder = DbSessionRecorder(request.app.state.sessionmaker, session_id)
    try:
        answer: dict[str, str] = await runtime.offer(
            build_spec(session, character, settings), recorder, body
        )
    except BaseException as exc:
        if not renegotiation:
            await asyncio.shield(fail_unstarted(request, runtime, session_id, exc))
        raise
    return answer


@router.patch(
    "/{session_id}/webrtc/",
    status_code=204,
    openapi_extra=openapi_body(IcePatchIn),
    responses=error_responses(BadRequest, Unauthorized, Forbidden, NotFound),
)
async def webrtc_ice(session_id: str, request: Request, settings: SettingsDep) -> None:
    """Trickled ICE candidates ``{pc_id, candidates}`` for this session's connection."""
    verify_session_token(settings, request, session_id, allow_expired=True)
    body = await lenient_json(request)
    parse_model(IcePatchIn, body)
    await _runtime(request).patch(session_id, body)


@router.post(
    "/{session_id}/messages/",
    openapi_extra=_inlined_body(MessageIn),
    responses=error_responses(
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, TooManyRequests
    ),
)
async def text_message(
    session_id: str, request: Request, db: DB, settings: SettingsDep, limiter: Limiter
) -> Annotated[dict[str, Any], DocumentedAs(TextTurnOut)]:
    """Text mode: one visitor message → the agent's reply and the tools it called.

    ``{reply, tool_calls: [{name, arguments, status, duration_ms}], ended, forms?,
    greeting?}``: tool results are not part of it (the owner's session detail has them)."""
    verify_session_token(settings, request, session_id, allow_expired=True)
    await limiter.hit("message", session_id)  # after the token: only its holder spends it
    body = parse_model(MessageIn, await lenient_json(request))
    runtime = _runtime(request)
    live = runtime.is_live(session_id)
    if body.form_result is not None:
        if not live:
            raise Conflict("No form shown by the agent is waiting for a result in this session")
        result = body.form_result.model_dump(exclude_none=True)
        return public_turn(await runtime.send_text(session_id, "", form_result=result))
    if not live:  # the first message needs an unexpired token
        verify_session_token(settings, request, session_id, allow_expired=False)
    if not live:
        session, character = await load_live_session(db, session_id)
        if session.mode != "text":
            raise BadRequest("This is a voice session; connect to its webrtc_url")
        await consume_token(db, session, settings, runtime)
        recorder = DbSessionRecorder(request.app.state.sessionmaker, session_id)
        try:
            greeting = await runtime.start_text(build_spec(session, character, settings), recorder)
        except BaseException as exc:
            await asyncio.shield(fail_unstarted(request, runtime, session_id, exc))
            raise
    else:
        greeting = None
    out = public_turn(await runtime.send_text(session_id, body.text or ""))
    if greeting:
        out["greeting"] = greeting
    return out


__all__ = ["SessionStatus", "router"]
