"""Turn an uploaded file into text blocks: type detection, decoding, plain text, Markdown,
and dispatch to the HTML (``htmltext.py``) and PDF (``pdftext.py``) extractors.

Everything here is pure and synchronous. HTML and PDF run in a separate, resource-limited
process (``sandbox.py``); plain text and Markdown are decoded in-process (linear and bounded
by the upload size).
"""

from __future__ import annotations

import codecs
import re

from oshara.knowledge.htmltext import defuse_html, extract_html
from oshara.knowledge.pdftext import extract_pdf
from oshara.knowledge.textblocks import (
    Block,
    Extracted,
    ExtractError,
    Kind,
    clean,
    paragraphs,
)

__all__ = [
    "CONTENT_TYPES",
    "Block",
    "ExtractError",
    "Extracted",
    "Kind",
    "decode_text",
    "defuse_html",
    "detect_kind",
    "extract",
    "extract_html",
    "extract_markdown",
    "extract_pdf",
    "extract_plain",
]

CONTENT_TYPES: dict[Kind, str] = {
    "text": "text/plain",
    "markdown": "text/markdown",
    "html": "text/html",
    "pdf": "application/pdf",
}
EXTENSIONS: dict[str, Kind] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}
SUPPORTED = ".txt, .md, .html, .pdf"
_DECLARED: dict[str, Kind] = {
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
}
# Formats we refuse outright, by extension (archives are never opened: no zip bombs).
_REFUSED_EXTENSIONS = {
    ".zip": "a ZIP archive",
    ".docx": "a Word document (a ZIP archive)",
    ".xlsx": "an Excel workbook (a ZIP archive)",
    ".pptx": "a PowerPoint file (a ZIP archive)",
    ".odt": "an OpenDocument file (a ZIP archive)",
    ".epub": "an EPUB book (a ZIP archive)",
    ".doc": "a legacy Word document",
    ".rtf": "an RTF document",
    ".gz": "a gzip archive",
    ".tar": "a tar archive",
    ".7z": "a 7-Zip archive",
    ".rar": "a RAR archive",
}
_MAGIC: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "a ZIP archive (.zip, .docx, .xlsx, .epub …)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"PK\x07\x08", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x7fELF", "an executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office document"),
    (b"{\\rtf", "an RTF document"),
]


def _ext(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
    return "." + name.rsplit(".", 1)[1] if "." in name.lstrip(".") else ""


def _magic(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    return None


def _is_pdf(data: bytes) -> bool:
    # The header may follow a little junk (readers tolerate up to 1024 bytes).
    return b"%PDF-" in data[:1024]


def detect_kind(data: bytes, filename: str, declared: str = "") -> Kind:
    """Which extractor to use. Refuses unsupported types and extension/content mismatches."""
    ext = _ext(filename)
    if ext in _REFUSED_EXTENSIONS:
        raise ExtractError(
            f"{filename!r} is {_REFUSED_EXTENSIONS[ext]}, which is not supported; "
            f"upload {SUPPORTED} files"
        )
    if ext:
        if ext not in EXTENSIONS:
            raise ExtractError(f"File type {ext!r} is not supported; upload {SUPPORTED} files")
        kind = EXTENSIONS[ext]
    else:
        base = declared.split(";", 1)[0].strip().lower()
        kind = _DECLARED.get(base) or ("pdf" if _is_pdf(data) else "text")
    shown = filename or "The document"
    if kind == "pdf":
        if not _is_pdf(data):
            found = _magic(data)
            raise ExtractError(
                f"{shown!r} is not a PDF: "
                + (f"it looks like {found}" if found else "it has no %PDF- header")
            )
        return kind
    found = _magic(data)
    if found:
        raise ExtractError(f"{shown!r} looks like {found}, not {kind} text")
    if data[:5] == b"%PDF-":
        raise ExtractError(f"{shown!r} is a PDF file; upload it with a .pdf name")
    return kind


# --- text decoding -----------------------------------------------------------------------

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def decode_text(data: bytes, name: str = "The document") -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is refused."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ExtractError(
                    f"{name} starts with a {encoding.upper()} byte-order mark but is not valid "
                    f"{encoding.upper()} (at byte {exc.start})"
                ) from exc
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ExtractError(
                f"{name} is not valid UTF-8 (invalid byte 0x{data[exc.start]:02x} at position "
                f"{exc.start}); save it as UTF-8"
            ) from exc
    if "\x00" in text:
        raise ExtractError(f"{name} contains NUL bytes; it looks like a binary file, not text")
    return text


def extract_plain(text: str) -> Extracted:
    return Extracted("text", blocks=[Block(p) for p in paragraphs(text)])


# --- Markdown ----------------------------------------------------------------------------

# Patterns are written so no input can make them backtrack (character classes exclude the
# delimiters that end them): every one is linear in the length of a line.
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\([^()\n]*\)")
_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\n]*\)")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def _atx_text(raw: str) -> str:
    """Heading text without an optional closing ``###`` sequence (CommonMark)."""
    text = raw.strip()
    bare = text.rstrip("#")
    if not bare or bare[-1] in " \t":
        text = bare
    return text.strip()


def extract_markdown(text: str) -> Extracted:
    """Paragraphs under their nearest heading; links and images keep only their text."""
    lines = clean(text).split("\n")
    out = Extracted("markdown")
    heading = ""
    para: list[str] = []

    def flush() -> None:
        joined = "\n".join(ln.strip() for ln in para if ln.strip())
        para.clear()
        if joined:
            joined = _LINK.sub(r"\1", _IMAGE.sub(r"\1", joined))
            out.blocks.append(Block(joined, heading))

    in_fence = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            para.append(line)
            continue
        atx = _ATX.match(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if atx:
            flush()
            heading = _atx_text(atx.group(2) or "")[:300]
            out.title = out.title or heading
        elif line.strip() and len(para) == 0 and _SETEXT.match(nxt) and not _SETEXT.match(line):
            flush()
            heading = line.strip()[:300]
            out.title = out.title or heading
        elif _SETEXT.match(line) and heading and not para:
            continue  # the underline of a setext heading
        elif not line.strip():
            flush()
        else:
            para.append(line)
    flush()
    return out


def extract(
    data: bytes,
    kind: Kind,
    *,
    max_pages: int,
    max_chars: int,
    max_stream_bytes: int,
    deadline: float,
    name: str = "The document",
) -> Extracted:
    """Run the extractor for ``kind``; raises ``ExtractError`` with a user-facing reason."""
    if kind == "pdf":
        result = extract_pdf(
            data,
            max_pages=max_pages,
            max_chars=max_chars,
            max_stream_bytes=max_stream_bytes,
            deadline=deadline,
        )
    else:
        text = decode_text(data, name)
        if len(text) > max_chars:
            raise ExtractError(f"{name} holds more than {max_chars} characters; split it")
        if kind == "html":
            result = extract_html(text, deadline)
        elif kind == "markdown":
            result = extract_markdown(text)
        else:
            result = extract_plain(text)
    if any("\x00" in b.text for b in result.blocks):
        raise ExtractError(f"{name} contains NUL characters")
    if result.char_count == 0:
        if kind == "pdf":
            raise ExtractError(
                "The PDF contains no extractable text (scanned PDFs would need OCR, "
                "which is not supported)"
            )
        raise ExtractError(f"{name} contains no text")
    return result
