"""Knowledge base: documents uploaded per character and the chunks they are searched by.

Search indexes live beside the tables (see the ``knowledge base`` migration):
SQLite keeps an FTS5 external-content table ``knowledge_chunks_fts`` filled by triggers;
PostgreSQL keeps a ``tsvector`` in ``knowledge_chunks.search_vector`` with a GIN index.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from oshara.db.base import Base, IdTimestamps


class TSVectorType(TypeDecorator[Any]):
    """``tsvector`` on PostgreSQL; an always-NULL text column on SQLite (FTS5 is used there)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(TSVECTOR())
        return dialect.type_descriptor(Text())


class DocumentStatus:
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class KnowledgeDocument(IdTimestamps, Base):
    __tablename__ = "knowledge_documents"
    __table_args__ = (
        Index("ix_knowledge_documents_character_id_sha256", "character_id", "sha256"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    character_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("characters.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    char_count: Mapped[int] = mapped_column(Integer, default=0)
    page_count: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[str] = mapped_column(String(20), default=DocumentStatus.PROCESSING)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    """0-100: the share of chunks indexed so far."""
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    """Chunks indexed so far (equals ``total_chunks`` once ready)."""
    total_chunks: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    ts_config: Mapped[str] = mapped_column(String(32), default="simple")
    """PostgreSQL text-search configuration the chunks were indexed with (from the language)."""


class KnowledgeChunk(Base):
    __tablename__ = "knowledge_chunks"
    __table_args__ = (
        UniqueConstraint("document_id", "chunk_index"),
        # GIN on PostgreSQL. SQLite gets a plain index over an always-NULL column (a few bytes
        # a row), which keeps autogenerate quiet on both backends.
        Index("ix_knowledge_chunks_search_vector", "search_vector", postgresql_using="gin"),
    )

    # An integer key: FTS5 external-content tables address rows by rowid.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("knowledge_documents.id", ondelete="CASCADE")
    )
    character_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("characters.id", ondelete="CASCADE"), index=True
    )
    chunk_index: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(String(300), default="")
    page: Mapped[int | None] = mapped_column(Integer, default=None)
    start_offset: Mapped[int] = mapped_column(Integer, default=0)
    end_offset: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    search_vector: Mapped[Any] = mapped_column(TSVectorType(), default=None, nullable=True)
