"""HTML → text blocks with the standard library's ``html.parser``, made safe for hostile input."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

from oshara.knowledge.textblocks import Block, Extracted, ExtractError, clean

_SKIP = {"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "head"}
_BLOCK = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "tbody", "tfoot", "thead", "tr", "ul", "body", "caption",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _TextParser(HTMLParser):
    def __init__(self, deadline: float) -> None:
        super().__init__(convert_charrefs=True)
        self.deadline = deadline
        self.skip: list[str] = []
        self.in_title = False
        self.title_parts: list[str] = []
        self.in_heading = False
        self.heading_parts: list[str] = []
        self.heading = ""
        self.current: list[str] = []
        self.blocks: list[Block] = []
        self.calls = 0
        self.elements = 0

    def _tick(self) -> None:
        self.calls += 1
        if self.calls % 4096 == 0 and time.monotonic() > self.deadline:
            raise ExtractError("The HTML document took too long to process")

    def _flush(self) -> None:
        if not self.current:
            return
        text = " ".join("".join(self.current).split()).replace(_LT, "<")
        self.current.clear()
        if text:
            self.blocks.append(Block(text, self.heading))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tick()
        self.elements += 1
        if self.elements > MAX_HTML_ELEMENTS:
            raise ExtractError(f"The HTML has more than {MAX_HTML_ELEMENTS} elements")
        if tag == "title" and not self.title_parts:
            self.in_title = True
        if tag in _BLOCK or tag in _HEADINGS:
            self.in_title = False  # an unclosed <title> ends where the body starts
            if self.skip == ["head"]:
                self.skip.clear()  # "</head>" may be omitted: the body has started
        if tag in _SKIP:
            if tag != "head" or not self.skip:
                self.skip.append(tag)
            return
        if self.skip:
            return
        if tag in _HEADINGS:
            self._flush()
            self.in_heading = True
            self.heading_parts.clear()
        elif tag in _BLOCK:
            if self.in_heading:
                self.heading_parts.append(" ")
            else:
                self._flush()
        elif tag in ("td", "th"):
            self.current.append(" ")  # the cells of a row stay one line

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK and not self.skip:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        self._tick()
        if tag == "title":
            self.in_title = False
        if self.skip:
            if tag in self.skip:
                while self.skip and self.skip.pop() != tag:
                    pass
            return
        if tag in _HEADINGS and self.in_heading:
            self.in_heading = False
            heading = " ".join("".join(self.heading_parts).split())
            self.heading = heading.replace(_LT, "<")[:300]
        elif tag in _BLOCK and tag not in _VOID:
            self._flush()

    def handle_data(self, data: str) -> None:
        self._tick()
        if self.in_title:
            self.title_parts.append(data)
            return
        if self.skip:
            return
        (self.heading_parts if self.in_heading else self.current).append(data)


_TAG_START = re.compile(r"</?[A-Za-z]")
_STRAY_LT = re.compile(r"<(?![!?/A-Za-z])")
MAX_TAG_CHARS = 8192
MAX_HTML_ELEMENTS = 500_000
_LT = "\ue000"  # a literal "<" in text, restored after parsing (cheaper than "&lt;")


def defuse_html(html: str) -> str:
    """Rewrite ``html`` so ``html.parser`` only ever sees complete, bounded constructs.

    ``html.parser`` rescans unterminated comments, CDATA sections, declarations and tags, which
    makes some small inputs take minutes or gigabytes. In one linear pass: comments,
    declarations and processing instructions are dropped (up to their end, or the end of the
    input if unterminated), CDATA becomes escaped text, a tag is kept only if it closes within
    ``MAX_TAG_CHARS`` with no ``<`` inside, and every other ``<`` is text (a placeholder,
    restored after parsing).
    """
    html = _STRAY_LT.sub(_LT, html)  # "<" that cannot start any markup, at C speed
    out: list[str] = []
    n = len(html)
    i = 0
    next_gt = next_lt = -1  # cursors: both only move forward, so the pass is linear
    while i < n:
        j = html.find("<", i)
        if j < 0:
            out.append(html[i:])
            break
        out.append(html[i:j])
        if html.startswith("<!--", j):
            k = html.find("-->", j + 4)
            i = n if k < 0 else k + 3
        elif html.startswith("<![CDATA[", j):
            k = html.find("]]>", j + 9)
            end = n if k < 0 else k
            out.append(html[j + 9 : end].replace("&", "&amp;").replace("<", _LT))
            i = n if k < 0 else k + 3
        elif html.startswith(("<!", "<?"), j):
            k = html.find(">", j + 2)
            i = n if k < 0 else k + 1
        else:
            if next_gt <= j:
                next_gt = html.find(">", j + 1)
                next_gt = n if next_gt < 0 else next_gt
            if next_lt <= j:
                next_lt = html.find("<", j + 1)
                next_lt = n if next_lt < 0 else next_lt
            if (
                _TAG_START.match(html, j)
                and next_gt < n
                and next_gt - j <= MAX_TAG_CHARS
                and next_lt > next_gt
            ):
                out.append(html[j : next_gt + 1])
                i = next_gt + 1
            else:
                out.append(_LT)
                i = j + 1
    return "".join(out)


def extract_html(text: str, deadline: float) -> Extracted:
    """Visible text by block, under the nearest ``h1``-``h6``; scripts and styles dropped."""
    parser = _TextParser(deadline)
    parser.feed(defuse_html(clean(text)))
    parser.close()
    parser._flush()
    title = " ".join("".join(parser.title_parts).split()).replace(_LT, "<")[:300]
    return Extracted("html", title=title, blocks=parser.blocks)
