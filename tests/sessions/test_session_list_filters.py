"""GET /api/sessions/ filters: agent, status and a created_at range (since/until).
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from oshara.characters.models import Character
from oshara.sessions.models import AgentSession
from tests.helpers import auth_headers, character_body

URL = "/api/sessions/"


async def _seed(app: FastAPI, slug: str, at: datetime, status: str) -> str:
    async with app.state.sessionmaker.begin() as db:
        character = await db.scalar(select(Character).where(Character.slug == slug))
        assert character is not None
        sid = "sess_" + uuid.uuid4().hex[:24]
        db.add(
            AgentSession(
                id=sid,
                organization_id=character.organization_id,
                character_id=character.id,
                language="en",
                transport="text",
                mode="text",
                status=status,
                created_at=at,
                expires_at=at + timedelta(minutes=5),
            )
        )
    return sid


async def test_list_filters(client: httpx.AsyncClient, app: FastAPI) -> None:
    h = await auth_headers(client, "list-filters@example.com")
    for slug in ("flt-a", "flt-b"):
        r = await client.post("/api/ai-characters/", headers=h, json=character_body(slug))
        assert r.status_code == 201, r.text
    day = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    old = await _seed(app, "flt-a", day - timedelta(days=2), "ended")
    mid = await _seed(app, "flt-a", day, "failed")
    new = await _seed(app, "flt-b", day + timedelta(days=2), "active")
    other = await auth_headers(client, "list-filters-other@example.com")
    r = await client.post("/api/ai-characters/", headers=other, json=character_body("flt-x"))
    assert r.status_code == 201, r.text
    await _seed(app, "flt-x", day, "failed")

    async def ids(query: str) -> list[str]:
        r = await client.get(URL + query, headers=h)
        assert r.status_code == 200, r.text
        return [s["id"] for s in r.json()]

    assert await ids("") == [new, mid, old]
    assert await ids("?agent=flt-a") == [mid, old]
    assert await ids("?status=failed") == [mid]
    assert await ids("?since=2026-03-10T00:00:00Z") == [new, mid]
    assert await ids("?until=2026-03-10T12:00:00%2B00:00") == [old]  # until is exclusive
    # No zone: UTC.
    assert await ids("?since=2026-03-10T00:00:00&until=2026-03-11T00:00:00") == [mid]
    # A zone moves the bounds: 13:00+02:00 is 11:00 UTC, before the middle session.
    assert await ids("?since=2026-03-10T13:00:00%2B02:00&until=2026-03-11") == [mid]
    assert await ids("?agent=flt-a&status=ended&since=2026-03-01T00:00:00Z") == [old]
    assert await ids("?since=2026-04-01T00:00:00Z") == []
    for bad in ("?since=yesterday", "?until=2026-13-01", "?status=live"):
        r = await client.get(URL + bad, headers=h)
        assert r.status_code == 400, (bad, r.text)
