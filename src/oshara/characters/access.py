"""Who may use a character from a browser: its allowed origins, our own origin, or its owner."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from oshara.auth.subject import AuthSubject
from oshara.characters.models import Character
from oshara.characters.origins import normalize_origin, origin_allowed
from oshara.config import Settings
from oshara.errors import Forbidden, NotFound


def own_origin(request: Request, settings: Settings) -> str:
    """The origin of this server as browsers see it (pages we serve ourselves, e.g. /try).

    ``OSHARA_PUBLIC_URL`` when set. Without it, development derives it from the request's
    ``Host`` header — which the client chooses, so a page served under any host name that
    reaches this server (a DNS name pointed at it) passes as "our own" page. Production never
    believes ``Host`` here (and ``create_app`` refuses to start without the setting)."""
    if not settings.public_url and settings.env == "production":
        return ""
    base = settings.public_url or str(request.base_url)
    try:
        return normalize_origin(base.rstrip("/"))
    except ValueError:
        return ""


def request_origin(request: Request) -> str | None:
    value = request.headers.get("origin")
    if value is None or value == "null":
        return value
    try:
        return normalize_origin(value)
    except ValueError:
        return value


async def public_character(
    db: AsyncSession,
    slug: str,
    request: Request,
    settings: Settings,
    subject: AuthSubject | None,
    *,
    origin_required: bool = True,
) -> Character:
    """Load a character for a public endpoint and check that this caller may use it.

    Allowed: the owner's JWT or API key; a request whose ``Origin`` is in the character's
    ``allowed_origins``; a page served by this server itself. With ``origin_required=False``
    (read-only public data) a request without any ``Origin`` — not a browser — is allowed too.
    """
    character = await db.scalar(select(Character).where(Character.slug == slug))
    if character is None:
        raise NotFound(f"Agent {slug!r} not found")
    if subject is not None and subject.organization_id == character.organization_id:
        return character
    origin = request_origin(request)
    if origin is None and not origin_required:
        return character
    if origin is not None and (
        origin == own_origin(request, settings) or origin_allowed(origin, character.allowed_origins)
    ):
        return character
    if origin is None:
        raise Forbidden(
            f"Request has no Origin header; agent {slug!r} only accepts requests from its "
            "allowed origins or with the owner's token"
        )
    raise Forbidden(
        f"Origin {origin!r} is not allowed for agent {slug!r}; add it to the character's "
        "allowed_origins"
    )
