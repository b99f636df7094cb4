"""``/api/ai-characters/…`` (owner) and ``/api/agents/{slug}/appearance/`` (public)."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response

from oshara.characters.access import public_character
from oshara.characters.egress_check import CharacterSaved, with_egress_warnings
from oshara.characters.repository import CharacterRepository
from oshara.characters.schemas import AppearanceOut, CharacterCreate, CharacterOut, CharacterUpdate
from oshara.characters.service import CharacterService, appearance_out, character_out
from oshara.characters.tooltest import McpToolsOut, ToolTester, ToolTestIn, ToolTestOut
from oshara.characters.webhooks import (
    WebhookSecretCreated,
    WebhookSecretIn,
    WebhookSecretOut,
    WebhookSecretService,
)
from oshara.db.engine import DB
from oshara.deps import AdminSubject, CurrentSubject, OptionalSubject, SettingsDep
from oshara.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
    error_responses,
)
from oshara.http import lenient_json, parse_model
from oshara.ratelimit import ToolTestLimit

router = APIRouter(tags=["characters"])
# Reading: any member (members do not see prompts or tool configurations); changing: admins
# and owners (and API keys), enforced by the ``AdminSubject`` dependency.
_OWNER_ERRORS = error_responses(ValidationFailed, Unauthorized, Forbidden, NotFound)


@router.get("/api/ai-characters/", response_model=list[CharacterOut], responses=_OWNER_ERRORS)
async def list_characters(
    subject: CurrentSubject,
    db: DB,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> list[CharacterOut]:
    """Your organization's characters."""
    rows = await CharacterRepository(db).list_readable(subject, limit=limit, offset=offset)
    return [character_out(c, subject) for c in rows]


@router.post(
    "/api/ai-characters/",
    response_model=CharacterSaved,
    status_code=201,
    responses=error_responses(ValidationFailed, Unauthorized, Forbidden, Conflict),
)
async def create_character(
    body: CharacterCreate, subject: AdminSubject, db: DB, settings: SettingsDep
) -> CharacterOut:
    """Create a character (guide, Pattern 4). Slugs are unique across the server."""
    character = await CharacterService(db, settings).create(subject, body)
    saved = character_out(character, subject)
    return await with_egress_warnings(saved, character.tools, settings.egress_allow)


@router.get("/api/ai-characters/{slug}/", response_model=CharacterOut, responses=_OWNER_ERRORS)
async def get_character(slug: str, subject: CurrentSubject, db: DB) -> CharacterOut:
    """A character. Members get ``system_prompt`` and ``tools`` as null (owner data)."""
    return character_out(await CharacterRepository(db).get_readable(subject, slug), subject)


@router.put(
    "/api/ai-characters/{slug}/",
    response_model=CharacterSaved,
    responses=_OWNER_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/CharacterCreate"}}
            },
        }
    },
)
async def replace_character(
    slug: str,
    subject: AdminSubject,
    db: DB,
    settings: SettingsDep,
    raw: Annotated[Any, Body()] = None,
) -> CharacterOut:
    """Replace a character; fields left out return to their defaults. The slug cannot change."""
    if not isinstance(raw, dict):
        raise BadRequest("Request body must be a JSON object")
    character = await CharacterService(db, settings).replace(subject, slug, raw)
    saved = character_out(character, subject)
    return await with_egress_warnings(saved, character.tools, settings.egress_allow)


@router.patch("/api/ai-characters/{slug}/", response_model=CharacterSaved, responses=_OWNER_ERRORS)
async def update_character(
    slug: str, body: CharacterUpdate, subject: AdminSubject, db: DB, settings: SettingsDep
) -> CharacterOut:
    """Change only the fields sent (guide, Pattern 2). Sending ``tools`` replaces the list.

    Tool header values are write-only: responses show ``"********"``; sending that mask back
    keeps the stored value.
    """
    character = await CharacterService(db, settings).update(subject, slug, body)
    saved = character_out(character, subject)
    return await with_egress_warnings(saved, character.tools, settings.egress_allow)


@router.delete("/api/ai-characters/{slug}/", status_code=204, responses=_OWNER_ERRORS)
async def delete_character(
    slug: str, subject: AdminSubject, db: DB, settings: SettingsDep
) -> Response:
    """Delete a character with its sessions and stored form responses."""
    await CharacterService(db, settings).delete(subject, slug)
    return Response(status_code=204)


WEBHOOK_SECRET = "/api/ai-characters/{slug}/webhook-secret/"


