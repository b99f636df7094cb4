"""Limits of the knowledge base: upload sizes, per-character quotas, extraction bounds.

Values come from ``Settings`` (``OSHARA_KB_*``) when those fields exist, else the defaults
below. Tests and embedders can put a ``KnowledgeLimits`` on ``app.state.knowledge_limits``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

MIB = 1024 * 1024

UPLOAD_PATH_PATTERN = r"^/api/ai-characters/[^/]+/knowledge/$"
"""Path (regex) of the upload endpoint, for ``BodyLimitMiddleware(overrides=…)``."""

MULTIPART_SLACK = 64 * 1024
"""Room for multipart headers and the ``title`` field on top of the file itself."""


@dataclass(frozen=True)
class KnowledgeLimits:
    max_file_bytes: int = 10 * MIB
    """Largest accepted upload (the file, or the JSON ``text`` encoded as UTF-8)."""
    max_documents: int = 200
    """Documents per character (failed ones count until deleted)."""
    max_total_bytes: int = 200 * MIB
    """Sum of upload sizes per character."""
    max_chars: int = 12_000_000
    """Characters of text extracted from one document (a 10 MiB text file holds up to
    10,485,760; a compressed PDF can hold more text than its size)."""
    max_pdf_pages: int = 2_000
    max_stream_bytes: int = 32 * MIB
    """Decompressed size of any one PDF stream (compression bombs stop here)."""
    extract_timeout_seconds: float = 30.0
    """Wall-clock limit of one extraction; the extractor process is killed after it."""
    extract_memory_bytes: int = 1024 * MIB
    """Address-space limit of the extractor process."""
    max_concurrent_extractions: int = 2
    batch_size: int = 250
    """Chunks written per transaction while indexing; progress is updated after each."""
    inline_chunks: int = 250
    """Documents with at most this many chunks are indexed within the upload request (201);
    larger ones in the background (202, ``status: processing``)."""
    stale_after_seconds: float = 300.0
    """A document still ``processing`` with no progress for this long is marked failed."""

    @classmethod
    def from_settings(cls, settings: Any) -> KnowledgeLimits:
        """Read ``kb_<field>`` attributes from the settings where they exist."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = getattr(settings, f"kb_{f.name}", None)
            if value is not None:
                values[f.name] = value
        return cls(**values)


def body_limit_overrides(limits: KnowledgeLimits) -> dict[str, int]:
    """``BodyLimitMiddleware`` overrides letting uploads through up to the file limit."""
    return {UPLOAD_PATH_PATTERN: limits.max_file_bytes + MULTIPART_SLACK}
