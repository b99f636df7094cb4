"""Ingestion: inline for small documents, background batches with visible progress for large
ones, failure leaves nothing half-written, quotas and duplicates, interrupted ingestion."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from oshara.db.base import utcnow
from oshara.knowledge import ingest
from oshara.knowledge.limits import KnowledgeLimits
from oshara.knowledge.models import KnowledgeChunk, KnowledgeDocument

from .kbutil import Owner

WORDS = [
    "account",
    "billing",
    "invoice",
    "refund",
    "delivery",
    "parcel",
    "warehouse",
    "battery",
    "charger",
    "robot",
    "vacuum",
    "floor",
    "carpet",
    "schedule",
    "support",
    "ticket",
    "password",
    "login",
    "browser",
    "mobile",
]


@pytest.fixture
def kb_limits() -> KnowledgeLimits:
    return KnowledgeLimits(batch_size=40, inline_chunks=100)


def big_text(chars: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    paras = []
    size = 0
    while size < chars:
        sentences = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))).capitalize() + "."
            for _ in range(rng.randint(2, 7))
        ]
        para = " ".join(sentences)
        paras.append(para)
        size += len(para) + 2
    paras.insert(len(paras) // 2, "The secret handshake of the night shift is three knocks.")
    return "\n\n".join(paras).encode()


async def _count(owner: Owner, model: Any) -> int:
    async with owner.app.state.sessionmaker() as db:
        return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_small_documents_are_ready_at_once(owner: Owner) -> None:
    r = await owner.upload("small.txt", big_text(5_000))
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["status"] == "ready" and doc["progress"] == 100
    assert 0 < doc["total_chunks"] <= 100 and doc["chunk_count"] == doc["total_chunks"]


async def test_large_document_reports_progress_while_indexing(owner: Owner) -> None:
    payload = big_text(1_500_000)
    r = await owner.upload("manual.txt", payload)
    assert r.status_code == 202, r.text
    first = r.json()
    assert first["status"] == "processing" and first["progress"] == 0
    total = first["total_chunks"]
    assert total > 1500, total
    assert first["size"] == len(payload)

    seen: list[tuple[str, int, int]] = []
    searched_while_processing = False
    while True:
        r = await owner.client.get(f"{owner.base}{first['id']}/", headers=owner.headers)
        assert r.status_code == 200, r.text
        doc = r.json()
        seen.append((doc["status"], doc["progress"], doc["chunk_count"]))
        if doc["status"] != "processing":
            break
        if doc["chunk_count"] and not searched_while_processing:
            # Chunks are in the index but the document is not ready: nobody sees them yet.
            hits = await owner.search("invoice refund parcel")
            again = await owner.client.get(f"{owner.base}{first['id']}/", headers=owner.headers)
            if again.json()["status"] == "processing":
                assert hits == []
                searched_while_processing = True
        await asyncio.sleep(0.005)
    assert doc["status"] == "ready", doc
    assert doc["progress"] == 100 and doc["chunk_count"] == total
    assert searched_while_processing, seen
    middle = [s for s in seen if s[0] == "processing" and 0 < s[1] < 100]
    assert middle, f"no intermediate progress observed: {seen[:5]} … {seen[-5:]}"
    progress = [s[1] for s in seen]
    assert progress == sorted(progress), "progress went backwards"
    assert all(c % 40 == 0 or c == total for _, _, c in seen), "progress is per batch"
    # The list shows the same, and only a ready document is searchable.
    listed = (await owner.client.get(owner.base, headers=owner.headers)).json()
    assert listed[0]["status"] == "ready" and listed[0]["chunk_count"] == total
    hits = await owner.search("What is the secret handshake of the night shift?")
    assert "three knocks" in hits[0]["text"]
    assert await _count(owner, KnowledgeChunk) == total


async def test_failed_ingestion_leaves_nothing_half_written(
    owner: Owner, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    original = ingest.insert_chunks

    async def flaky(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("disk on fire")
        await original(*args, **kwargs)

    monkeypatch.setattr(ingest, "insert_chunks", flaky)
    r = await owner.upload("manual.txt", big_text(300_000))
    assert r.status_code == 202, r.text
    doc = await owner.wait_ready(r.json()["id"])
    assert doc["status"] == "failed", doc
    assert doc["error"] == "Indexing failed: RuntimeError"
    assert doc["chunk_count"] == 0 and doc["progress"] == 0
    assert await _count(owner, KnowledgeChunk) == 0
    assert await owner.search("secret handshake night shift") == []
    # A failed document can be deleted, and the same file uploaded again.
    monkeypatch.setattr(ingest, "insert_chunks", original)
    r = await owner.upload("manual.txt", big_text(300_000))
    assert r.status_code == 202, r.text
    assert (await owner.wait_ready(r.json()["id"]))["status"] == "ready"
    r = await owner.client.delete(f"{owner.base}{doc['id']}/", headers=owner.headers)
    assert r.status_code == 204


async def test_delete_while_processing_stops_ingestion(owner: Owner) -> None:
    r = await owner.upload("manual.txt", big_text(1_000_000))
    assert r.status_code == 202, r.text
    doc_id = r.json()["id"]
    r = await owner.client.delete(f"{owner.base}{doc_id}/", headers=owner.headers)
    assert r.status_code == 204
    await ingest.shutdown(grace_seconds=30)
    assert await _count(owner, KnowledgeChunk) == 0
    assert await _count(owner, KnowledgeDocument) == 0


async def test_interrupted_ingestion_is_reported_failed(owner: Owner) -> None:
    r = await owner.upload("small.txt", b"Some short text about carpets.")
    assert r.status_code == 201
    doc_id = r.json()["id"]
    async with owner.app.state.sessionmaker() as db:  # as if a crashed server left it
        doc = await db.get(KnowledgeDocument, uuid.UUID(doc_id))
        assert doc is not None
        doc.status = "processing"
        doc.updated_at = utcnow() - timedelta(hours=1)
        await db.commit()
    r = await owner.client.get(f"{owner.base}{doc_id}/", headers=owner.headers)
    doc_out = r.json()
    assert doc_out["status"] == "failed" and "interrupted" in doc_out["error"]
    assert await _count(owner, KnowledgeChunk) == 0


async def test_quotas_and_duplicates(owner: Owner) -> None:
    owner.app.state.knowledge_limits = dataclasses.replace(
        owner.limits, max_documents=2, max_total_bytes=1000
    )
    r = await owner.upload("a.txt", b"Alpha document about invoices.")
    assert r.status_code == 201
    first = r.json()
    r = await owner.upload("a-again.txt", b"Alpha document about invoices.")
    assert r.status_code == 409, r.text
    assert r.json()["document_id"] == first["id"] and "already uploaded" in r.json()["detail"]
    r = await owner.upload("big.txt", b"x " * 600)
    assert r.status_code == 413 and "limit is 1000" in r.json()["detail"]
    r = await owner.upload("b.txt", b"Beta document about parcels.")
    assert r.status_code == 201
    r = await owner.upload("c.txt", b"Gamma document about robots.")
    assert r.status_code == 400 and "the limit is 2" in r.json()["detail"]
    r = await owner.client.delete(f"{owner.base}{first['id']}/", headers=owner.headers)
    assert r.status_code == 204
    r = await owner.upload("c.txt", b"Gamma document about robots.")
    assert r.status_code == 201, r.text
    assert await _count(owner, KnowledgeDocument) == 2
