"""Starting sessions: admission (rate and concurrency caps), the row and the session token.

A session holds one of its character's ``max_concurrent_sessions`` slots while it runs, while
it connects, and for ``OSHARA_SESSION_CONNECT_GRACE_SECONDS`` after it was started without
connecting; after that it stops counting (its token may stay valid), and connecting later
(:func:`readmit_on_connect`) takes a slot again or is refused with 429. Anonymous starts (no
owner credentials) from one client address hold at most half the slots (at least one); the
owner's starts count only against the cap itself. Counting and writing happen under the
character's lock, so concurrent admissions and connects cannot overshoot the cap.
"""

from __future__ import annotations

import math
import secrets
import string
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from oshara.auth import tokens
from oshara.characters.models import Character
from oshara.config import Settings
from oshara.errors import Forbidden, TooManyRequests
from oshara.sessions.models import AgentSession, SessionStatus
from oshara.sessions.repository import SessionRepository
from oshara.sessions.schemas import AgentSessionIn, AgentSessionOut

_ID_ALPHABET = string.ascii_lowercase + string.digits
DEFAULT_LIMITS = {"max_concurrent_sessions": 10, "sessions_per_minute": 30}
CONCURRENCY_RETRY_SECONDS = 15
DEFAULT_MAX_SESSION_SECONDS = 900
"""``limits.max_session_seconds`` when the character sets none (``characters.schemas``)."""


def new_session_id() -> str:
    return "sess_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(24))


def _limit(character: Character, key: str) -> int:
    return int((character.limits or {}).get(key, DEFAULT_LIMITS[key]))


def anonymous_share(concurrent: int) -> int:
    """Slots one client address may hold with anonymous starts: half, at least one."""
    return max(1, concurrent // 2)


async def _lock_character(db: AsyncSession, character_id: object) -> None:
    """Serialise admissions of one character until commit. PostgreSQL locks the character
    row; SQLite transactions are ``BEGIN IMMEDIATE`` (see ``db.engine``), which serialises
    writers the same way."""
    if db.get_bind().dialect.name == "postgresql":
        await db.execute(select(Character.id).where(Character.id == character_id).with_for_update())


def _longest_call(character: Character, settings: Settings) -> timedelta:
    """How long a session of ``character`` can be live at most: its ``max_session_seconds``
    plus the shutdown drain and a minute for connecting and saying goodbye."""
    limit = (character.limits or {}).get("max_session_seconds") or DEFAULT_MAX_SESSION_SECONDS
    return timedelta(seconds=float(limit) + settings.drain_timeout_seconds + 60.0)


def _retry_after(frees_at: datetime | None, now: datetime) -> int:
    wait = (frees_at - now).total_seconds() if frees_at else CONCURRENCY_RETRY_SECONDS
    return math.ceil(min(max(wait, 1.0), CONCURRENCY_RETRY_SECONDS))


async def _check_slots(
    repo: SessionRepository,
    settings: Settings,
    character: Character,
    now: datetime,
    *,
    client_addr: str | None,
    authenticated: bool,
    exclude: str | None = None,
) -> None:
    """Raise 429 (with the seconds until a slot frees) when the caps leave no slot."""
    grace = timedelta(seconds=settings.session_connect_grace_seconds)
    connect_by = now - grace
    alive_since = now - _longest_call(character, settings)
    concurrent = _limit(character, "max_concurrent_sessions")
    if (
        await repo.live_count(character.id, now, connect_by, alive_since, exclude=exclude)
        >= concurrent
    ):
        frees_at = await repo.next_slot_free(character.id, now, connect_by, alive_since, grace)
        raise TooManyRequests(
            f"Agent {character.slug!r} already has {concurrent} sessions in progress",
            retry_after=_retry_after(frees_at, now),
        )
    if authenticated or client_addr is None:
        return
    share = anonymous_share(concurrent)
    held = await repo.live_count(
        character.id, now, connect_by, alive_since, client_addr=client_addr, exclude=exclude
    )
    if held >= share:
        frees_at = await repo.next_slot_free(
            character.id, now, connect_by, alive_since, grace, client_addr=client_addr
        )
        raise TooManyRequests(
            f"Agent {character.slug!r} already has {held} sessions in progress started from "
            f"your address (at most {share} of its {concurrent} without the owner's "
            "credentials)",
            retry_after=_retry_after(frees_at, now),
        )


async def admit_session(
    db: AsyncSession,
    settings: Settings,
    character: Character,
    body: AgentSessionIn,
    *,
    origin: str | None,
    base_url: str,
    client_addr: str | None = None,
    authenticated: bool = True,
) -> AgentSessionOut:
    """Check the character's caps and record a new session, in the caller's transaction.

    ``authenticated``: started with the owner's credentials (the CLI and evals are); an
    anonymous start is also held to its ``client_addr``'s share of the slots.
    """
    await _lock_character(db, character.id)
    repo = SessionRepository(db)
    now = datetime.now(UTC)
    per_minute = _limit(character, "sessions_per_minute")
    recent = await repo.created_since(character.id, now - timedelta(seconds=60))
    if len(recent) >= per_minute:
        frees_at = recent[len(recent) - per_minute] + timedelta(seconds=60)
        raise TooManyRequests(
            f"Agent {character.slug!r} accepts at most {per_minute} new sessions per minute",
            retry_after=math.ceil((frees_at - now).total_seconds()),
        )
    await _check_slots(
        repo, settings, character, now, client_addr=client_addr, authenticated=authenticated
    )
    session_id = new_session_id()
    issued = tokens.issue(
        settings.ensure_secret(),
        "session",
        session_id,
        settings.session_token_ttl_seconds,
        agent=character.slug,
        mode=body.mode,
    )
    transport: Literal["webrtc", "livekit", "text"] = (
        "text" if body.mode == "text" else settings.transport
    )
    db.add(
        AgentSession(
            id=session_id,
            organization_id=character.organization_id,
            character_id=character.id,
            language=body.language or character.language,
            metadata_=body.metadata,
            origin=origin,
            client_addr=client_addr[:64] if client_addr else None,
            authenticated=authenticated,
            transport=transport,
            mode=body.mode,
            status=SessionStatus.created,
            created_at=now,
            expires_at=issued.expires_at,
        )
    )
    base = base_url.rstrip("/")
    return AgentSessionOut(
        session_id=session_id,
        token=issued.token,
        transport=transport,
        livekit_url=settings.livekit_url or None if transport == "livekit" else None,
        webrtc_url=f"{base}/api/sessions/{session_id}/webrtc/" if transport == "webrtc" else None,
        expires_at=issued.expires_at,
    )


async def readmit_on_connect(db: AsyncSession, settings: Settings, session: AgentSession) -> None:
    """Spend the session token as the client connects (first offer or first message).

    A session past its connect grace no longer holds a slot: it takes one again here, under
    the same caps as a start (429 with ``Retry-After`` when none is free). The token is
    single-use: a second use is refused (403). Runs in the caller's transaction."""
    now = datetime.now(UTC)
    stale = _aware(session.created_at) <= now - timedelta(
        seconds=settings.session_connect_grace_seconds
    )
    if stale:
        await _lock_character(db, session.character_id)
        character = await db.get_one(Character, session.character_id)
        await _check_slots(
            SessionRepository(db),
            settings,
            character,
            now,
            client_addr=session.client_addr,
            authenticated=session.authenticated,
            exclude=session.id,
        )
    result = await db.execute(
        update(AgentSession)
        .where(AgentSession.id == session.id, AgentSession.token_used_at.is_(None))
        .values(token_used_at=now)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise Forbidden("This session token was already used; start a new session")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
