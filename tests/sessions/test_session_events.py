"""GET /api/sessions/{id}/events/ (Server-Sent Events) against a real uvicorn server, read
with httpx streaming; the recorder writes from this test's own event loop (another thread),
as a worker would. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from oshara.db.engine import create_engine, create_sessionmaker
from oshara.sessions import live_events
from oshara.sessions.live_events import session_stream
from oshara.sessions.recorder import DbSessionRecorder
from tests.helpers import PASSWORD, bearer, character_body, invite, join
from tests.live import LiveServer, live_server  # noqa: F401


class Stream:
    """Reads an SSE response in the background: ``items`` as ``(event, data, received_at)``."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.items: list[tuple[str, Any, float]] = []
        self.comments: list[str] = []
        self.closed = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        event = None
        try:
            async for line in self.response.aiter_lines():
                if line.startswith(":"):
                    self.comments.append(line)
                elif line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event:
                    self.items.append((event, json.loads(line[6:]), time.monotonic()))
                    event = None
        finally:
            self.closed.set()

    async def wait_for(self, kind: str, count: int = 1, within: float = 5.0) -> None:
        deadline = time.monotonic() + within
        while sum(1 for k, _, _ in self.items if k == kind) < count:
            assert time.monotonic() < deadline, f"no {kind} in {self.items}"
            await asyncio.sleep(0.02)

    def kinds(self) -> list[str]:
        return [k for k, _, _ in self.items]


