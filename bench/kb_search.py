"""Knowledge base: ingestion throughput and search latency, with a LIKE-scan baseline.

Builds a fresh database (a temporary SQLite file, or a temporary PostgreSQL database with
``--pg``), migrates it, and ingests N synthetic documents spread over several characters
through the real service (decode → chunk → index). Each document plants one fact with a
unique code word. Then it asks one natural-language question per fact and times:

- ``fts``: ``kb_search`` (SQLite FTS5 BM25 / PostgreSQL ts_rank_cd over a GIN index);
- ``like-first``: the naive baseline — ``lower(text) LIKE '%term%'`` ORed over the same
  terms, scoped to the character, first k rows (no ranking, may stop early);
- ``like-ranked``: the same scan ranked by how many terms each chunk contains.

It prints ingestion throughput, p50/p95 search latency of both, and hit@1 / hit@5 (how often
the planted fact's document is the first / among the first five results). Finally it times
one 10 MB document end to end (extract, chunk, index in batches) to back the inline/background
decision.

    .venv/bin/python bench/kb_search.py [--docs 300] [--queries 300] [--pg]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import case, func, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from oshara.characters.models import Character
from oshara.db.engine import create_engine, create_sessionmaker
from oshara.db.migrate import upgrade
from oshara.knowledge.ingest import ingest_batches
from oshara.knowledge.limits import KnowledgeLimits
from oshara.knowledge.models import DocumentStatus, KnowledgeChunk, KnowledgeDocument
from oshara.knowledge.repository import KnowledgeRepository
from oshara.knowledge.search import kb_search, query_terms
from oshara.knowledge.service import KnowledgeService, Upload
from oshara.orgs.models import Organization

PG_ADMIN = os.environ.get("OSHARA_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.randint(2, 4)
        words.add("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables)))
    return sorted(words)


@functools.cache
def _zipf(n: int) -> list[float]:
    """Cumulative Zipf weights: realistic term frequencies (a few common, many rare words)."""
    return list(itertools.accumulate(1 / (i + 1) for i in range(n)))


def document(rng: random.Random, vocab: list[str], size: int, code: str, hours: int) -> str:
    cum = _zipf(len(vocab))
    paras: list[str] = []
    length = 0
    fact_at = rng.randint(0, max(0, size // 700 - 1))
    while length < size:
        if len(paras) == fact_at:
            para = (
                f"Security note. The {code} gateway rotates its signing keys every {hours} "
                "hours, and operators are paged when a rotation fails."
            )
        else:
            sentences = []
            for _ in range(rng.randint(2, 6)):
                words = rng.choices(vocab, cum_weights=cum, k=rng.randint(8, 20))
                sentences.append(" ".join(words).capitalize() + ".")
            para = " ".join(sentences)
        paras.append(para)
        length += len(para) + 2
    return "\n\n".join(paras)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def setup(engine: AsyncEngine, characters: int) -> list[Character]:
    await upgrade(engine)
    maker = create_sessionmaker(engine)
    async with maker() as db:
        org = Organization(name="Bench")
        db.add(org)
        await db.flush()
        chars = [
            Character(
                organization_id=org.id,
                slug=f"bench-{i}",
                name=f"Bench {i}",
                language="en",
                llm_model="local:test",
                stt_model="local:test",
                tts_model="local:test",
            )
            for i in range(characters)
        ]
        db.add_all(chars)
        await db.commit()
    return chars


async def ingest_all(
    maker: async_sessionmaker[AsyncSession],
    chars: list[Character],
    docs: list[tuple[int, str, str]],
    limits: KnowledgeLimits,
) -> tuple[float, int, int]:
    started = time.perf_counter()
    chunks = size = 0
    for char_index, name, body in docs:
        data = body.encode()
        size += len(data)
        async with maker() as db:
            service = KnowledgeService(KnowledgeRepository(db), limits)
            upload = Upload(data=data, filename=name)
            prepared = await service.prepare(upload)
            doc = await service.create(chars[char_index], upload, prepared)
            assert doc.status == DocumentStatus.READY
            chunks += doc.total_chunks
            await db.commit()
    return time.perf_counter() - started, chunks, size


async def like_search(
    maker: async_sessionmaker[AsyncSession],
    character_id: uuid.UUID,
    query: str,
    k: int,
    ranked: bool,
) -> list[dict[str, Any]]:
    """The naive baseline: ``lower(text) LIKE '%term%'`` for the same terms as the FTS query.

    Unranked, it returns the first ``k`` rows matching any term (it can stop early). Ranked,
    it scores every row of the character by how many terms it contains (a full scan).
    """
    terms = query_terms(query)
    if not terms:
        return []
    chunk, doc = KnowledgeChunk, KnowledgeDocument
    likes = [func.lower(chunk.text).like(f"%{t}%") for t in terms]
    stmt = (
        select(chunk.document_id, doc.title, chunk.text)
        .join(doc, doc.id == chunk.document_id)
        .where(chunk.character_id == character_id, or_(*likes))
        .limit(k)
    )
    if ranked:
        score = sum((case((like, 1), else_=0) for like in likes), start=literal(0))
        stmt = stmt.order_by(score.desc(), chunk.id)
    else:
        stmt = stmt.order_by(chunk.id)
    async with maker() as db:
        rows = (await db.execute(stmt)).all()
    return [{"title": r.title, "text": r.text} for r in rows]


async def time_queries(
    search: Callable[[uuid.UUID, str], Awaitable[list[dict[str, Any]]]],
    questions: list[tuple[uuid.UUID, str, str]],
) -> tuple[list[float], float, float]:
    latencies: list[float] = []
    hit1 = hit5 = 0
    for cid, question, title in questions:
        t0 = time.perf_counter()
        hits = await search(cid, question)
        latencies.append((time.perf_counter() - t0) * 1000)
        titles = [h["title"] for h in hits]
        hit1 += bool(titles[:1] == [title])
        hit5 += title in titles[:5]
    return latencies, hit1 / len(questions), hit5 / len(questions)


async def big_document(maker: async_sessionmaker[AsyncSession], char: Character) -> None:
    rng = random.Random(99)
    vocab = vocabulary(rng, 3000)
    body = document(rng, vocab, 10_000_000, "bigdoc", 12).encode()[: 10 * 1024 * 1024]
    limits = KnowledgeLimits()
    async with maker() as db:
        service = KnowledgeService(KnowledgeRepository(db), limits)
        upload = Upload(data=body, filename="big.txt")
        t0 = time.perf_counter()
        prepared = await service.prepare(upload)
        t1 = time.perf_counter()
        doc = await service.create(char, upload, prepared)
        await db.commit()
    t2 = time.perf_counter()
    await ingest_batches(maker, doc.id, prepared.chunks, limits.batch_size)
    t3 = time.perf_counter()
    mib = len(body) / 2**20
    print(
        f"\n10 MiB text document: {len(prepared.chunks)} chunks; decode+chunk {t1 - t0:.2f} s, "
        f"row {t2 - t1:.2f} s, index in batches of {limits.batch_size} {t3 - t2:.2f} s "
        f"({mib / (t3 - t0):.1f} MiB/s end to end, "
        f"{len(prepared.chunks) / (t3 - t2):.0f} chunks/s indexing)"
    )


async def run(args: argparse.Namespace) -> None:
    pg_name = None
    if args.pg:
        pg_name = f"oshara_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN)
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        await admin.dispose()
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_name}"
    else:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='oshara-kb-')}/kb.db"
    engine = create_engine(url)
    try:
        chars = await setup(engine, args.characters)
        maker = create_sessionmaker(engine)
        rng = random.Random(args.seed)
        vocab = vocabulary(rng)
        docs: list[tuple[int, str, str]] = []
        facts: list[tuple[int, str, str]] = []
        for i in range(args.docs):
            code = f"zq{i:05d}x"
            hours = rng.randint(2, 96)
            body = document(rng, vocab, args.doc_kb * 1000, code, hours)
            docs.append((i % args.characters, f"doc-{i}.txt", body))
            facts.append((i % args.characters, code, f"doc-{i}"))
        limits = KnowledgeLimits(inline_chunks=10**9, max_documents=10**9, max_total_bytes=2**62)
        seconds, chunks, size = await ingest_all(maker, chars, docs, limits)
        backend = engine.dialect.name
        print(f"backend: {backend}; {args.docs} docs x ~{args.doc_kb} KB over "
              f"{args.characters} characters")  # fmt: skip
        print(
            f"ingestion: {args.docs / seconds:.1f} docs/s, {chunks / seconds:.0f} chunks/s, "
            f"{size / 2**20 / seconds:.2f} MiB/s ({chunks} chunks, {seconds:.2f} s)"
        )
        picks = [facts[rng.randrange(len(facts))] for _ in range(args.queries)]
        questions = [
            (chars[c].id, f"How often does the {code} gateway rotate its keys?", title)
            for c, code, title in picks
        ]
        async with engine.connect() as conn:  # fresh planner statistics, as autovacuum would
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))
        searches: dict[str, Callable[[uuid.UUID, str], Awaitable[list[dict[str, Any]]]]] = {
            "fts": lambda c, q: kb_search(maker, c, q, 5),
            "like-first": lambda c, q: like_search(maker, c, q, 5, ranked=False),
            "like-ranked": lambda c, q: like_search(maker, c, q, 5, ranked=True),
        }
        for cid, q, _ in questions[:20]:  # warm caches for each
            for search in searches.values():
                await search(cid, q)
        results = {name: await time_queries(fn, questions) for name, fn in searches.items()}
        print(f"\n{'search':<12}{'p50 ms':>8}{'p95 ms':>8}{'mean ms':>9}{'hit@1':>7}{'hit@5':>7}")
        for name, (lat, h1, h5) in results.items():
            print(
                f"{name:<12}{pct(lat, 0.5):>8.2f}{pct(lat, 0.95):>8.2f}"
                f"{statistics.fmean(lat):>9.2f}{h1:>7.0%}{h5:>7.0%}"
            )
        if not args.skip_big:
            await big_document(maker, chars[0])
    finally:
        await engine.dispose()
        if pg_name:
            admin = create_engine(PG_ADMIN)
            async with admin.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            await admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--doc-kb", type=int, default=20, help="size of each document in KB")
    ap.add_argument("--characters", type=int, default=10)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pg", action="store_true", help=f"use PostgreSQL ({PG_ADMIN})")
    ap.add_argument("--skip-big", action="store_true", help="skip the 10 MB document")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
