"""GET /api/agents/{slug}/form-responses/?format=csv: the JSON list's rows as a CSV download,
parsed back here. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import httpx

from tests.forms.test_responses_api import GOOD, ORIGIN, URL, _setup
from tests.helpers import auth_headers, bearer, invite, join

CSV = "/api/agents/support-bot/form-responses/?format=csv"
FIXED = ["created_at", "id", "form_id", "session_id", "source"]


def parse(r: httpx.Response) -> list[dict[str, str]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def header(r: httpx.Response) -> list[str]:
    return next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


async def test_export_matches_the_json_list(client: httpx.AsyncClient) -> None:
    h = await _setup(client)
    evil = {**GOOD, "name": '=HYPERLINK("http://x")', "company": 'Zoë & Co, "quoted"\nline'}
    for values in (GOOD, evil):
        r = await client.post(URL, headers=ORIGIN, json={"form_id": "book-demo", "values": values})
        assert r.status_code == 201, r.text
    await client.post(
        URL, headers=ORIGIN, json={"form_id": "onboarding", "values": {"name": "B", "agree": True}}
    )
    listed = (await client.get(URL + "?form_id=book-demo", headers=h)).json()
    r = await client.get(CSV + "&form_id=book-demo", headers=h)
    assert r.headers["content-disposition"] == (
        'attachment; filename="support-bot-form-responses-book-demo.csv"'
    )
    assert header(r) == [
        *FIXED, "Your name", "Work email", "Company", "Use case", "Seats", "Preferred date",
    ]  # fmt: skip
    rows = parse(r)
    assert [row["id"] for row in rows] == [x["id"] for x in listed]  # same rows, same order
    first, second = rows
    assert first["form_id"] == "book-demo" and first["source"] == "widget"
    assert first["session_id"] == "" and first["Your name"] == "Ada Lovelace"
    assert first["Work email"] == "ada@example.com" and first["Company"] == ""
    assert first["created_at"].startswith(listed[0]["created_at"][:19])
    assert second["Your name"] == '\'=HYPERLINK("http://x")'  # never a formula
    assert second["Company"] == 'Zoë & Co, "quoted"\nline'  # quoting round-trips


async def test_all_forms_filters_and_injection(client: httpx.AsyncClient) -> None:
    h = await _setup(client)
    for name in ("+1 555", "-2", "@me", "plain"):
        r = await client.post(
            URL,
            headers=ORIGIN,
            json={"form_id": "onboarding", "values": {"name": name, "agree": True}},
        )
        assert r.status_code == 201, r.text
    await client.post(URL, headers=ORIGIN, json={"form_id": "book-demo", "values": GOOD})
    r = await client.get(CSV, headers=h)
    cols = header(r)
    # book-demo's fields then onboarding's (its "name" is already a column; "Name" not repeated)
    assert cols == [
        *FIXED, "Your name", "Work email", "Company", "Use case", "Seats", "Preferred date",
        "I agree",
    ]  # fmt: skip
    rows = parse(r)
    assert [x["Your name"] for x in rows] == ["'+1 555", "'-2", "'@me", "plain", "Ada Lovelace"]
    assert rows[0]["I agree"] == "true" and rows[4]["I agree"] == ""
    assert (
        r.headers["content-disposition"] == 'attachment; filename="support-bot-form-responses.csv"'
    )
    assert (
        len(parse(await client.get(CSV + "&form_id=onboarding&limit=2&offset=1", headers=h))) == 2
    )
    assert parse(await client.get(CSV + "&since=2999-01-01", headers=h)) == []
    assert len(parse(await client.get(CSV + "&until=2999-01-01", headers=h))) == 5
    assert parse(await client.get(CSV + "&session_id=sess_none", headers=h)) == []
    empty = await client.get(CSV + "&since=2999-01-01&form_id=onboarding", headers=h)
    assert header(empty) == [*FIXED, "Name", "I agree"]
    r = await client.get(CSV + "&since=yesterday", headers=h)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "since"


async def test_removed_fields_still_export(client: httpx.AsyncClient) -> None:
    h = await _setup(client)
    await client.post(URL, headers=ORIGIN, json={"form_id": "book-demo", "values": GOOD})
    r = await client.patch(
        "/api/ai-characters/support-bot/",
        headers=h,
        json={
            "widget_appearance": {
                "forms": [
                    {
                        "id": "book-demo",
                        "title": "Book",
                        "fields": [{"name": "email", "label": "Email", "type": "email"}],
                    }
                ]
            }
        },
    )
    assert r.status_code == 200, r.text
    r = await client.get(CSV + "&form_id=book-demo", headers=h)
    assert header(r) == [*FIXED, "Email", "date", "name", "seats", "use_case"]
    assert parse(r)[0]["name"] == "Ada Lovelace"


async def test_auth_and_tenancy(client: httpx.AsyncClient) -> None:
    h = await _setup(client)
    await client.post(URL, headers=ORIGIN, json={"form_id": "book-demo", "values": GOOD})
    assert (await client.get(CSV)).status_code == 401
    other = await auth_headers(client, "other@example.com")
    r = await client.get(CSV, headers=other)
    assert r.status_code == 404 and "Ada" not in r.text
    invited = await invite(client, h, "member@example.com")
    member = bearer(await join(client, invited["token"], "member@example.com"))
    assert len(parse(await client.get(CSV, headers=member))) == 1  # members read responses


async def test_json_list_is_unchanged(client: httpx.AsyncClient) -> None:
    h = await _setup(client)
    await client.post(URL, headers=ORIGIN, json={"form_id": "book-demo", "values": GOOD})
    r = await client.get(URL, headers=h)
    assert r.headers["content-type"] == "application/json"
    assert set(r.json()[0]) == {"id", "form_id", "session_id", "values", "source", "created_at"}
    assert (await client.get(URL + "?format=json&limit=5000", headers=h)).status_code == 200
    r = await client.get(URL + "?limit=5001", headers=h)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "limit"
    r = await client.get(URL + "?format=xml", headers=h)
    assert r.status_code == 400 and "format" in r.text
    r = await client.get(URL + "?format=csv&limit=100001", headers=h)
    assert r.status_code == 400 and "limit" in r.text
