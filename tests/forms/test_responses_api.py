"""POST/GET /api/agents/{slug}/form-responses/ (guide, Patterns 3 and 5)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import auth_headers, character_body

ORIGIN = {"Origin": "https://yoursite.com"}
URL = "/api/agents/support-bot/form-responses/"

BOOK_DEMO: dict[str, Any] = {
    "id": "book-demo",
    "title": "Book a demo",
    "submit_url": None,
    "fields": [
        {"name": "name", "label": "Your name", "type": "text", "required": True},
        {"name": "email", "label": "Work email", "type": "email", "required": True},
        {"name": "company", "label": "Company", "type": "text", "required": False},
        {
            "name": "use_case",
            "label": "Use case",
            "type": "select",
            "required": True,
            "options": ["Customer support", "Sales assistant", "Other"],
        },
        {"name": "seats", "label": "Seats", "type": "number", "min": 1, "max": 500},
        {"name": "date", "label": "Preferred date", "type": "date", "required": True},
    ],
}
ONBOARDING: dict[str, Any] = {
    "id": "onboarding",
    "title": "Get started",
    "steps": [
        {
            "id": "details",
            "title": "Your details",
            "fields": [
                {"name": "name", "label": "Name", "type": "text", "required": True},
            ],
        },
        {
            "id": "schedule",
            "title": "Book a time",
            "fields": [
                {"name": "agree", "label": "I agree", "type": "checkbox", "required": True},
                {"label": "We never share your data.", "type": "display"},
            ],
        },
    ],
}
GOOD = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "use_case": "Other",
    "seats": "12",
    "date": "2026-12-01",
}


async def _setup(client: httpx.AsyncClient) -> dict[str, str]:
    h = await auth_headers(client, "forms@example.com")
    body = character_body(widget_appearance={"forms": [BOOK_DEMO, ONBOARDING]})
    r = await client.post("/api/ai-characters/", headers=h, json=body)
    assert r.status_code == 201, r.text
    return h


async def test_submit_and_list(client: httpx.AsyncClient) -> None:
    h = await _setup(client)
    r = await client.post(URL, headers=ORIGIN, json={"form_id": "book-demo", "values": GOOD})
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["form_id"] == "book-demo" and rec["values"]["email"] == "ada@example.com"
    assert rec["session_id"] is None and rec["source"] == "widget"
    listed = (await client.get(URL + "?form_id=book-demo", headers=h)).json()
    assert [x["id"] for x in listed] == [rec["id"]]
    assert set(listed[0]) >= {"id", "form_id", "session_id", "values", "created_at"}
    assert (await client.get(URL + "?form_id=other", headers=h)).json() == []


async def test_invalid_submission_is_400_per_field_and_not_stored(
    client: httpx.AsyncClient,
) -> None:
    h = await _setup(client)
    bad = {**GOOD, "email": "not-an-email", "use_case": "Piracy", "seats": "0", "extra": "x"}
    del bad["name"]
    r = await client.post(URL, headers=ORIGIN, json={"form_id": "book-demo", "values": bad})
    assert r.status_code == 400
    errors = r.json()["field_errors"]
    assert errors["name"] == "Your name is required"
    assert errors["email"] == "Enter a valid email address"
    assert errors["seats"] == "Minimum value is 1"
    assert "use_case" in errors and "extra" in errors
    assert {e["field"] for e in r.json()["errors"]} >= {"values.name", "values.email"}
    assert (await client.get(URL, headers=h)).json() == []


async def test_multistep_form_and_checkbox(client: httpx.AsyncClient) -> None:
    await _setup(client)
    r = await client.post(
        URL,
        headers=ORIGIN,
        json={"form_id": "onboarding", "values": {"name": "A", "agree": "false"}},
    )
    assert r.status_code == 400 and "agree" in r.json()["field_errors"]
    r = await client.post(
        URL, headers=ORIGIN, json={"form_id": "onboarding", "values": {"name": "A", "agree": True}}
    )
    assert r.status_code == 201, r.text
    assert r.json()["values"]["agree"] == "true"


async def test_unknown_form_and_session(client: httpx.AsyncClient) -> None:
    await _setup(client)
    r = await client.post(URL, headers=ORIGIN, json={"form_id": "nope", "values": {}})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "form_id"
    r = await client.post(
        URL,
        headers=ORIGIN,
        json={"form_id": "book-demo", "values": GOOD, "session_id": "sess_nope"},
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "session_id"
    r = await client.post(URL, headers=ORIGIN, json={"form_id": "book-demo", "values": [1]})
    assert r.status_code == 400


async def test_session_link_and_filter(client: httpx.AsyncClient) -> None:
    h = await _setup(client)
    sid = (
        await client.post(
            "/api/agents/agent-session/", headers=ORIGIN, json={"agent": "support-bot"}
        )
    ).json()["session_id"]
    r = await client.post(
        URL, headers=ORIGIN, json={"form_id": "book-demo", "values": GOOD, "session_id": sid}
    )
    assert r.status_code == 201
    await client.post(URL, headers=ORIGIN, json={"form_id": "book-demo", "values": GOOD})
    by_session = (await client.get(f"{URL}?session_id={sid}", headers=h)).json()
    assert [x["session_id"] for x in by_session] == [sid]
    detail = (await client.get(f"/api/sessions/{sid}/", headers=h)).json()
    assert [e["kind"] for e in detail["events"]] == ["form_submitted"]


async def test_date_filters(client: httpx.AsyncClient) -> None:
    h = await _setup(client)
    await client.post(URL, headers=ORIGIN, json={"form_id": "book-demo", "values": GOOD})
    assert len((await client.get(URL + "?since=2000-01-01", headers=h)).json()) == 1
    assert (await client.get(URL + "?since=2999-01-01", headers=h)).json() == []
    assert (await client.get(URL + "?until=2000-01-01", headers=h)).json() == []
    assert len((await client.get(URL + "?until=2999-01-01T00:00:00Z", headers=h)).json()) == 1
    r = await client.get(URL + "?since=yesterday", headers=h)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "since"


async def test_idempotency_key(client: httpx.AsyncClient) -> None:
    h = await _setup(client)
    hdrs = {**ORIGIN, "Idempotency-Key": "abc-123"}
    body = {"form_id": "book-demo", "values": GOOD}
    first = await client.post(URL, headers=hdrs, json=body)
    again = await client.post(URL, headers=hdrs, json=body)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len((await client.get(URL, headers=h)).json()) == 1
    other = await client.post(
        URL, headers=hdrs, json={"form_id": "book-demo", "values": {**GOOD, "name": "B"}}
    )
    assert other.status_code == 409


async def test_origin_and_auth_rules(client: httpx.AsyncClient) -> None:
    h = await _setup(client)
    body = {"form_id": "book-demo", "values": GOOD}
    r = await client.post(URL, headers={"Origin": "https://evil.example"}, json=body)
    assert r.status_code == 403 and "https://evil.example" in r.json()["detail"]
    r = await client.post(URL, headers=h, json=body)
    assert r.status_code == 201 and r.json()["source"] == "api"
    # No Origin at all: not a browser (a native app, guide Pattern 5) — accepted.
    r = await client.post(URL, json=body)
    assert r.status_code == 201
    assert (await client.get(URL)).status_code == 401
    assert (await client.get("/api/agents/nope/form-responses/", headers=h)).status_code == 404