@pytest.fixture
async def http(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as client:
        yield client


@pytest.fixture
async def recorder_maker(live_server: LiveServer) -> AsyncIterator[Any]:  # noqa: F811
    engine = create_engine(live_server.database.url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def _owner_and_session(http: httpx.AsyncClient, email: str) -> tuple[dict[str, str], str]:
    r = await http.post("/api/auth/register/", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    h = bearer(r.json())
    slug = email.split("@")[0]
    r = await http.post("/api/ai-characters/", headers=h, json=character_body(slug))
    assert r.status_code == 201, r.text
    r = await http.post("/api/agents/agent-session/", headers=h, json={"agent": slug})
    assert r.status_code == 200, r.text
    return h, r.json()["session_id"]


async def test_timeline_streams_live_then_ends(
    http: httpx.AsyncClient, recorder_maker: Any
) -> None:
    h, sid = await _owner_and_session(http, "live@example.com")
    r = await http.post(f"/api/sessions/{sid}/events/ticket/", headers=h)
    assert r.status_code == 200, r.text
    ticket = r.json()
    assert ticket["url"] == f"/api/sessions/{sid}/events/?ticket={ticket['ticket']}"
    assert h["Authorization"].split()[1] not in ticket["url"]  # never the access token
    rec = DbSessionRecorder(recorder_maker, sid)
    await rec.add_turn("assistant", "Hi! How can I help?", time.time(), time.time())  # before
    async with http.stream("GET", ticket["url"]) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response)
        await stream.wait_for("turn")
        assert stream.kinds() == ["status", "turn"]  # the state so far, then live items
        assert stream.items[0][1]["status"] == "created"
        await rec.mark_active()
        await stream.wait_for("status", 2)
        sent = time.monotonic()
        await rec.add_turn("user", "Where is my order?", time.time(), time.time())
        await stream.wait_for("turn", 2)
        assert stream.items[-1][2] - sent < 0.9  # woken by the recorder, not the 1 s poll
        await rec.add_turn("assistant", "Let me check.", time.time(), time.time(), latency_ms=812)
        await rec.add_tool_call("lookup", {"order": "A-1"}, "ok", 12.5, {"status": "shipped"})
        await rec.add_event("form_shown", {"form_id": "contact"})
        await rec.end("end_call")
        await asyncio.wait_for(stream.closed.wait(), 5)  # the server closed the stream
    assert stream.kinds() == [
        "status", "turn", "status", "turn", "turn", "tool_call", "event", "status", "end",
    ]  # fmt: skip
    data = [d for _, d, _ in stream.items]
    assert [d["text"] for k, d, _ in stream.items if k == "turn"] == [
        "Hi! How can I help?", "Where is my order?", "Let me check.",
    ]  # fmt: skip
    assert data[4]["latency_ms"] == 812 and data[4]["seq"] == 3
    assert data[5]["name"] == "lookup" and data[5]["result"] == {"status": "shipped"}
    assert data[6]["kind"] == "form_shown"
    assert data[7]["status"] == "ended" and data[8] == {"status": "ended", "end_reason": "end_call"}
    assert sid not in live_events._waiters  # cleaned up


async def test_an_ended_session_replays_and_ends(
    http: httpx.AsyncClient, recorder_maker: Any
) -> None:
    h, sid = await _owner_and_session(http, "ended@example.com")
    rec = DbSessionRecorder(recorder_maker, sid)
    await rec.add_turn("user", "hello", time.time(), time.time())
    await rec.end("idle")
    r = await http.get(f"/api/sessions/{sid}/events/", headers=h)  # JWT in the header
    assert r.status_code == 200
    assert [line[7:] for line in r.text.splitlines() if line.startswith("event: ")] == [
        "status", "turn", "end",
    ]  # fmt: skip
    key = (await http.post("/api/api-keys/", headers=h, json={"name": "k"})).json()["key"]
    r = await http.get(f"/api/sessions/{sid}/events/", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200 and "event: end" in r.text


async def test_auth_tickets_and_tenancy(http: httpx.AsyncClient, recorder_maker: Any) -> None:
    h, sid = await _owner_and_session(http, "owner-a@example.com")
    other_h, other_sid = await _owner_and_session(http, "owner-b@example.com")
    url = f"/api/sessions/{sid}/events/?max_seconds=1"
    r = await http.get(url)
    assert r.status_code == 401 and "ticket" in r.json()["detail"]
    r = await http.get(url + "&ticket=garbage")
    assert r.status_code == 401
    access = h["Authorization"].split()[1]
    assert (await http.get(url + f"&ticket={access}")).status_code == 401  # not a ticket
    other_ticket = (
        await http.post(f"/api/sessions/{other_sid}/events/ticket/", headers=other_h)
    ).json()["ticket"]
    r = await http.get(url + f"&ticket={other_ticket}")
    assert r.status_code == 401 and "another session" in r.json()["detail"]
    assert (await http.get(url, headers=other_h)).status_code == 404
    assert (
        await http.post(f"/api/sessions/{sid}/events/ticket/", headers=other_h)
    ).status_code == 404
    assert (await http.post("/api/sessions/sess_nope/events/ticket/", headers=h)).status_code == 404
    assert (await http.post(f"/api/sessions/{sid}/events/ticket/")).status_code == 401
    r = await http.post(f"/api/sessions/{sid}/events/ticket/", headers=h, json={"x": 1})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "x"
    r = await http.post(f"/api/sessions/{sid}/events/ticket/", headers=h, json={})
    assert r.status_code == 200
    invited = await invite(http, h, "member@example.com")
    member = bearer(await join(http, invited["token"], "member@example.com"))
    ticket = (await http.post(f"/api/sessions/{sid}/events/ticket/", headers=member)).json()
    started = time.monotonic()
    r = await http.get(ticket["url"] + "&max_seconds=1")  # still live: closes after 1 s
    assert r.status_code == 200 and "event: status" in r.text
    assert 0.9 < time.monotonic() - started < 4
    r = await http.get(ticket["url"] + "&max_seconds=0")
    assert r.status_code == 400 and r.json()["errors"][0]["field"].endswith("max_seconds")


async def test_client_disconnect_ends_the_stream(
    http: httpx.AsyncClient, recorder_maker: Any
) -> None:
    h, sid = await _owner_and_session(http, "gone@example.com")
    async with http.stream("GET", f"/api/sessions/{sid}/events/", headers=h) as response:
        stream = Stream(response)
        await stream.wait_for("status")
        assert sid in live_events._waiters
    stream.task.cancel()
    deadline = time.monotonic() + 5
    while sid in live_events._waiters:  # the server noticed and released the stream
        assert time.monotonic() < deadline, "stream not released after the client left"
        await asyncio.sleep(0.05)


async def test_keepalive_comments(recorder_maker: Any, http: httpx.AsyncClient) -> None:
    _h, sid = await _owner_and_session(http, "quiet@example.com")

    async def connected() -> bool:
        return False

    chunks = [
        chunk
        async for chunk in session_stream(
            recorder_maker, sid, disconnected=connected, max_seconds=1.0, poll_seconds=0.1,
            keepalive_seconds=0.3,
        )
    ]  # fmt: skip
    assert chunks[0] == b"retry: 2000\n\n" and chunks[1].startswith(b"event: status\n")
    assert chunks.count(b": keep-alive\n\n") >= 2
    assert not any(c.startswith(b"event: end") for c in chunks)  # still live: just closed


async def test_a_late_commit_of_an_earlier_item_is_not_missed(
    http: httpx.AsyncClient, recorder_maker: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    from oshara.sessions.models import SessionToolCall

    h, sid = await _owner_and_session(http, "late@example.com")
    rec = DbSessionRecorder(recorder_maker, sid)
    async with http.stream("GET", f"/api/sessions/{sid}/events/", headers=h) as response:
        stream = Stream(response)
        await rec.add_tool_call("second", {}, "ok", 1.0)
        await stream.wait_for("tool_call")
        async with recorder_maker.begin() as db:  # began earlier, committed later; no notify
            db.add(
                SessionToolCall(
                    session_id=sid, name="first", status="error", duration_ms=1.0,
                    created_at=datetime.now(UTC) - timedelta(seconds=3),
                )
            )  # fmt: skip
        await stream.wait_for("tool_call", 2)  # found by the 1 s poll
        await rec.end("done")
        await asyncio.wait_for(stream.closed.wait(), 5)
    assert [d["name"] for k, d, _ in stream.items if k == "tool_call"] == ["second", "first"]
