"""The dashboard's Calls pages in headless Chromium against the real server, on SQLite and
PostgreSQL: the list and its filters, one finished call's timeline (turns with offsets and a
barge-in, a tool call's arguments/status/duration, forms shown and submitted, the latency
bar, the end reason, metadata), and a live call whose new turn appears without a reload.

The sessions are seeded in the database (as the recorder writes them); screenshots at 1280
and 390 px go to ``/tmp/dash-shots/``.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select, update

from oshara.app import create_app
from oshara.characters.models import Character
from oshara.config import Settings
from oshara.db.engine import create_engine, create_sessionmaker
from oshara.sessions.models import AgentSession, SessionEvent, SessionToolCall, SessionTurn
from tests.conftest import BACKENDS
from tests.web.axe import assert_accessible
from tests.web.browser import Browser
from tests.web.conftest import _free_socket
from tests.web.dashboard_build import dashboard_build
from tests.web.test_dashboard_browser import (
    PASSWORD,
    _drop_db,
    _make_db,
    _shots,
    button,
    label,
    link,
)

COUNT = "main p.hint[role=status]"


@dataclass
class CallsServer:
    url: str
    backend: str
    db_url: str


@pytest.fixture(params=BACKENDS)
def calls_server(
    request: pytest.FixtureRequest, web_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CallsServer]:
    dashboard_build()
    backend: str = request.param
    tmp = tmp_path_factory.mktemp(f"calls-{backend}")
    db_url, pg_name = asyncio.run(_make_db(backend, tmp))
    sock = _free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        env="test",
        database_url=db_url,
        data_dir=tmp,
        secret_key="test-secret-" + "x" * 40,
        public_url=url,
        agent_enabled=False,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), lifespan="on", log_config=None, log_level="warning")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the Oshara test server did not start")
        time.sleep(0.01)
    try:
        yield CallsServer(url=url, backend=backend, db_url=db_url)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        if pg_name:
            asyncio.run(_drop_db(pg_name))


def _db(db_url: str, work: Any) -> Any:
    """Run ``await work(db)`` in one transaction of a fresh engine (from this thread)."""

    async def run() -> Any:
        engine = create_engine(db_url)
        try:
            async with create_sessionmaker(engine).begin() as db:
                return await work(db)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _seed_session(db_url: str, slug: str, *, start: datetime, status: str) -> str:
    sid = "sess_" + uuid.uuid4().hex[:24]

    async def work(db: Any) -> None:
        character = await db.scalar(select(Character).where(Character.slug == slug))
        assert character is not None
        db.add(
            AgentSession(
                id=sid,
                organization_id=character.organization_id,
                character_id=character.id,
                language="en",
                metadata_={"customer": "Ada", "plan": "pro"},
                origin="https://shop.example",
                transport="webrtc",
                mode="voice",
                status=status,
                created_at=start - timedelta(seconds=1),
                expires_at=start + timedelta(minutes=5),
                started_at=start,
                ended_at=start + timedelta(seconds=42) if status == "ended" else None,
                end_reason="agent_ended_call" if status == "ended" else None,
                metrics={
                    "latency_ms": {"count": 2, "p50": 1075.0, "p95": 1187.5},
                    "greeting_latency_ms": 640.0,
                    "ttfb_ms": {
                        "llm": {"count": 2, "p50": 380.0},
                        "tts": {"count": 2, "p50": 95.0},
                    },
                    "turns": [
                        {
                            "latency_ms": 950.0,
                            "parts_ms": {"vad": 200.0, "stt": 150.0, "llm": 420.0, "tts": 180.0},
                        }
                    ],
                },
            )
        )
        await db.flush()
        if status != "ended":
            db.add(
                SessionTurn(
                    session_id=sid, seq=1, role="agent", text="Hi, how can I help?",
                    started_at=start, ended_at=start + timedelta(seconds=2),
                )
            )  # fmt: skip
            return
        at = lambda s: start + timedelta(seconds=s)  # noqa: E731
        turns = [
            ("agent", "Welcome to Acme, how can I help?", 0, 3, False, None),
            ("user", "I want to book a table for two", 4, 6, False, None),
            ("agent", "Let me check tomorrow evening", 7, 9, False, 950.0),
            ("user", "Actually wait", 10, 11, False, None),
            ("agent", "Sure, I'll show you the booking form", 12, 13, True, 1200.0),
        ]
        for seq, (role, text, s, e, interrupted, latency) in enumerate(turns, 1):
            db.add(
                SessionTurn(
                    session_id=sid, seq=seq, role=role, text=text, started_at=at(s),
                    ended_at=at(e), interrupted=interrupted, latency_ms=latency,
                )
            )  # fmt: skip
        db.add(
            SessionToolCall(
                session_id=sid,
                name="check_availability",
                arguments={"date": "2026-03-11", "party_size": 2},
                status="ok",
                duration_ms=312.0,
                result={"free": ["19:00", "20:30"]},
                created_at=at(9.5),
            )
        )
        db.add(
            SessionEvent(
                session_id=sid,
                kind="form_shown",
                data={"form_id": "booking", "mode": "voice", "prefilled": ["party_size"]},
                created_at=at(14),
            )
        )
        db.add(
            SessionEvent(
                session_id=sid,
                kind="form_result",
                data={"form_id": "booking", "status": "submitted", "response_id": "r-1"},
                created_at=at(30),
            )
        )

    _db(db_url, work)
    return sid


def _add_turn(
    db_url: str, sid: str, seq: int, text: str, role: str = "user", latency: float | None = None
) -> None:
    async def work(db: Any) -> None:
        now = datetime.now(UTC)
        db.add(
            SessionTurn(
                session_id=sid, seq=seq, role=role, text=text, started_at=now,
                ended_at=now + timedelta(seconds=1), latency_ms=latency,
            )
        )  # fmt: skip

    _db(db_url, work)


def _end(db_url: str, sid: str) -> None:
    async def work(db: Any) -> None:
        await db.execute(
            update(AgentSession)
            .where(AgentSession.id == sid)
            .values(status="ended", ended_at=datetime.now(UTC), end_reason="client_disconnected")
        )

    _db(db_url, work)


def test_calls_list_timeline_and_live_updates(calls_server: CallsServer) -> None:
    base = calls_server.url
    email = f"calls-{uuid.uuid4().hex[:6]}@acme.test"
    r = httpx.post(
        f"{base}/api/auth/register/", json={"email": email, "password": PASSWORD}, timeout=10
    )
    assert r.status_code == 201, r.text
    headers = {"Authorization": f"Bearer {r.json()['access']}"}
    for slug, name in (("acme-support", "Acme Support"), ("acme-sales", "Acme Sales")):
        r = httpx.post(
            f"{base}/api/ai-characters/",
            json={"slug": slug, "name": name},
            headers=headers,
            timeout=10,
        )
        assert r.status_code == 201, r.text
    now = datetime.now(UTC).replace(microsecond=0)
    done = _seed_session(calls_server.db_url, "acme-support", start=now - timedelta(hours=1),
                         status="ended")  # fmt: skip
    old = _seed_session(calls_server.db_url, "acme-sales", start=now - timedelta(days=3),
                        status="ended")  # fmt: skip
    live = _seed_session(calls_server.db_url, "acme-sales", start=now - timedelta(seconds=5),
                         status="active")  # fmt: skip

    with Browser.launch(viewport={"width": 1280, "height": 900}) as b:
        b.goto(base + "/dashboard/")
        b.fill(label("Email"), email)
        b.fill(label("Password"), PASSWORD)
        b.click(button("Sign in"))
        b.wait_text("h1", "Agents")

        # The list: all three, the live one marked.
        b.click('role=navigation[name="Main"] >> ' + link("Calls"))
        b.wait_text("h1", "Calls")
        b.wait_text(COUNT, "3 calls")
        rows = b.call("texts", selector=".call-row")
        assert len(rows) == 3
        assert "Live (active)" in rows[0] and live in rows[0]
        assert done in rows[1] and "agent_ended_call" in rows[1] and "42.0 s" in rows[1]
        _shots(b, "calls", calls_server.backend)
        assert_accessible(b, "calls")

        # Filters: agent, status, dates (kept in the URL); a reversed range is refused.
        b.call("select", selector=label("Agent"), value="acme-sales")
        b.wait_text(COUNT, "2 calls")
        b.call("select", selector=label("Status"), value="ended")
        b.wait_text(COUNT, "1 call")
        assert old in b.text(".call-list")
        b.call("select", selector=label("Agent"), value="")
        b.call("select", selector=label("Status"), value="")
        today = datetime.now().date()
        b.fill(label("From"), (today - timedelta(days=1)).isoformat())
        b.wait_text(COUNT, "2 calls")
        assert old not in b.text(".call-list")
        b.fill(label("To"), (today - timedelta(days=2)).isoformat())
        b.wait_text("#calls-to-error", "before")
        assert b.call("attr", selector=label("To"), name="aria-invalid") == "true"
        b.fill(label("To"), (today - timedelta(days=3)).isoformat())
        b.fill(label("From"), (today - timedelta(days=4)).isoformat())
        b.wait_text(COUNT, "1 call")
        assert old in b.text(".call-list")
        assert "from=" in b.call("eval", expr="return location.search")
        b.click(button("Clear filters"))
        b.wait_text(COUNT, "3 calls")

        # One finished call's timeline.
        b.click('role=link[name*="acme-support"]')
        b.wait_text("h1", "Call with acme-support")
        assert b.call("eval", expr="return document.title") == "Call with acme-support · Oshara"
        timeline = b.wait_text('role=list[name="Timeline"]', "check_availability")
        assert "Welcome to Acme, how can I help?" in timeline
        assert "I want to book a table for two" in timeline
        offsets = b.call("texts", selector=".tl-item .offset")
        assert offsets == ["0:00", "0:04", "0:07", "0:09", "0:10", "0:12", "0:14", "0:30", "0:42"]
        assert "Interrupted (barge-in)" in timeline
        tool = b.text(".tl-tool")
        assert "check_availability" in tool and "ok" in tool and "took 312 ms" in tool
        assert '"party_size": 2' in tool and '"date": "2026-03-11"' in tool
        forms = b.call("texts", selector=".tl-form")
        assert "Form booking shown" in forms[0] and "prefilled: party_size" in forms[0]
        assert "Form booking submitted" in forms[1] and "response r-1" in forms[1]
        assert "Call ended: agent_ended_call" in b.text(".tl-end")
        # Latency: the recorded breakdown of turn 3, the total only for turn 5 (labelled).
        bars = b.call("texts", selector=".latency")
        assert "VAD 200 ms" in bars[0] and "STT 150 ms" in bars[0] and "LLM 420 ms" in bars[0]
        assert "TTS 180 ms" in bars[0] and "Latency 950 ms" in bars[0]
        assert "No breakdown recorded" in bars[1] and "Latency 1.2 s" in bars[1]
        details = b.text("main")
        assert '"customer": "Ada"' in details and "https://shop.example" in details
        assert "Latency p50\n1.1 s" in details and "Greeting latency\n640 ms" in details
        assert "LLM 380 ms · TTS 95 ms" in details
        _shots(b, "call", calls_server.backend)
        assert_accessible(b, "call")
        b.click("summary >> text=Result")
        assert "20:30" in b.text(".tl-tool")

        # A live call: its new turn appears without a reload, then its end.
        b.goto(f"{base}/dashboard/calls/{live}")
        b.wait_text("h1", "Call with acme-sales")
        b.wait_text(".banner", "Live: new turns appear")
        b.call("eval", expr="window.__sameDocument = true; return null")
        _add_turn(calls_server.db_url, live, 2, "Is the terrace open tonight?")
        b.wait_text('role=list[name="Timeline"]', "Is the terrace open tonight?")
        # An agent turn with a latency: its breakdown (session metrics) follows shortly.
        _add_turn(calls_server.db_url, live, 3, "Yes, until 11 pm.", role="agent", latency=950.0)
        b.wait_text('role=list[name="Timeline"]', "Yes, until 11 pm.")
        b.wait_text(".latency", "VAD 200 ms")
        _shots(b, "call-live", calls_server.backend)
        _end(calls_server.db_url, live)
        b.wait_text(".tl-end", "client_disconnected")
        assert b.call("eval", expr="return window.__sameDocument === true")
        urls = [req["url"] for req in b.call("requests")]
        streams = [u for u in urls if f"/api/sessions/{live}/events/?" in u]
        assert streams and all("ticket=" in u for u in streams)
        saved = b.call("eval", expr='return sessionStorage.getItem("oshara.dashboard.tokens")')
        access = json.loads(saved)["access"]
        assert access and not any(access in u for u in urls), "the access token is never in a URL"

        # An unknown call (or another organization's) is a clear message, not a blank page.
        b.goto(f"{base}/dashboard/calls/sess_doesnotexist")
        b.wait_text("h1", "Call not found")
