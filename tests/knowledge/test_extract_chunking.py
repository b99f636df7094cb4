"""Type detection, decoding, HTML/Markdown/PDF extraction and chunking (no database)."""

from __future__ import annotations

import codecs
import itertools
import random
import time

import pytest

from oshara.knowledge.chunking import MAX_CHARS, chunk_blocks
from oshara.knowledge.extract import (
    Block,
    ExtractError,
    decode_text,
    defuse_html,
    detect_kind,
    extract,
    extract_html,
    extract_markdown,
    extract_pdf,
)

from .kbutil import text_pdf

FAR = time.monotonic() + 3600


@pytest.mark.parametrize(
    ("name", "data", "declared", "kind"),
    [
        ("a.txt", b"hello", "", "text"),
        ("A.TXT", b"hello", "", "text"),
        ("notes.md", b"# hi", "", "markdown"),
        ("notes.markdown", b"# hi", "", "markdown"),
        ("page.htm", b"<p>x", "", "html"),
        ("doc.pdf", b"%PDF-1.4 ...", "", "pdf"),
        ("doc.pdf", b"\n\n junk %PDF-1.4", "", "pdf"),
        ("", b"plain words", "text/plain", "text"),
        ("", b"# hi", "text/markdown; charset=utf-8", "markdown"),
        ("", b"%PDF-1.7", "", "pdf"),
        ("", b"hello", "application/octet-stream", "text"),
        ("README", b"hello", "", "text"),
    ],
)
def test_detect_kind(name: str, data: bytes, declared: str, kind: str) -> None:
    assert detect_kind(data, name, declared) == kind


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("a.zip", b"PK\x03\x04", "ZIP archive"),
        ("a.docx", b"PK\x03\x04", "Word"),
        ("a.epub", b"x", "EPUB"),
        ("a.csv", b"a,b", "'.csv' is not supported"),
        ("a.txt", b"PK\x03\x04rest", "ZIP"),
        ("a.txt", b"\x1f\x8b\x08", "gzip"),
        ("a.html", b"\x89PNG\r\n\x1a\n", "PNG"),
        ("a.md", b"%PDF-1.4", "is a PDF"),
        ("a.pdf", b"hello", "no %PDF- header"),
        ("a.pdf", b"PK\x03\x04", "ZIP"),
    ],
)
def test_detect_kind_refusals(name: str, data: bytes, words: str) -> None:
    with pytest.raises(ExtractError, match=words):
        detect_kind(data, name)


def test_decode_text() -> None:
    assert decode_text("héllo".encode()) == "héllo"
    assert decode_text(codecs.BOM_UTF8 + "héllo".encode()) == "héllo"
    assert decode_text(codecs.BOM_UTF16_LE + "héllo".encode("utf-16-le")) == "héllo"
    assert decode_text(codecs.BOM_UTF16_BE + "héllo".encode("utf-16-be")) == "héllo"
    with pytest.raises(ExtractError, match=r"not valid UTF-8 \(invalid byte 0xe9 at position 1"):
        decode_text("héllo".encode("latin-1"))
    with pytest.raises(ExtractError, match="NUL"):
        decode_text(b"a\x00b")
    with pytest.raises(ExtractError, match="UTF-16"):
        decode_text(codecs.BOM_UTF16_LE + b"\x00\xd8")  # a lone surrogate


def test_html_extraction() -> None:
    html = """<!DOCTYPE html><html><head><title>Guide &amp; FAQ</title>
    <meta charset="utf-8"><style>p { color: red }</style>
    <script type="module">if (a < b) { document.write("<p>hidden</p>") }</script>
    <body><header><nav>Menu</nav></header>
    <h1>Getting <em>started</em></h1><p>Plug the robot in.<br>Wait 5 < 6 minutes.</p>
    <!-- a comment --><![CDATA[cdata text]]>
    <table><tr><td>Cell A</td><td>Cell B</td></tr></table>
    <h2>Cleaning</h2><ul><li>Empty the bin</li><li>Wipe the sensors &#x2014; gently</li></ul>
    <template><p>template text</p></template><svg><text>svg text</text></svg>
    </body></html>"""
    out = extract_html(html, FAR)
    assert out.title == "Guide & FAQ"
    texts = [(b.heading, b.text) for b in out.blocks]
    assert ("", "Menu") in texts
    assert ("Getting started", "Plug the robot in.") in texts
    assert ("Getting started", "Wait 5 < 6 minutes.") in texts
    assert ("Cleaning", "Wipe the sensors — gently") in texts
    joined = " ".join(t for _, t in texts)
    for hidden in ("hidden", "color", "comment", "template text", "svg text", "document"):
        assert hidden not in joined
    assert "cdata text" in joined
    assert ("Getting started", "Cell A Cell B") in texts


