"""``/api/ai-characters/{slug}/knowledge/…``: upload, list, inspect, search, delete (owner)."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.datastructures import UploadFile

from oshara.db.engine import DB
from oshara.deps import AdminSubject, CurrentSubject
from oshara.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    OsharaError,
    PayloadTooLarge,
    Unauthorized,
    ValidationFailed,
    error_responses,
)
from oshara.http import parse_model
from oshara.knowledge.ingest import start_background
from oshara.knowledge.limits import KnowledgeLimits
from oshara.knowledge.models import DocumentStatus, KnowledgeDocument
from oshara.knowledge.repository import KnowledgeRepository
from oshara.knowledge.schemas import DocumentOut, PassageOut, TextDocumentIn
from oshara.knowledge.search import search_session
from oshara.knowledge.service import KnowledgeService, Upload
from oshara.middleware import OFFLOAD_BYTES, unstorable_text
from oshara.ratelimit import KnowledgeLimit

router = APIRouter(tags=["knowledge"])
BASE = "/api/ai-characters/{slug}/knowledge/"
# Beside, not under, BASE: "knowledge/search/" would also match "knowledge/{document_id}/".
SEARCH = "/api/ai-characters/{slug}/knowledge-search/"
# Reading and searching: any member; uploading and deleting: admins, owners, API keys.
_ERRORS = error_responses(ValidationFailed, Unauthorized, Forbidden, NotFound)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


class UnsupportedMediaType(OsharaError):
    status_code = 415


def get_limits(request: Request) -> KnowledgeLimits:
    limits: KnowledgeLimits | None = getattr(request.app.state, "knowledge_limits", None)
    if limits is None:
        limits = KnowledgeLimits.from_settings(request.app.state.settings)
        request.app.state.knowledge_limits = limits
    return limits


Limits = Annotated[KnowledgeLimits, Depends(get_limits)]


def document_out(doc: KnowledgeDocument) -> DocumentOut:
    return DocumentOut(
        id=doc.id,
        title=doc.title,
        filename=doc.filename,
        content_type=doc.content_type,
        size=doc.size_bytes,
        status=doc.status,
        progress=doc.progress,
        chunk_count=doc.chunk_count,
        total_chunks=doc.total_chunks,
        char_count=doc.char_count,
        page_count=doc.page_count,
        error=doc.error,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
    )


def _safe(value: str, limit: int) -> str:
    return " ".join(_UNSAFE.sub(" ", value).split())[:limit]


def _parse_json_text(body: bytes) -> Any:
    """The parsed JSON of an upload, or a 400 naming what no database could store."""
    problem = unstorable_text(body)
    if problem:
        raise BadRequest(problem)
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest("Request body is not valid JSON") from exc


async def read_upload(request: Request, limits: KnowledgeLimits) -> Upload:
    """A multipart ``file`` (+ optional ``title``) or a JSON ``{title, text, format?}``."""
    ctype = request.headers.get("content-type", "").lower()
    if ctype.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=8, max_part_size=64 * 1024)
        try:
            file = form.get("file")
            if not isinstance(file, UploadFile):
                raise BadRequest("Send the document as a multipart file field named 'file'")
            data = await file.read(limits.max_file_bytes + 1)
            title = form.get("title")
            return Upload(
                data=data,
                filename=_safe((file.filename or "").replace("\\", "/").rsplit("/", 1)[-1], 255),
                declared_type=_safe(file.content_type or "", 100),
                title=_safe(title, 300) if isinstance(title, str) else "",
            )
        finally:
            await form.close()
    if ctype.startswith("application/json") or ctype.endswith("+json"):
        body_bytes = await request.body()
        # Only file uploads get the larger body limit of this path; JSON keeps the usual one.
        json_limit: int = request.app.state.settings.max_body_bytes
        if len(body_bytes) > json_limit:
            raise PayloadTooLarge(
                f"Request body is larger than the limit of {json_limit} bytes; upload larger "
                "documents as multipart/form-data"
            )
        # The middleware streams this path unchecked (see BodyLimitMiddleware): check here.
        if len(body_bytes) > OFFLOAD_BYTES:
            raw = await anyio.to_thread.run_sync(_parse_json_text, body_bytes)
        else:
            raw = _parse_json_text(body_bytes)
        body = parse_model(TextDocumentIn, raw)
        title = _safe(body.title, 300)
        if not title:
            raise ValidationFailed([{"field": "title", "message": "must not be blank"}])
        return Upload(data=body.text.encode("utf-8"), title=title, kind=body.format)
    raise UnsupportedMediaType(
        "Upload a file as multipart/form-data (field 'file', optional 'title'), "
        'or send JSON {"title", "text"}'
    )


_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "title": {"type": "string", "maxLength": 300},
                    },
                }
            },
            "application/json": {"schema": TextDocumentIn.model_json_schema()},
        },
    }
}


@router.post(
    BASE,
    response_model=DocumentOut,
    status_code=201,
    openapi_extra=_UPLOAD_BODY,
    responses={
        202: {"model": DocumentOut, "description": "Accepted; indexing in the background"},
        **error_responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PayloadTooLarge,
            UnsupportedMediaType,
        ),
    },
)
async def upload_document(
    slug: str,
    request: Request,
    response: Response,
    subject: AdminSubject,
    db: DB,
    limits: Limits,
    _rate: KnowledgeLimit,
) -> DocumentOut:
    """Add a document (.txt, .md, .html or .pdf) to the character's knowledge base.

    Small documents are indexed before the answer (201, ``status: ready``). Large ones answer
    202 with ``status: processing``; poll the document for ``progress`` (0-100) until it is
    ``ready`` (or ``failed`` with an ``error``). Unsupported, malformed, encrypted or hostile
    files are refused with 400 and nothing is stored.
    """
    repo = KnowledgeRepository(db)
    service = KnowledgeService(repo, limits)
    character = await repo.character(subject, slug)
    upload = await read_upload(request, limits)
    service.check_size(upload)
    await service.check_quota(character, upload)
    # Extraction can take seconds: hold no transaction (nor SQLite's write lock) meanwhile.
    await db.commit()
    prepared = await service.prepare(upload)
    doc = await service.create(character, upload, prepared)
    if doc.status == DocumentStatus.PROCESSING:
        await db.commit()
        start_background(request.app.state.sessionmaker, doc.id, prepared.chunks, limits.batch_size)
        response.status_code = 202
    return document_out(doc)


@router.get(BASE, response_model=list[DocumentOut], responses=_ERRORS)
async def list_documents(
    slug: str,
    subject: CurrentSubject,
    db: DB,
    limits: Limits,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> list[DocumentOut]:
    """The character's documents, oldest first, with their indexing status and progress."""
    repo = KnowledgeRepository(db)
    character = await repo.character(subject, slug)
    docs = await KnowledgeService(repo, limits).documents(character, limit=limit, offset=offset)
    return [document_out(d) for d in docs]


