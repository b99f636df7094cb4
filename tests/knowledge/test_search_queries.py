"""Natural-language and hostile queries: never a syntax error, never another character's rows."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text

from oshara.knowledge.search import fts5_match, kb_search, query_terms, ts_config_for
from tests.helpers import character_body

from .kbutil import Owner

HOSTILE_QUERIES = [
    "",
    "   ",
    '"',
    '""',
    '"unterminated',
    "*",
    "refund*",
    "NEAR(",
    "NEAR(refund policy, 2)",
    "AND OR",
    "OR",
    "NOT",
    "refund NOT policy",
    "AND AND AND",
    "a:b",
    'character_id : "0123"',
    "text : refund",
    "^refund",
    "(((",
    ")",
    "{refund policy}",
    "'",
    "' OR 1=1 --",
    "\\",
    "-refund",
    "+",
    "%",
    "_",
    "__",
    "$$",
    "::regconfig",
    "refund & policy",
    "!refund",
    "refund:*",
    "refund <-> policy",
    "refund | policy",
    "日本語",
    "ñandú",
    "🙂🙂🙂",
    "e\u0301 combining",
    "\u202eRTL override",
    "\x00",
    "refund\x00policy",
    "\ud800 lone surrogate",
    "a" * 10_000,
    "refund " * 5_000,
    " ".join(f"word{i}" for i in range(500)),
    "what is the",
]


def test_query_terms_are_plain_words() -> None:
    assert query_terms("What is the refund policy?") == ["refund", "policy"]
    assert query_terms('NEAR(refund "policy", 2) AND OR *') == ["near", "refund", "policy", "2"]
    assert query_terms("what is the") == ["what", "is", "the"]  # only stopwords: keep them
    assert query_terms("") == [] and query_terms("*** ((( ") == []
    assert query_terms("Refund refund REFUND") == ["refund"]
    assert query_terms("ÑANDÚ corre") == ["ñandú", "corre"]
    assert len(query_terms(" ".join(f"w{i}" for i in range(100)))) == 32
    assert query_terms("x" * 500) == ["x" * 64]
    for q in HOSTILE_QUERIES:
        for term in query_terms(q):
            assert term and all(ch.isalnum() or ch == "_" for ch in term), (q, term)


def test_fts5_match_quotes_every_term() -> None:
    cid = uuid.UUID("12345678123456781234567812345678")
    assert fts5_match(["refund", "near"], cid) == (
        'character_id : "12345678123456781234567812345678" AND ("refund" OR "near")'
    )


def test_ts_config_for_languages() -> None:
    assert ts_config_for("en") == "english" and ts_config_for("en-US") == "english"
    assert ts_config_for("de_DE") == "german" and ts_config_for("pt-BR") == "portuguese"
    assert ts_config_for("ja") == "simple" and ts_config_for("") == "simple"


async def _character_id(owner: Owner, slug: str) -> uuid.UUID:
    async with owner.app.state.sessionmaker() as db:
        value: Any = await db.scalar(
            text("SELECT id FROM characters WHERE slug = :slug"), {"slug": slug}
        )
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


@pytest.fixture
async def indexed(owner: Owner) -> uuid.UUID:
    docs = {
        "refunds.md": b"# Refund policy\n\nA full refund is possible within 30 days.",
        "animals.txt": "El ñandú corre rápido por la pampa. Café con leche.".encode(),
        "near.txt": b"Stores near the station open early. NEAR and AND are just words here.",
    }
    for name, data in docs.items():
        r = await owner.upload(name, data)
        assert r.status_code == 201, r.text
    return await _character_id(owner, owner.slug)


async def test_hostile_queries_never_fail(owner: Owner, indexed: uuid.UUID) -> None:
    maker = owner.app.state.sessionmaker
    for q in HOSTILE_QUERIES:
        hits = await kb_search(maker, indexed, q, top_k=5)
        assert isinstance(hits, list) and len(hits) <= 5, q
        for hit in hits:
            assert hit["score"] > 0
    for q in HOSTILE_QUERIES:
        if "\x00" in q or "\ud800" in q or len(q) > 4000:
            continue  # not sendable in a URL / over the endpoint's length cap
        await owner.search(q)  # 200, a JSON list
    r = await owner.client.get(owner.search_url, params={"q": "x" * 4001}, headers=owner.headers)
    assert r.status_code == 400
    for top_k in (-1, 0, 10**9):
        assert isinstance(await kb_search(maker, indexed, "refund", top_k=top_k), list)


async def test_operators_are_searched_as_words(owner: Owner, indexed: uuid.UUID) -> None:
    maker = owner.app.state.sessionmaker
    near = await kb_search(maker, indexed, "NEAR(", top_k=3)
    assert near and "near the station" in near[0]["text"]
    assert "30 days" in (await kb_search(maker, indexed, "refund*", top_k=1))[0]["text"]
    assert "30 days" in (await kb_search(maker, indexed, '"refund', top_k=1))[0]["text"]
    assert "ñandú" in (await kb_search(maker, indexed, "ñandú", top_k=1))[0]["text"]
    assert "Café" in (await kb_search(maker, indexed, "café", top_k=1))[0]["text"]


async def test_a_query_cannot_reach_another_character(owner: Owner, indexed: uuid.UUID) -> None:
    r = await owner.client.post(
        "/api/ai-characters/", json=character_body("other-bot"), headers=owner.headers
    )
    assert r.status_code == 201, r.text
    other_base = "/api/ai-characters/other-bot/knowledge/"
    r = await owner.client.post(
        other_base,
        json={"title": "Other", "text": "Refund policy of the other bot: no refunds."},
        headers=owner.headers,
    )
    assert r.status_code == 201, r.text
    other = await _character_id(owner, "other-bot")
    maker = owner.app.state.sessionmaker
    for q in (
        "refund policy",
        f'character_id : "{other.hex}"',
        f'refund" OR character_id : "{other.hex}',
        f"{other.hex} refund",
    ):
        for hit in await kb_search(maker, indexed, q, top_k=10):
            assert "other bot" not in hit["text"], q
    hits = await kb_search(maker, other, "refund policy", top_k=10)
    assert [h["title"] for h in hits] == ["Other"]
