"""Extracted text as blocks, the error every extractor raises, whitespace clean-up."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["text", "markdown", "html", "pdf"]


class ExtractError(Exception):
    """The file cannot be used; the message says why (rendered as a 400)."""


@dataclass
class Block:
    """A paragraph of text with where it came from."""

    text: str
    heading: str = ""
    page: int | None = None


@dataclass
class Extracted:
    kind: Kind
    title: str = ""
    blocks: list[Block] = field(default_factory=list)
    page_count: int | None = None

    @property
    def char_count(self) -> int:
        return sum(len(b.text) for b in self.blocks)


CONTROL = re.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f\u200b\ufeff\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\xa0\u2000-\u200a\u202f\u205f\u3000]+")
_PARAGRAPHS = re.compile(r"\n\s*\n")


def clean(text: str) -> str:
    """Normalise line ends and whitespace; drop control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n\n")
    text = CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text)
    return text


def paragraphs(text: str) -> list[str]:
    out = []
    for para in _PARAGRAPHS.split(clean(text)):
        lines = [ln.strip() for ln in para.split("\n")]
        joined = "\n".join(ln for ln in lines if ln)
        if joined:
            out.append(joined)
    return out