def test_html_without_closing_head_still_has_a_body() -> None:
    out = extract_html("<html><head><title>T</title><p>Body text", FAR)
    assert [b.text for b in out.blocks] == ["Body text"] and out.title == "T"
    out = extract_html("<title>Unclosed title<p>Body text</p>", FAR)
    assert [b.text for b in out.blocks] == ["Body text"] and out.title == "Unclosed title"


def test_defuse_html_is_linear() -> None:
    for hostile in ("<a " * 200_000, "<" * 600_000, "<!--" * 150_000, "<![CDATA[" * 70_000):
        started = time.monotonic()
        defuse_html(hostile)
        assert time.monotonic() - started < 2.0
    assert defuse_html("<p title='a'>x</p><!-- c -->y") == "<p title='a'>x</p>y"
    assert "<" not in defuse_html("1 < 2 <3 <a <b").replace("\ue000", "")


def test_markdown_extraction() -> None:
    md = (
        "Intro line\n\nTitle\n=====\n\nFirst [link text](https://x.example) and "
        "![an image](i.png).\n\n## Sub ##\n\n```\n# not a heading\ncode\n```\n\nLast para.\n"
    )
    out = extract_markdown(md)
    assert out.title == "Title"
    assert [(b.heading, b.text) for b in out.blocks] == [
        ("", "Intro line"),
        ("Title", "First link text and an image."),
        ("Sub", "# not a heading\ncode"),
        ("Sub", "Last para."),
    ]


def test_pdf_extraction_keeps_pages_and_title() -> None:
    data = text_pdf([["First page text."], ["Second page text."]], title="Handbook")
    out = extract_pdf(data, max_pages=10, max_chars=10_000, max_stream_bytes=1 << 20, deadline=FAR)
    assert out.title == "Handbook" and out.page_count == 2
    assert [(b.page, b.text) for b in out.blocks] == [
        (1, "First page text."),
        (2, "Second page text."),
    ]
    with pytest.raises(ExtractError, match="3 pages; the limit is 2"):
        extract_pdf(
            text_pdf([["a"], ["b"], ["c"]]),
            max_pages=2,
            max_chars=100,
            max_stream_bytes=1 << 20,
            deadline=FAR,
        )
    with pytest.raises(ExtractError, match="more than 10 characters"):
        extract_pdf(
            text_pdf([["a long line of text"]]),
            max_pages=2,
            max_chars=10,
            max_stream_bytes=1 << 20,
            deadline=FAR,
        )


def test_extract_limits_characters_of_text() -> None:
    with pytest.raises(ExtractError, match="more than 5 characters"):
        extract(
            b"abcdefgh",
            "text",
            max_pages=1,
            max_chars=5,
            max_stream_bytes=1,
            deadline=FAR,
        )


def _random_blocks(seed: int) -> list[Block]:
    rng = random.Random(seed)
    words = [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
    ]
    blocks = []
    for section in range(5):
        for _ in range(rng.randint(1, 8)):
            sentences = [
                " ".join(rng.choice(words) for _ in range(rng.randint(3, 30))) + "."
                for _ in range(rng.randint(1, 12))
            ]
            blocks.append(Block(" ".join(sentences), heading=f"Section {section}"))
    blocks.append(Block("x" * 2500, heading="Section 9"))
    return blocks


@pytest.mark.parametrize("seed", range(5))
def test_chunks_respect_size_headings_and_offsets(seed: int) -> None:
    blocks = _random_blocks(seed)
    source = "\n\n".join(b.text for b in blocks)
    chunks = chunk_blocks(blocks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert 0 < len(c.text) <= MAX_CHARS
        assert source[c.start : c.start + 12] == c.text[:12]  # the position points at it
        assert source[c.end - 12 : c.end] == c.text[-12:]
        # Every word of the chunk comes from one section.
        assert c.heading in {b.heading for b in blocks if c.text[:12] in b.text}
    sizes = [len(c.text) for c in chunks]
    assert sum(sizes) / len(sizes) > 400
    # A word-less run is cut hard; nothing is lost anywhere.
    assert "".join(c.text for c in chunks if c.heading == "Section 9") == "x" * 2500
    words_seen = set()
    for c in chunks:
        words_seen.update(c.text.split())
    assert words_seen >= set(" ".join(b.text for b in blocks[:-1]).split())


def test_chunks_overlap_within_a_section() -> None:
    sentences = [f"Sentence number {i} talks about topic {i * 7}." for i in range(60)]
    chunks = chunk_blocks([Block(" ".join(sentences), heading="H")])
    assert len(chunks) >= 3
    for prev, nxt in itertools.pairwise(chunks):
        last = prev.text.rsplit(". ", 1)[-1]
        assert nxt.text.startswith(last), (prev.text[-80:], nxt.text[:80])
        assert len(last) <= 160
