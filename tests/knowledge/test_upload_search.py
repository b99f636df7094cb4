"""Upload every supported type, find passages by natural questions, list, inspect, delete."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text

from oshara.knowledge.models import KnowledgeChunk
from oshara.knowledge.search import kb_search

from .kbutil import Owner, text_pdf

SUPPORT_TXT = (
    "Acme Cloud support\n\n"
    "Our support desk is open Monday to Friday from 9am to 6pm Central European Time. "
    "Outside these hours, urgent outages can be reported through the status page.\n\n"
    "Passwords can be reset from the login screen with the 'Forgot password' link; the reset "
    "email arrives within five minutes."
)
REFUNDS_MD = """# Billing handbook

Everything about invoices and payments.

## Refund policy

Customers can request a full refund within 30 days of purchase. Refunds are paid back to the
original card within ten business days.

## Invoices

Invoices are issued on the first day of every month and can be downloaded as PDF.
"""
SHIPPING_HTML = """<!doctype html>
<html><head><title>Shipping FAQ</title>
<style>.zebra { color: red }</style>
<script>var zebra = "crocodile-secret";</script></head>
<body>
<nav>Home | Shop</nav>
<h2>International shipping</h2>
<p>We ship to forty countries. International delivery takes 5 to 7 business days and
tracking numbers are emailed when the parcel leaves our warehouse.</p>
<h2>Returns</h2>
<p>Unused items can be returned for free using the prepaid label.</p>
<noscript>please enable javascript</noscript>
</body></html>
"""
WARRANTY_PAGES = [
    ["Acme Robot Vacuum manual", "Unpack the robot and charge it for four hours."],
    [
        "Warranty",
        "The warranty covers manufacturing defects for two years from delivery.",
        "Batteries are covered for twelve months.",
    ],
]


async def _upload_all(owner: Owner) -> dict[str, dict[str, object]]:
    docs = {}
    for name, data, ctype in (
        ("support.txt", SUPPORT_TXT.encode(), "text/plain"),
        ("billing.md", REFUNDS_MD.encode(), "text/markdown"),
        ("shipping.html", SHIPPING_HTML.encode(), "text/html"),
        ("vacuum-manual.pdf", text_pdf(WARRANTY_PAGES), "application/pdf"),
    ):
        r = await owner.upload(name, data, ctype)
        assert r.status_code == 201, r.text
        doc = r.json()
        assert doc["status"] == "ready" and doc["progress"] == 100
        assert doc["chunk_count"] >= 1 and doc["chunk_count"] == doc["total_chunks"]
        docs[name] = doc
    return docs


async def test_each_type_is_searchable_by_natural_questions(owner: Owner) -> None:
    docs = await _upload_all(owner)
    assert docs["billing.md"]["title"] == "Billing handbook"
    assert docs["shipping.html"]["title"] == "Shipping FAQ"
    assert docs["vacuum-manual.pdf"]["title"] == "vacuum-manual"
    assert docs["vacuum-manual.pdf"]["page_count"] == 2
    assert docs["support.txt"]["content_type"] == "text/plain"
    assert docs["shipping.html"]["content_type"] == "text/html"
    assert docs["vacuum-manual.pdf"]["content_type"] == "application/pdf"

    cases = [
        ("When is the support desk open?", "support.txt", "Monday to Friday"),
        ("How do I reset my password?", "support.txt", "Forgot password"),
        ("Can I get my money back? What is the refund policy?", "billing.md", "30 days"),
        ("How long does international delivery take?", "shipping.html", "5 to 7 business"),
        ("How long is the warranty on the vacuum?", "vacuum-manual.pdf", "two years"),
    ]
    for question, source, snippet in cases:
        hits = await owner.search(question)
        assert hits, question
        best = hits[0]
        assert best["document_id"] == docs[source]["id"], (question, hits)
        assert snippet in best["text"], (question, best)
        assert best["title"] == docs[source]["title"]
        assert best["score"] > 0
    refund = (await owner.search("refund policy"))[0]
    assert refund["heading"] == "Refund policy"
    warranty = (await owner.search("warranty defects"))[0]
    assert warranty["page"] == 2
    # Scripts, styles and noscript never reach the index.
    assert await owner.search("crocodile zebra javascript") == []


async def test_kb_search_function_for_the_agent_runtime(owner: Owner) -> None:
    await _upload_all(owner)
    maker = owner.app.state.sessionmaker
    async with maker() as db:
        character_id = await db.scalar(text("SELECT id FROM characters WHERE slug = 'kb-bot'"))
    cid = character_id if isinstance(character_id, uuid.UUID) else uuid.UUID(str(character_id))
    hits = await kb_search(maker, cid, "what is the refund policy", top_k=2)
    assert 1 <= len(hits) <= 2
    assert set(hits[0]) == {
        "document_id",
        "title",
        "chunk_index",
        "heading",
        "page",
        "text",
        "score",
    }
    assert hits[0]["title"] == "Billing handbook" and "30 days" in hits[0]["text"]
    async with maker() as db:  # a session works as well as a session maker
        assert (await kb_search(db, cid, "warranty", top_k=1))[0]["page"] == 2
    assert await kb_search(maker, uuid.uuid4(), "refund policy") == []


async def test_json_text_upload_list_get_and_delete(owner: Owner) -> None:
    c, h = owner.client, owner.headers
    body = {"title": "Opening hours", "text": "The Berlin store opens at 10am on Sundays."}
    r = await c.post(owner.base, json=body, headers=h)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["title"] == "Opening hours" and doc["filename"] == ""
    md = {"title": "Parking", "format": "markdown", "text": "# Parking\n\nFree parking at gate B."}
    r = await c.post(owner.base, json=md, headers=h)
    assert r.status_code == 201, r.text
    parking = r.json()

    r = await c.get(owner.base, headers=h)
    assert r.status_code == 200
    listed = r.json()
    assert [d["id"] for d in listed] == [doc["id"], parking["id"]]
    assert set(listed[0]) >= {
        "id",
        "title",
        "filename",
        "content_type",
        "size",
        "chunk_count",
        "status",
        "created_at",
    }
    r = await c.get(f"{owner.base}{doc['id']}/", headers=h)
    assert r.status_code == 200 and r.json()["id"] == doc["id"]

    assert (await owner.search("when does the Berlin store open on Sunday"))[0]["title"] == (
        "Opening hours"
    )
    r = await c.delete(f"{owner.base}{doc['id']}/", headers=h)
    assert r.status_code == 204
    assert await owner.search("Berlin store Sunday") == []
    assert (await owner.search("parking gate"))[0]["title"] == "Parking"
    r = await c.get(f"{owner.base}{doc['id']}/", headers=h)
    assert r.status_code == 404
    r = await c.delete(f"{owner.base}{doc['id']}/", headers=h)
    assert r.status_code == 404
    for bad in ("not-a-uuid", str(uuid.uuid4())):
        r = await c.get(f"{owner.base}{bad}/", headers=h)
        assert r.status_code == 404 and "not found" in r.json()["detail"].lower()


async def test_delete_removes_chunks_from_the_index(owner: Owner) -> None:
    r = await owner.upload("support.txt", SUPPORT_TXT.encode())
    doc = r.json()
    maker = owner.app.state.sessionmaker
    r = await owner.client.delete(f"{owner.base}{doc['id']}/", headers=owner.headers)
    assert r.status_code == 204
    async with maker() as db:
        left = await db.scalar(select(func.count()).select_from(KnowledgeChunk))
        assert left == 0
        if db.get_bind().dialect.name == "sqlite":
            # The FTS5 index itself has no entry left for the words of the deleted document.
            stale = await db.scalar(
                text(
                    "SELECT count(*) FROM knowledge_chunks_fts WHERE knowledge_chunks_fts "
                    "MATCH 'support OR desk OR passwords'"
                )
            )
            assert stale == 0
    assert await owner.search("support desk") == []


async def test_deleting_the_character_removes_its_index(owner: Owner) -> None:
    await _upload_all(owner)
    r = await owner.client.delete(f"/api/ai-characters/{owner.slug}/", headers=owner.headers)
    assert r.status_code == 204
    async with owner.app.state.sessionmaker() as db:
        assert await db.scalar(select(func.count()).select_from(KnowledgeChunk)) == 0
        if db.get_bind().dialect.name == "sqlite":
            stale = await db.scalar(
                text(
                    "SELECT count(*) FROM knowledge_chunks_fts "
                    "WHERE knowledge_chunks_fts MATCH 'warranty OR refund'"
                )
            )
            assert stale == 0
