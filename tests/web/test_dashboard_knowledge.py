"""The dashboard's knowledge base page in headless Chromium against the real server: upload a
Markdown file through the labelled file input, see it indexed, search a question and see the
passage, delete it; axe finds no serious or critical violation. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import httpx

from tests.web.axe import assert_accessible, run_axe
from tests.web.browser import Browser
from tests.web.test_dashboard_browser import (
    PASSWORD,
    Server,
    _shots,
    button,
    label,
    link,
    server,  # noqa: F401 (the fixture)
)

FAQ = """# Acme FAQ

## Opening hours

Acme's shop in Lyon is open from nine to five, Monday to Friday.

## Returns

Unworn shoes can be returned within 30 days with the receipt.
"""


def sign_in(b: Browser, base: str, email: str) -> None:
    b.goto(base + "/dashboard/")
    b.wait(button("Sign in"))
    b.fill(label("Email"), email)
    b.fill(label("Password"), PASSWORD)
    b.click(button("Sign in"))
    b.wait_text("h1", "Agents")


def owner_with_agent(base: str, slug: str) -> tuple[str, dict[str, str]]:
    """A new owner (registered through the API) and one agent; returns (email, headers)."""
    email = f"kb-{uuid.uuid4().hex[:6]}@acme.test"
    r = httpx.post(
        f"{base}/api/auth/register/", json={"email": email, "password": PASSWORD}, timeout=10
    )
    assert r.status_code == 201, r.text
    headers = {"Authorization": f"Bearer {r.json()['access']}"}
    r = httpx.post(
        f"{base}/api/ai-characters/",
        json={"slug": slug, "name": "Acme Shoes"},
        headers=headers,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return email, headers


def choose_file(b: Browser, selector_id: str, name: str, text: str, mime: str) -> None:
    """Put a file in the <input type=file> (as choosing it in the file picker does)."""
    import json

    b.call(
        "eval",
        expr=(
            f"const input = document.getElementById({json.dumps(selector_id)});"
            "const dt = new DataTransfer();"
            f"dt.items.add(new File([{json.dumps(text)}], {json.dumps(name)},"
            f" {{ type: {json.dumps(mime)} }}));"
            "input.files = dt.files;"
            "input.dispatchEvent(new Event('change', { bubbles: true }));"
            "return null;"
        ),
    )


def test_owner_uploads_searches_and_deletes_a_document(server: Server) -> None:  # noqa: F811
    base = server.url
    email, headers = owner_with_agent(base, "acme-shoes")
    with Browser.launch(viewport={"width": 1280, "height": 900}) as b:
        sign_in(b, base, email)
        b.click(link("Acme Shoes"))
        b.wait_text("h1", "Acme Shoes")
        b.click('role=navigation[name="Agent"] >> ' + link("Knowledge base"))
        b.wait_text("h1", "Knowledge base")
        b.wait_text("main", "No documents yet")

        # A file the server would refuse is stopped in the page, with its reason.
        choose_file(b, "kb-file", "photo.png", "not a document", "image/png")
        b.wait_text("role=alert", "photo.png: only .txt, .md, .html and .pdf")
        b.click(button("Dismiss photo.png"))

        # The labelled file input (the drop zone's keyboard path) uploads the Markdown file.
        assert b.visible(label("Documents to upload"))
        choose_file(b, "kb-file", "acme-faq.md", FAQ, "text/markdown")
        b.wait_text(".uploads-status", "acme-faq.md indexed.")
        b.wait_text(".doc-list", "Indexed")
        assert "acme-faq.md" in b.text(".doc-list")
        docs = httpx.get(
            f"{base}/api/ai-characters/acme-shoes/knowledge/", headers=headers, timeout=10
        ).json()
        assert [d["status"] for d in docs] == ["ready"]

        # An empty question is refused on its field; a real one shows the passage it finds.
        b.click(button("Search"))
        b.wait_text("#kb-q-error", "Type a question")
        b.fill(label("Question"), "When is the Lyon shop open?")
        b.click(button("Search"))
        b.wait(".passages li")
        assert "open from nine to five" in b.text(".passages li >> nth=0")
        _shots(b, "knowledge", server.backend)
        assert_accessible(b, "knowledge")
        assert isinstance(run_axe(b), list)

        # Delete it, with confirmation.
        title = docs[0]["title"] or docs[0]["filename"]
        b.click(button(f"Delete {title}"))
        b.wait("role=dialog")
        b.click("role=dialog >> " + button("Delete"))
        b.wait_text("main", "No documents yet")
        docs = httpx.get(
            f"{base}/api/ai-characters/acme-shoes/knowledge/", headers=headers, timeout=10
        ).json()
        assert docs == []
        console = [line for line in b.call("console") if line.startswith(("error", "pageerror"))]
        assert all("Failed to load resource" in line for line in console), console