@router.get(WEBHOOK_SECRET, response_model=WebhookSecretOut, responses=_OWNER_ERRORS)
async def get_webhook_secret(
    slug: str, subject: CurrentSubject, db: DB, settings: SettingsDep
) -> WebhookSecretOut:
    """Whether the character's ``http`` tool requests are signed, and since when.

    Never the secret itself: it is shown once, by the ``POST`` that creates it."""
    return await WebhookSecretService(db, settings).status(subject, slug)


@router.post(
    WEBHOOK_SECRET,
    response_model=WebhookSecretCreated,
    status_code=201,
    responses=_OWNER_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": WebhookSecretIn.model_json_schema()}},
        }
    },
)
async def create_webhook_secret(
    slug: str, request: Request, subject: AdminSubject, db: DB, settings: SettingsDep
) -> Response:
    """Create (or rotate) the signing secret of the character's ``http`` tools.

    The answer holds the new ``whsec_…`` secret: it is shown **once**, store it now. From the
    next session on, every tool request carries Standard Webhooks headers (``webhook-id``,
    ``webhook-timestamp``, ``webhook-signature``) signed with it; a previous secret stops
    being used at once. No body, or ``{}``.
    """
    if await request.body():
        parse_model(WebhookSecretIn, await lenient_json(request))
    created = await WebhookSecretService(db, settings).rotate(subject, slug)
    return Response(
        created.model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@router.delete(WEBHOOK_SECRET, status_code=204, responses=_OWNER_ERRORS)
async def delete_webhook_secret(
    slug: str, subject: AdminSubject, db: DB, settings: SettingsDep
) -> Response:
    """Turn signing off: the secret is deleted; new sessions send unsigned tool requests."""
    await WebhookSecretService(db, settings).disable(subject, slug)
    return Response(status_code=204)


TOOL = "/api/ai-characters/{slug}/tools/{name}/"
_TEST_ERRORS = error_responses(
    ValidationFailed, Unauthorized, Forbidden, NotFound, Conflict, TooManyRequests
)


@router.post(TOOL + "test/", response_model=ToolTestOut, responses=_TEST_ERRORS)
async def test_tool(
    slug: str,
    name: str,
    body: ToolTestIn,
    subject: AdminSubject,
    _limit: ToolTestLimit,
    db: DB,
    settings: SettingsDep,
) -> ToolTestOut:
    """Run the tool once, as a call would (the dashboard's **Test** button).

    ``arguments`` are checked against the tool's ``input_schema`` (400 naming the field), then
    sent through the same egress client (``OSHARA_EGRESS_ALLOW``) with the stored headers and
    signature. A failed run is still 200: ``ok: false`` with the error the agent would see
    (a refused private address names the setting that allows it). ``mcp`` tools: name the
    server's tool in ``mcp_tool``. Header values never appear in the answer. Rate-limited per
    organization (``OSHARA_TOOL_TEST_LIMIT_PER_ORG``).
    """
    return await ToolTester(db, settings).run(subject, slug, name, body)


@router.get(TOOL + "mcp-tools/", response_model=McpToolsOut, responses=_TEST_ERRORS)
async def list_mcp_tools(
    slug: str,
    name: str,
    subject: AdminSubject,
    _limit: ToolTestLimit,
    db: DB,
    settings: SettingsDep,
) -> McpToolsOut:
    """Connect to an ``mcp`` tool's server and list its tools (name, description,
    input_schema), or ``ok: false`` with the exact reason it could not be reached."""
    return await ToolTester(db, settings).list_mcp(subject, slug, name)


@router.get(
    "/api/agents/{slug}/appearance/",
    response_model=AppearanceOut,
    response_model_exclude_none=True,
    responses=error_responses(Forbidden, NotFound),
)
async def get_appearance(
    slug: str, request: Request, db: DB, settings: SettingsDep, subject: OptionalSubject
) -> Response:
    """Public: name, theme and full form schemas (guide, Pattern 5). Nothing secret.

    Browsers from origins not in ``allowed_origins`` get 403. Answers carry an ``ETag``;
    ``If-None-Match`` gets 304.
    """
    character = await public_character(db, slug, request, settings, subject, origin_required=False)
    payload = appearance_out(character).model_dump(mode="json", exclude_none=True)
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=0, must-revalidate",
        "Vary": "Origin",
    }
    inm = request.headers.get("if-none-match", "")
    if etag in {t.strip() for t in inm.split(",")} or inm.strip() == "*":
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
