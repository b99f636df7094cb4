"""Writing chunks into the index, inline or in background batches with progress.

Small documents are indexed inside the upload request's transaction. Large ones are indexed
by a task in batches of ``batch_size`` chunks, one short transaction each, updating the
document's ``progress`` and ``chunk_count`` as it goes; if a batch fails the chunks written so
far are removed and the document is marked ``failed`` with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
import typing
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, bindparam, cast, delete, func, insert, literal_column, update
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oshara.db.base import utcnow
from oshara.knowledge.chunking import Chunk
from oshara.knowledge.models import DocumentStatus, KnowledgeChunk, KnowledgeDocument

log = logging.getLogger("oshara.knowledge")

_tasks: dict[uuid.UUID, asyncio.Task[None]] = {}


def _insert_statement(dialect: str) -> Any:
    stmt = insert(typing.cast(Table, KnowledgeChunk.__table__))  # Core insert: no RETURNING
    if dialect == "postgresql":
        # Body words weigh A, heading words B: a heading match counts, but less (as in FTS5).
        config = cast(bindparam("ts_config"), REGCONFIG)
        body = func.setweight(func.to_tsvector(config, bindparam("v_text")), literal_column("'A'"))
        head = func.setweight(
            func.to_tsvector(config, bindparam("v_heading")), literal_column("'B'")
        )
        vector = body.op("||")(head)
        stmt = stmt.values(search_vector=vector)
    return stmt


async def insert_chunks(
    db: AsyncSession, document: KnowledgeDocument, chunks: Sequence[Chunk]
) -> None:
    """Insert ``chunks`` of ``document``; the index follows (FTS5 triggers or a tsvector)."""
    if not chunks:
        return
    dialect = db.get_bind().dialect.name
    rows: list[dict[str, Any]] = []
    for c in chunks:
        row: dict[str, Any] = {
            "document_id": document.id,
            "character_id": document.character_id,
            "chunk_index": c.index,
            "heading": c.heading[:300],
            "page": c.page,
            "start_offset": c.start,
            "end_offset": c.end,
            "text": c.text,
        }
        if dialect == "postgresql":
            row.update(ts_config=document.ts_config, v_text=c.text, v_heading=c.heading)
        rows.append(row)
    await db.execute(_insert_statement(dialect), rows)


def _progress(done: int, total: int) -> int:
    return 100 if total == 0 or done >= total else min(99, done * 100 // total)


def is_running(document_id: uuid.UUID) -> bool:
    """Whether this process is indexing the document right now."""
    task = _tasks.get(document_id)
    return task is not None and not task.done()


def start_background(
    maker: async_sessionmaker[AsyncSession],
    document_id: uuid.UUID,
    chunks: Sequence[Chunk],
    batch_size: int,
) -> asyncio.Task[None]:
    """Index ``chunks`` in the background; the document must already be committed."""
    task = asyncio.create_task(
        ingest_batches(maker, document_id, chunks, batch_size), name=f"kb-ingest-{document_id}"
    )
    _tasks[document_id] = task
    task.add_done_callback(
        lambda t: _tasks.pop(document_id, None) if _tasks.get(document_id) is t else None
    )
    return task


async def ingest_batches(
    maker: async_sessionmaker[AsyncSession],
    document_id: uuid.UUID,
    chunks: Sequence[Chunk],
    batch_size: int,
) -> None:
    total = len(chunks)
    batch_size = max(1, batch_size)
    try:
        for lo in range(0, total, batch_size):
            batch = chunks[lo : lo + batch_size]
            started = time.monotonic()
            async with maker() as db:
                doc = await db.get(KnowledgeDocument, document_id)
                if doc is None or doc.status != DocumentStatus.PROCESSING:
                    return  # deleted (or failed) meanwhile: stop quietly
                await insert_chunks(db, doc, batch)
                done = lo + len(batch)
                doc.chunk_count = done
                doc.progress = _progress(done, total)
                doc.updated_at = utcnow()
                if done >= total:
                    doc.status = DocumentStatus.READY
                await db.commit()
                sqlite = db.get_bind().dialect.name == "sqlite"
            # SQLite has one write lock and every request takes it (BEGIN IMMEDIATE); its
            # waiters poll with growing sleeps, so back-to-back batches would starve them.
            # Pausing as long as the batch took leaves the lock free half of the time.
            await asyncio.sleep(max(0.01, time.monotonic() - started) if sqlite else 0)
    except BaseException as exc:
        reason = (
            "Indexing was interrupted"
            if isinstance(exc, asyncio.CancelledError)
            else (f"Indexing failed: {type(exc).__name__}")
        )
        if not isinstance(exc, asyncio.CancelledError):
            log.exception("knowledge ingestion of %s failed", document_id)
        await mark_failed(maker, document_id, reason)
        if not isinstance(exc, Exception):
            raise


async def mark_failed(
    maker: async_sessionmaker[AsyncSession], document_id: uuid.UUID, reason: str
) -> None:
    """Remove the document's chunks and record why; never raises."""
    try:
        async with maker() as db:
            await db.execute(
                delete(KnowledgeChunk).where(KnowledgeChunk.document_id == document_id)
            )
            await db.execute(
                update(KnowledgeDocument)
                .where(KnowledgeDocument.id == document_id)
                .values(
                    status=DocumentStatus.FAILED,
                    error=reason,
                    chunk_count=0,
                    progress=0,
                    updated_at=utcnow(),
                )
            )
            await db.commit()
    except Exception:  # the database may be gone at shutdown; stale detection catches it
        log.warning("could not mark knowledge document %s failed", document_id, exc_info=True)


async def fail_stale(
    db: AsyncSession, docs: Sequence[KnowledgeDocument], after_seconds: float
) -> None:
    """Documents stuck in ``processing`` (their indexer died) become ``failed``."""
    cutoff = utcnow() - timedelta(seconds=after_seconds)
    for doc in docs:
        if (
            doc.status == DocumentStatus.PROCESSING
            and doc.updated_at < cutoff
            and not is_running(doc.id)
        ):
            await db.execute(delete(KnowledgeChunk).where(KnowledgeChunk.document_id == doc.id))
            doc.status = DocumentStatus.FAILED
            doc.error = "Indexing was interrupted (the server stopped?); delete and upload again"
            doc.chunk_count = 0
            doc.progress = 0
            doc.updated_at = utcnow()
    await db.flush()


async def shutdown(grace_seconds: float = 10.0) -> None:
    """Let running ingestions finish for up to ``grace_seconds``, then cancel them."""
    tasks = [t for t in _tasks.values() if not t.done()]
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=grace_seconds)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=5)
