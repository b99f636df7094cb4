"""Request and response bodies of the knowledge-base API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TextDocumentIn(BaseModel):
    """A document sent as JSON text instead of a file upload."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1)
    format: Literal["text", "markdown", "html"] = "text"
    """How to read ``text``: plain paragraphs, Markdown headings, or HTML."""


class DocumentOut(BaseModel):
    id: uuid.UUID
    title: str
    filename: str
    content_type: str
    size: int = Field(description="Bytes uploaded")
    status: Literal["processing", "ready", "failed"]
    progress: int = Field(description="0-100: share of the chunks indexed so far")
    chunk_count: int = Field(description="Chunks indexed so far")
    total_chunks: int
    char_count: int = Field(description="Characters of text extracted")
    page_count: int | None = None
    error: str | None = Field(default=None, description="Why ingestion failed")
    created_at: datetime
    updated_at: datetime


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(max_length=4000)
    top_k: int = Field(default=5, ge=1, le=50)


class PassageOut(BaseModel):
    document_id: uuid.UUID
    title: str
    chunk_index: int
    heading: str
    page: int | None
    text: str
    score: float
