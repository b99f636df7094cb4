"""Uploading documents: checks, extraction, chunking and the document row. Never commits."""

from __future__ import annotations

import asyncio
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from oshara.characters.models import Character
from oshara.errors import BadRequest, Conflict, PayloadTooLarge
from oshara.knowledge.chunking import Chunk, chunk_blocks
from oshara.knowledge.extract import (
    CONTENT_TYPES,
    Extracted,
    ExtractError,
    Kind,
    detect_kind,
    extract,
)
from oshara.knowledge.ingest import fail_stale, insert_chunks
from oshara.knowledge.limits import KnowledgeLimits
from oshara.knowledge.models import DocumentStatus, KnowledgeDocument
from oshara.knowledge.repository import KnowledgeRepository
from oshara.knowledge.sandbox import extract_isolated
from oshara.knowledge.search import ts_config_for


@dataclass
class Upload:
    data: bytes
    filename: str = ""
    declared_type: str = ""
    title: str = ""
    kind: Kind | None = None
    """Set for JSON text uploads (their format); files are sniffed."""

    @functools.cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def name(self) -> str:
        return repr(self.filename) if self.filename else "The document"


@dataclass
class Prepared:
    kind: Kind
    extracted: Extracted
    chunks: list[Chunk]


def _title(upload: Upload, extracted: Extracted) -> str:
    for candidate in (upload.title, extracted.title):
        cleaned = " ".join(candidate.split())
        if cleaned:
            return cleaned[:300]
    if upload.filename:
        stem = upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        stem = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
        if stem.strip():
            return stem.strip()[:300]
    return "Untitled"


class KnowledgeService:
    def __init__(self, repo: KnowledgeRepository, limits: KnowledgeLimits) -> None:
        self.repo = repo
        self.db = repo.db
        self.limits = limits

    def check_size(self, upload: Upload) -> None:
        size = len(upload.data)
        if size == 0:
            raise BadRequest(f"{upload.name} is empty")
        if size > self.limits.max_file_bytes:
            raise PayloadTooLarge(
                f"{upload.name} is {size} bytes; the limit is {self.limits.max_file_bytes} bytes"
            )

    async def check_quota(self, character: Character, upload: Upload) -> None:
        """Refuse an upload over the character's quotas or identical to a kept document."""
        usage = await self.repo.usage(character)
        if usage.documents >= self.limits.max_documents:
            raise BadRequest(
                f"Character {character.slug!r} already has {usage.documents} documents; the "
                f"limit is {self.limits.max_documents}. Delete some first"
            )
        if usage.total_bytes + len(upload.data) > self.limits.max_total_bytes:
            raise PayloadTooLarge(
                f"Character {character.slug!r} would hold {usage.total_bytes + len(upload.data)} "
                f"bytes of documents; the limit is {self.limits.max_total_bytes}"
            )
        duplicate = await self.repo.find_duplicate(character, upload.sha256)
        if duplicate is not None:
            raise Conflict(
                f"This document was already uploaded as {duplicate.title!r}",
                extra={"document_id": str(duplicate.id)},
            )

    async def prepare(self, upload: Upload) -> Prepared:
        """Detect, extract and chunk (slow: call with no transaction open)."""
        try:
            kind = upload.kind or detect_kind(upload.data, upload.filename, upload.declared_type)
            if kind in ("html", "pdf"):
                extracted = await extract_isolated(upload.data, kind, self.limits, upload.name)
            else:
                extracted = await asyncio.to_thread(
                    extract,
                    upload.data,
                    kind,
                    max_pages=self.limits.max_pdf_pages,
                    max_chars=self.limits.max_chars,
                    max_stream_bytes=self.limits.max_stream_bytes,
                    deadline=float("inf"),
                    name=upload.name,
                )
        except ExtractError as exc:
            raise BadRequest(str(exc)) from exc
        chunks = await asyncio.to_thread(chunk_blocks, extracted.blocks)
        if not chunks:
            raise BadRequest(f"{upload.name} contains no text")
        return Prepared(kind, extracted, chunks)

    async def create(
        self, character: Character, upload: Upload, prepared: Prepared
    ) -> KnowledgeDocument:
        """The document row; small documents get their chunks now and are ``ready``."""
        if self.db.get_bind().dialect.name == "postgresql":
            # Serialise uploads per character so the quota re-check below is exact.
            await self.db.execute(
                select(Character.id).where(Character.id == character.id).with_for_update()
            )
        await self.check_quota(character, upload)
        chunks = prepared.chunks
        inline = len(chunks) <= self.limits.inline_chunks
        doc = KnowledgeDocument(
            organization_id=character.organization_id,
            character_id=character.id,
            title=_title(upload, prepared.extracted),
            filename=upload.filename[:255],
            content_type=CONTENT_TYPES[prepared.kind],
            size_bytes=len(upload.data),
            sha256=upload.sha256,
            char_count=prepared.extracted.char_count,
            page_count=prepared.extracted.page_count,
            status=DocumentStatus.READY if inline else DocumentStatus.PROCESSING,
            progress=100 if inline else 0,
            chunk_count=len(chunks) if inline else 0,
            total_chunks=len(chunks),
            ts_config=ts_config_for(character.language),
        )
        self.db.add(doc)
        await self.db.flush()
        if inline:
            await insert_chunks(self.db, doc, chunks)
        return doc

    async def documents(
        self, character: Character, *, limit: int, offset: int
    ) -> Sequence[KnowledgeDocument]:
        docs = await self.repo.list_documents(character, limit=limit, offset=offset)
        await fail_stale(self.db, docs, self.limits.stale_after_seconds)
        return docs

    async def document(self, character: Character, document_id: str) -> KnowledgeDocument:
        doc = await self.repo.get(character, document_id)
        await fail_stale(self.db, [doc], self.limits.stale_after_seconds)
        return doc
