"""Starting sessions: admission (rate and concurrency caps), the row and the session token."""

from __future__ import annotations

import math
import secrets
import string
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from oshara.auth import tokens
from oshara.characters.models import Character
from oshara.config import Settings
from oshara.errors import TooManyRequests
from oshara.sessions.models import AgentSession, SessionStatus
from oshara.sessions.repository import SessionRepository
from oshara.sessions.schemas import AgentSessionIn, AgentSessionOut

_ID_ALPHABET = string.ascii_lowercase + string.digits
DEFAULT_LIMITS = {"max_concurrent_sessions": 10, "sessions_per_minute": 30}
CONCURRENCY_RETRY_SECONDS = 15


def new_session_id() -> str:
    return "sess_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(24))


def _limit(character: Character, key: str) -> int:
    return int((character.limits or {}).get(key, DEFAULT_LIMITS[key]))


async def admit_session(
    db: AsyncSession,
    settings: Settings,
    character: Character,
    body: AgentSessionIn,
    *,
    origin: str | None,
    base_url: str,
) -> AgentSessionOut:
    """Check the character's caps and record a new session, in the caller's transaction.

    Counting and inserting must not interleave with another admission or the caps could be
    overshot: PostgreSQL locks the character row until commit; SQLite transactions are
    ``BEGIN IMMEDIATE`` (see ``db.engine``), which serialises writers the same way.
    """
    if db.get_bind().dialect.name == "postgresql":
        await db.execute(select(Character.id).where(Character.id == character.id).with_for_update())
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
    concurrent = _limit(character, "max_concurrent_sessions")
    if await repo.live_count(character.id, now) >= concurrent:
        expiry = await repo.oldest_live_expiry(character.id, now)
        wait = (expiry - now).total_seconds() if expiry else CONCURRENCY_RETRY_SECONDS
        raise TooManyRequests(
            f"Agent {character.slug!r} already has {concurrent} sessions in progress",
            retry_after=math.ceil(min(wait, CONCURRENCY_RETRY_SECONDS)),
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
