"""PDF → text blocks with pypdf, under decompression, page-tree and text limits."""

from __future__ import annotations

import io
import re
import time
import unicodedata
from typing import Any

from oshara.knowledge.textblocks import CONTROL, Block, Extracted, ExtractError, paragraphs

_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")


def _pdf_blocks(text: str, page: int) -> list[Block]:
    text = unicodedata.normalize("NFKC", text.replace("\x00", ""))
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    return [Block(" ".join(p.split()), page=page) for p in paragraphs(text)]


def extract_pdf(
    data: bytes, *, max_pages: int, max_chars: int, max_stream_bytes: int, deadline: float
) -> Extracted:
    """Text of every page, under pypdf's decompression and parsing limits."""
    from pypdf import PasswordType, PdfReader, apply_configuration
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PyPdfError

    limits: dict[str, Any] = {
        "maximum_declared_stream_length": max_stream_bytes,
        "array_based_stream_maximum_output_length": max_stream_bytes,
        "jbig2_maximum_output_length": max_stream_bytes,
        "lzw_maximum_output_length": max_stream_bytes,
        "run_length_maximum_output_length": max_stream_bytes,
        "zlib_maximum_output_length": max_stream_bytes,
        "brotli_maximum_output_length": max_stream_bytes,
        "stream_decoding_work_maximum_length": 4 * max_stream_bytes,
        # Page-tree nodes (pages plus intermediate nodes) and dictionary entries copied
        # while flattening it (inherited attributes): bounded by the page limit.
        "page_tree_maximum_entries": 2 * max_pages + 16,
        "page_tree_maximum_page_entries": 64 * max_pages,
        "xform_maximum_invocations_per_extraction": 500,
        "jbig2dec_binary": None,
    }
    out = Extracted("pdf")
    try:
        with apply_configuration(**limits):
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except (PyPdfError, NotImplementedError, ValueError) as exc:
                    raise ExtractError(f"The PDF uses unsupported encryption: {exc}") from exc
                if opened == PasswordType.NOT_DECRYPTED:
                    raise ExtractError(
                        "The PDF is password-protected; upload a version without a password"
                    )
            declared = _declared_pages(reader)
            if declared is not None and declared > max_pages:
                raise ExtractError(f"The PDF has {declared} pages; the limit is {max_pages}")
            count = len(reader.pages)
            if count > max_pages:
                raise ExtractError(f"The PDF has {count} pages; the limit is {max_pages}")
            out.page_count = count
            out.title = _pdf_title(reader)
            chars = 0
            budget = _DecodeBudget(8 * max_stream_bytes)
            for number, page in enumerate(reader.pages, start=1):
                if time.monotonic() > deadline:
                    raise ExtractError("The PDF took too long to process")
                # Decode the page's content streams first (pypdf caches the result): a stream
                # over the limits raises here, where pypdf's text extraction would swallow it.
                budget.decode(page.get("/Contents"))
                text = page.extract_text() or ""
                chars += len(text)
                if chars > max_chars:
                    raise ExtractError(
                        f"The PDF holds more than {max_chars} characters of text; split it"
                    )
                out.blocks.extend(_pdf_blocks(text, number))
    except ExtractError:
        raise
    except LimitReachedError as exc:
        raise ExtractError(f"The PDF exceeds a safety limit and was refused ({exc})") from exc
    except FileNotDecryptedError as exc:
        raise ExtractError("The PDF is password-protected") from exc
    except RecursionError as exc:
        raise ExtractError("The PDF is nested too deeply to read") from exc
    except MemoryError as exc:
        raise ExtractError("The PDF needs too much memory to read") from exc
    except Exception as exc:  # pypdf raises many types on malformed input
        raise ExtractError(f"The PDF could not be read: {type(exc).__name__}: {exc}"[:300]) from exc
    return out


class _DecodeBudget:
    """Total decompressed bytes of page content across the document (each stream once)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.seen: set[int] = set()

    def decode(self, contents: Any) -> None:
        if contents is None:
            return
        contents = contents.get_object()
        streams = list(contents) if isinstance(contents, list) else [contents]
        for ref in streams[:1000]:
            obj = ref.get_object()
            if id(obj) in self.seen or not hasattr(obj, "get_data"):
                continue
            self.seen.add(id(obj))
            self.used += len(obj.get_data())
            if self.used > self.limit:
                raise ExtractError(
                    f"The PDF's pages decompress to more than {self.limit // (1024 * 1024)} MiB "
                    "of content; it was refused"
                )


def _declared_pages(reader: object) -> int | None:
    try:
        count = reader.trailer["/Root"]["/Pages"]["/Count"]  # type: ignore[attr-defined]
        return int(count)
    except Exception:  # a missing or odd /Count is left to the page-tree walk
        return None


def _pdf_title(reader: object) -> str:
    try:
        meta = reader.metadata  # type: ignore[attr-defined]
        title = str(meta.title or "") if meta is not None else ""
    except Exception:  # metadata is optional and often malformed
        return ""
    title = " ".join(CONTROL.sub(" ", title.replace("\x00", "")).split())
    return title[:300]
