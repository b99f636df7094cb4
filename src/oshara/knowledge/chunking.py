"""Split extracted blocks into passages of ~500-800 characters for search.

Chunks end on paragraph boundaries where possible, else on sentence boundaries, else on
whitespace. A chunk never spans two headings or two PDF pages (so both are exact);
consecutive chunks of one section overlap by the last sentence (at most ``OVERLAP``
characters) so a fact cut in two is still found whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from oshara.knowledge.extract import Block

MAX_CHARS = 800
MIN_CHARS = 500
OVERLAP = 160
SMALL_RUN = 120

_SENTENCE_END = re.compile(r"(?<=[.!?;:\u3002\uff01\uff1f])\s+(?=\S)")


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    heading: str
    page: int | None
    start: int
    """Offset of the chunk's first character in the document's extracted text."""
    end: int


@dataclass
class _Unit:
    text: str
    start: int
    joiner: str  # how it attaches to the previous unit of the same chunk


def _split_long(text: str, start: int, limit: int) -> Iterator[_Unit]:
    """Sentences of ``text``; sentences over ``limit`` are cut at whitespace (or hard).

    Works on offsets (no re-slicing of the remainder), so it is linear in ``len(text)``.
    """
    if len(text) <= limit:
        yield _Unit(text, start, "\n\n")
        return
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in _SENTENCE_END.finditer(text):
        if spans and match.start() - spans[-1][0] <= SMALL_RUN:
            spans[-1] = (spans[-1][0], match.start())  # keep tiny sentences together
        else:
            spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    joiner = "\n\n"
    for lo, hi in spans:
        while hi - lo > limit:
            cut = text.rfind(" ", lo + limit // 2, lo + limit)
            cut = cut if cut > lo else lo + limit
            yield _Unit(text[lo:cut], start + lo, joiner)
            joiner = " "
            lo = cut
            while lo < hi and text[lo].isspace():
                lo += 1
        if hi > lo:
            yield _Unit(text[lo:hi], start + lo, joiner)
            joiner = " "


def _tail(text: str) -> str:
    """The overlap carried into the next chunk: its last sentence, if short enough."""
    sentences = _SENTENCE_END.split(text[-(OVERLAP * 2) :])
    last = sentences[-1] if sentences else ""
    if 0 < len(last) <= OVERLAP and last != text:
        return last
    if len(text) <= OVERLAP:
        return ""
    piece = text[-OVERLAP:]
    space = piece.find(" ")
    return piece[space + 1 :] if 0 <= space < OVERLAP // 2 else ""


def chunk_blocks(blocks: Iterable[Block], max_chars: int = MAX_CHARS) -> list[Chunk]:
    """Chunks in document order, each with its heading, page and source offsets."""
    chunks: list[Chunk] = []
    parts: list[str] = []
    size = 0
    start = end = 0
    heading = ""
    page: int | None = None
    offset = 0  # position in the extracted text ("\n\n".join(block texts))

    def flush(carry: bool) -> str:
        nonlocal parts, size
        text = "".join(parts).strip()
        parts, size = [], 0
        if not text:
            return ""
        chunks.append(Chunk(len(chunks), text, heading, page, start, end))
        return _tail(text) if carry else ""

    for block in blocks:
        if block.heading != heading or block.page != page:
            # New section or PDF page: start a new chunk, so headings and pages are exact.
            flush(carry=False)
            heading, page = block.heading, block.page
        for unit in _split_long(block.text, offset, max_chars - OVERLAP):
            joiner = unit.joiner if parts else ""
            paragraph_start = unit.joiner == "\n\n"
            # Prefer ending at a paragraph boundary once the chunk is big enough.
            full = size + len(joiner) + (len(block.text) if paragraph_start else len(unit.text))
            if parts and (
                size + len(joiner) + len(unit.text) > max_chars
                or (paragraph_start and size >= MIN_CHARS and full > max_chars)
            ):
                carried = flush(carry=True)
                joiner = ""
                if carried:
                    parts, size = [carried], len(carried)
                    start = max(0, end - len(carried))
                    joiner = " "
            if not parts:
                start = unit.start
            parts.append(joiner + unit.text)
            size += len(joiner) + len(unit.text)
            end = unit.start + len(unit.text)
        offset += len(block.text) + 2
    flush(carry=False)
    return chunks
