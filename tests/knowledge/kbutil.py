"""Helpers for knowledge-base tests: the owner's client and PDFs built at test time."""

from __future__ import annotations

import asyncio
import functools
import io
import time
import typing
import zlib
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from oshara.knowledge.limits import KnowledgeLimits, body_limit_overrides
from oshara.middleware import BodyLimitMiddleware


def install_knowledge(app: FastAPI, limits: KnowledgeLimits) -> None:
    """What ``create_app`` is meant to do: the router, and uploads through the body limit.

    (Harmless once ``create_app`` does it itself.)
    """
    from oshara.knowledge.endpoints import BASE, router

    if not any(getattr(r, "path", "").startswith(BASE) for r in app.routes):
        app.include_router(router)
    for mw in app.user_middleware:
        cls: object = mw.cls
        if cls is BodyLimitMiddleware:
            existing = typing.cast(dict[str, int] | None, mw.kwargs.get("overrides"))
            overrides = dict(existing or {})
            overrides.update(body_limit_overrides(limits))
            mw.kwargs["overrides"] = overrides
    app.state.knowledge_limits = limits


@dataclass
class Owner:
    client: httpx.AsyncClient
    headers: dict[str, str]
    slug: str
    app: FastAPI
    limits: KnowledgeLimits

    @property
    def base(self) -> str:
        return f"/api/ai-characters/{self.slug}/knowledge/"

    @property
    def search_url(self) -> str:
        return f"/api/ai-characters/{self.slug}/knowledge-search/"

    async def upload(
        self,
        filename: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        title: str | None = None,
    ) -> httpx.Response:
        form = {"title": title} if title is not None else None
        files = {"file": (filename, data, content_type)}
        return await self.client.post(self.base, files=files, data=form, headers=self.headers)

    async def search(self, q: str, top_k: int = 5) -> list[dict[str, Any]]:
        r = await self.client.get(
            self.search_url, params={"q": q, "top_k": top_k}, headers=self.headers
        )
        assert r.status_code == 200, r.text
        out: list[dict[str, Any]] = r.json()
        return out

    async def wait_ready(self, doc_id: str, limit_s: float = 30.0) -> dict[str, Any]:
        end = time.monotonic() + limit_s
        while True:
            r = await self.client.get(f"{self.base}{doc_id}/", headers=self.headers)
            assert r.status_code == 200, r.text
            doc: dict[str, Any] = r.json()
            if doc["status"] != "processing" or time.monotonic() > end:
                return doc
            await asyncio.sleep(0.01)


# --- PDFs built by hand (exact control over hostile structures) ---------------------------


def _pdf_string(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("latin-1") + b")"


def build_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF whose objects are ``objects`` (numbered from 1) with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root {root} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def text_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A PDF with one text line per entry of each page (Helvetica, uncompressed)."""
    n = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n))
    info = b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, lines in enumerate(pages):
        content = b"BT /F1 11 Tf 14 TL 72 760 Td "
        content += b" ".join(_pdf_string(line) + b" Tj T*" for line in lines) + b" ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(stream(content))
    if title is not None:
        info = b"<< /Title " + _pdf_string(title) + b" >>"
        objects.append(info)
        pdf = build_pdf(objects)
        return pdf.replace(b"/Root 1 0 R >>", f"/Root 1 0 R /Info {len(objects)} 0 R >>".encode())
    return build_pdf(objects)


def page_bomb_pdf(pages: int, declared: int | None = None) -> bytes:
    """``pages`` references to one page object (small file, huge page tree)."""
    kids = b" ".join([b"3 0 R"] * pages)
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % (declared or pages),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            stream(b"BT ET"),
        ]
    )


@functools.lru_cache(maxsize=4)
def flate_bomb(expanded_bytes: int) -> bytes:
    """A deflate stream of ``expanded_bytes`` spaces (≈1000:1), built without holding it."""
    comp = zlib.compressobj(9)
    block = b" " * (1 << 20)
    out = io.BytesIO()
    for _ in range(expanded_bytes >> 20):
        out.write(comp.compress(block))
    out.write(comp.flush())
    return out.getvalue()


def compression_bomb_pdf(expanded_bytes: int = 1 << 30) -> bytes:
    """One page whose content stream inflates to ``expanded_bytes`` (default 1 GiB)."""
    data = flate_bomb(expanded_bytes)
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            stream(data, b"/Filter /FlateDecode"),
        ]
    )


def many_bombs_pdf(pages: int = 40, expanded_bytes: int = 30 << 20) -> bytes:
    """Pages whose own content streams each inflate to just under the per-stream cap: no
    single stream is over the limit, the total (``pages`` x ``expanded_bytes``) is the bomb."""
    data = flate_bomb(expanded_bytes)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
    ]
    for i in range(pages):
        page = f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R >>"
        objects.append(page.encode())
        objects.append(stream(data, b"/Filter /FlateDecode"))
    return build_pdf(objects)


def nested_pdf(depth: int = 200_000) -> bytes:
    """A page dictionary holding an array nested ``depth`` levels deep."""
    nested = b"[" * depth + b"]" * depth
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /X "
            + nested
            + b" >>",
            stream(b"BT /F1 11 Tf (hello) Tj ET"),
        ]
    )


def encrypted_pdf(user_password: str, owner_password: str = "owner-secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf([["Secret launch codes."]]))))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
