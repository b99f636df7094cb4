"""GET /api/stats/overview/ over seeded sessions, turns, tool calls and form responses.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from oshara.characters.models import Character
from oshara.forms.models import FormResponse
from oshara.sessions.models import AgentSession, SessionToolCall, SessionTurn
from oshara.stats.service import percentile
from tests.helpers import auth_headers, bearer, character_body, invite, join

URL = "/api/stats/overview/"


async def _character(client: httpx.AsyncClient, h: dict[str, str], slug: str) -> None:
    r = await client.post("/api/ai-characters/", headers=h, json=character_body(slug))
    assert r.status_code == 201, r.text


async def _seed(
    app: FastAPI,
    slug: str,
    *,
    days_ago: int,
    connected: bool = True,
    latencies: tuple[float, ...] = (),
    tools: tuple[tuple[str, str], ...] = (),
    forms: int = 0,
) -> None:
    at = datetime.now(UTC) - timedelta(days=days_ago)
    at = at.replace(hour=12, minute=0, second=0, microsecond=0)
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
                transport="webrtc",
                status="ended" if connected else "created",
                created_at=at,
                expires_at=at + timedelta(minutes=5),
                started_at=at if connected else None,
            )
        )
        await db.flush()
        for seq, latency in enumerate(latencies, 1):
            db.add(
                SessionTurn(
                    session_id=sid, seq=seq, role="assistant", text="…", started_at=at,
                    ended_at=at, latency_ms=latency,
                )
            )  # fmt: skip
        db.add(SessionTurn(session_id=sid, seq=99, role="user", text="hi", started_at=at))
        for name, status in tools:
            db.add(
                SessionToolCall(
                    session_id=sid, name=name, status=status, duration_ms=5.0, created_at=at
                )
            )
        for _ in range(forms):
            db.add(
                FormResponse(
                    organization_id=character.organization_id,
                    character_id=character.id,
                    form_id="contact",
                    session_id=sid,
                    values={},
                    source="widget",
                    created_at=at,
                )
            )


def _day(out: dict[str, Any], days_ago: int) -> dict[str, Any]:
    day = (datetime.now(UTC) - timedelta(days=days_ago)).date().isoformat()
    return next(d for d in out["per_day"] if d["date"] == day)


async def test_overview(client: httpx.AsyncClient, app: FastAPI) -> None:
    h = await auth_headers(client, "stats@example.com")
    await _character(client, h, "bot-a")
    await _character(client, h, "bot-b")
    await _seed(
        app, "bot-a", days_ago=0, latencies=(100, 200, 300, 400),
        tools=(("lookup", "ok"), ("lookup", "error"), ("crm", "ok")), forms=2,
    )  # fmt: skip
    await _seed(app, "bot-a", days_ago=0, connected=False)
    await _seed(app, "bot-a", days_ago=3, latencies=(1000,), tools=(("lookup", "ok"),), forms=1)
    await _seed(app, "bot-b", days_ago=1, latencies=(50,), tools=(("crm", "error"),))
    await _seed(app, "bot-a", days_ago=40, latencies=(9999,), tools=(("lookup", "error"),))
    # Another organization's data never counts.
    other = await auth_headers(client, "other@example.com")
    await _character(client, other, "bot-other")
    await _seed(app, "bot-other", days_ago=0, latencies=(5,), tools=(("x", "error"),), forms=3)

    r = await client.get(URL, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["days"] == 30 and len(out["per_day"]) == 30 and out["agent"] is None
    assert out["per_day"][-1]["date"] == datetime.now(UTC).date().isoformat()
    assert _day(out, 0) == {
        "date": _day(out, 0)["date"], "sessions": 2, "calls": 1, "form_submissions": 2,
    }  # fmt: skip
    assert _day(out, 1)["calls"] == 1 and _day(out, 3)["form_submissions"] == 1
    assert out["totals"] == {"sessions": 4, "calls": 3, "form_submissions": 3}
    samples = [100, 200, 300, 400, 1000, 50]
    assert out["latency"] == {
        "turns": 6,
        "median_ms": percentile(samples, 0.5),
        "p95_ms": percentile(samples, 0.95),
    }
    assert out["latency"]["median_ms"] == 250.0 and out["latency"]["p95_ms"] == 850.0
    assert out["tools"]["calls"] == 5 and out["tools"]["errors"] == 2
    assert out["tools"]["error_rate"] == 0.4
    assert out["tools"]["by_tool"] == [
        {"name": "lookup", "calls": 3, "errors": 1},
        {"name": "crm", "calls": 2, "errors": 1},
    ]

    one = (await client.get(URL + "?agent=bot-b&days=7", headers=h)).json()
    assert one["agent"] == "bot-b" and len(one["per_day"]) == 7
    assert one["totals"] == {"sessions": 1, "calls": 1, "form_submissions": 0}
    assert one["latency"] == {"turns": 1, "median_ms": 50.0, "p95_ms": 50.0}
    assert one["tools"]["error_rate"] == 1.0

    wide = (await client.get(URL + "?days=60&agent=bot-a", headers=h)).json()
    assert wide["latency"]["turns"] == 6 and wide["tools"]["errors"] == 2

    empty = (await client.get(URL + "?days=1", headers=other)).json()
    assert empty["totals"]["form_submissions"] == 3 and empty["latency"]["median_ms"] == 5.0


async def test_empty_bad_input_and_access(client: httpx.AsyncClient) -> None:
    h = await auth_headers(client, "stats2@example.com")
    out = (await client.get(URL + "?days=1", headers=h)).json()
    assert out["latency"] == {"turns": 0, "median_ms": None, "p95_ms": None}
    assert out["tools"] == {"calls": 0, "errors": 0, "error_rate": None, "by_tool": []}
    for bad in ("?days=0", "?days=367", "?days=x"):
        r = await client.get(URL + bad, headers=h)
        assert r.status_code == 400 and r.json()["errors"][0]["field"].endswith("days"), bad
    assert (await client.get(URL)).status_code == 401
    other = await auth_headers(client, "stats3@example.com")
    await _character(client, other, "theirs")
    assert (await client.get(URL + "?agent=theirs", headers=h)).status_code == 404
    invited = await invite(client, h, "member@example.com")
    member = bearer(await join(client, invited["token"], "member@example.com"))
    assert (await client.get(URL, headers=member)).status_code == 200


def test_percentile() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7], 0.95) == 7
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile(list(range(201)), 0.95) == 190
    assert percentile([10, 20], 0.95) == 19.5