@router.get(SEARCH, response_model=list[PassageOut], responses=_ERRORS)
async def search_documents(
    slug: str,
    subject: CurrentSubject,
    db: DB,
    q: Annotated[str, Query(max_length=4000, description="A question or keywords")],
    top_k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[dict[str, Any]]:
    """What the agent's ``kb`` tool would find for ``q``: the best passages, best first."""
    character = await KnowledgeRepository(db).character(subject, slug)
    return await search_session(db, character.id, q, top_k)


@router.get(BASE + "{document_id}/", response_model=DocumentOut, responses=_ERRORS)
async def get_document(
    slug: str, document_id: str, subject: CurrentSubject, db: DB, limits: Limits
) -> DocumentOut:
    repo = KnowledgeRepository(db)
    character = await repo.character(subject, slug)
    return document_out(await KnowledgeService(repo, limits).document(character, document_id))


@router.delete(BASE + "{document_id}/", status_code=204, responses=_ERRORS)
async def delete_document(slug: str, document_id: str, subject: AdminSubject, db: DB) -> Response:
    """Delete a document and its passages from the index (also while it is processing)."""
    repo = KnowledgeRepository(db)
    character = await repo.character(subject, slug)
    await repo.delete(await repo.get(character, document_id))
    return Response(status_code=204)
