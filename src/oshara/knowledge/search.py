"""Full-text search over a character's chunks: SQLite FTS5 (BM25) or PostgreSQL (ts_rank_cd).

Queries come from an LLM or a person in natural language. They are reduced to plain word
terms (no operators survive), stopwords are dropped, and the terms are ORed, so no query can
raise a syntax error and a question finds passages sharing its important words. Only
documents whose ingestion finished (``status = ready``) are searched.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import Float, and_, bindparam, cast, func, literal, select, text
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oshara.knowledge.models import DocumentStatus, KnowledgeChunk, KnowledgeDocument

MAX_TERMS = 32
MAX_TERM_CHARS = 64
MAX_TOP_K = 50

_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS_TEXT = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself
    yourselves tell please know want need get got let like also may might must shall us
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

# PostgreSQL text-search configurations by language prefix (all built into PostgreSQL).
_TS_CONFIGS = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french",
    "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "nl": "dutch", "no": "norwegian",
    "nb": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip


def ts_config_for(language: str) -> str:
    """The PostgreSQL text-search configuration for a BCP 47 tag (``simple`` if unknown)."""
    return _TS_CONFIGS.get(language.split("-", 1)[0].split("_", 1)[0].lower(), "simple")


def query_terms(query: str) -> list[str]:
    """Plain lowercase word terms of ``query``: deduplicated, stopwords dropped (unless the
    query is nothing but stopwords), at most ``MAX_TERMS``."""
    words: list[str] = []
    seen: set[str] = set()
    for match in _WORD.finditer(query[:4000].lower()):
        word = match.group(0).strip("_")[:MAX_TERM_CHARS]
        if word and word not in seen:
            seen.add(word)
            words.append(word)
    content = [w for w in words if w not in STOPWORDS]
    return (content or words)[:MAX_TERMS]


def fts5_match(terms: list[str], character_id: uuid.UUID) -> str:
    """An FTS5 MATCH expression: this character's rows having any of the terms.

    Every term is a quoted string (``"`` doubled), so FTS5 sees no operators, prefixes or
    column filters from the query.
    """
    quoted = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
    return f'character_id : "{character_id.hex}" AND ({quoted})'


async def search_session(
    db: AsyncSession, character_id: uuid.UUID, query: str, top_k: int = 5
) -> list[dict[str, Any]]:
    """Best passages for ``query`` in the character's ready documents, best first."""
    terms = query_terms(query)
    top_k = max(1, min(int(top_k), MAX_TOP_K))
    if not terms:
        return []
    if db.get_bind().dialect.name == "postgresql":
        rows = await _search_postgres(db, character_id, terms, top_k)
    else:
        rows = await _search_sqlite(db, character_id, terms, top_k)
    return [
        {
            "document_id": str(row.document_id),
            "title": row.title,
            "chunk_index": row.chunk_index,
            "heading": row.heading,
            "page": row.page,
            "text": row.text,
            "score": round(float(row.score), 6),
        }
        for row in rows
    ]


_SQLITE_SEARCH = text(
    """
    SELECT c.document_id, d.title, c.chunk_index, c.heading, c.page, c.text,
           -bm25(knowledge_chunks_fts, 0.0, 0.5, 1.0) AS score
    FROM knowledge_chunks_fts
    JOIN knowledge_chunks AS c ON c.id = knowledge_chunks_fts.rowid
    JOIN knowledge_documents AS d ON d.id = c.document_id
    WHERE knowledge_chunks_fts MATCH :match AND d.status = :ready
    ORDER BY bm25(knowledge_chunks_fts, 0.0, 0.5, 1.0), c.id
    LIMIT :k
    """
)


async def _search_sqlite(
    db: AsyncSession, character_id: uuid.UUID, terms: list[str], top_k: int
) -> list[Any]:
    params = {
        "match": fts5_match(terms, character_id),
        "ready": DocumentStatus.READY,
        "k": top_k,
    }
    return list((await db.execute(_SQLITE_SEARCH, params)).all())


async def _search_postgres(
    db: AsyncSession, character_id: uuid.UUID, terms: list[str], top_k: int
) -> list[Any]:
    # One tsquery per configuration the character's documents were indexed with (usually
    # one), ORed; plainto_tsquery parses nothing, so no term can be a syntax error.
    configs = (
        await db.scalars(
            select(KnowledgeDocument.ts_config)
            .where(KnowledgeDocument.character_id == character_id)
            .distinct()
        )
    ).all() or ["simple"]
    query: Any = None
    for ci, config in enumerate(sorted(configs)):
        for ti, term in enumerate(terms):
            part = func.plainto_tsquery(
                cast(bindparam(f"cfg{ci}", config), REGCONFIG), bindparam(f"t{ci}_{ti}", term)
            )
            query = part if query is None else query.op("||")(part)
    chunk, doc = KnowledgeChunk, KnowledgeDocument
    score = func.ts_rank_cd(chunk.search_vector, query, literal(0)).cast(Float).label("score")
    stmt = (
        select(
            chunk.document_id,
            doc.title,
            chunk.chunk_index,
            chunk.heading,
            chunk.page,
            chunk.text,
            score,
        )
        .join(doc, doc.id == chunk.document_id)
        .where(
            and_(
                chunk.character_id == character_id,
                doc.status == DocumentStatus.READY,
                chunk.search_vector.op("@@")(query),
            )
        )
        .order_by(score.desc(), chunk.id)
        .limit(top_k)
    )
    return list((await db.execute(stmt)).all())


async def kb_search(
    source: async_sessionmaker[AsyncSession] | AsyncSession,
    character_id: uuid.UUID,
    query: str,
    top_k: int = 5,
) -> list[dict[str, Any]]:
    """The ``kb`` tool: the best passages with their source document's title.

    Each result: ``{document_id, title, chunk_index, heading, page, text, score}`` (higher
    score is better; scores compare within one backend only). Never raises on odd queries.
    """
    if isinstance(source, AsyncSession):
        return await search_session(source, character_id, query, top_k)
    async with source() as db:
        return await search_session(db, character_id, query, top_k)
