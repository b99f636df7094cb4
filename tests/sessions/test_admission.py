"""Admission against a character's concurrent slots: the connect grace, the per-address share
of anonymous starts, re-admission on a late connect, and the Retry-After of each 429.

The test client's peer (127.0.0.1) is made a trusted proxy so ``X-Forwarded-For`` can stand
for many visitors' addresses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from oshara.sessions.models import AgentSession, SessionStatus
from tests.helpers import auth_headers, character_body
from tests.sessions.test_live_routes import FakeRuntime

URL = "/api/agents/agent-session/"
FORGED = "https://yoursite.com"  # an allowed origin, sent by a script: it proves nothing


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"trusted_proxies": "127.0.0.1/32", "session_connect_grace_seconds": 30}


def _anon(address: str) -> dict[str, str]:
    return {"Origin": FORGED, "X-Forwarded-For": address}


async def _setup(client: httpx.AsyncClient, concurrent: int = 10) -> dict[str, str]:
    h = await auth_headers(client, "owner@example.com")
    limits = {"sessions_per_minute": 1000, "max_concurrent_sessions": concurrent}
    r = await client.post("/api/ai-characters/", headers=h, json=character_body(limits=limits))
    assert r.status_code == 201, r.text
    return h


async def _start(client: httpx.AsyncClient, headers: dict[str, str], mode: str = "text") -> Any:
    return await client.post(URL, headers=headers, json={"agent": "support-bot", "mode": mode})


async def _age(app: FastAPI, ids: list[str], seconds: float) -> None:
    """Pretend these sessions were started ``seconds`` ago."""
    at = datetime.now(UTC) - timedelta(seconds=seconds)
    async with app.state.sessionmaker.begin() as db:
        await db.execute(update(AgentSession).where(AgentSession.id.in_(ids)).values(created_at=at))


async def test_forged_origin_flood_cannot_lock_out_the_owner(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    h = await _setup(client, concurrent=10)
    flood = [await _start(client, _anon("203.0.113.66")) for _ in range(10)]
    ok = [r for r in flood if r.status_code == 200]
    refused = [r for r in flood if r.status_code == 429]
    assert len(ok) == 5 and len(refused) == 5  # half of the 10 slots for one address
    assert "your address" in refused[0].json()["detail"]
    # Unconnected: they free their slots when the 30 s grace ends, so no more than 15 s.
    assert 1 <= int(refused[0].headers["retry-after"]) <= 15
    # The owner's API key (from any address) and another visitor still get sessions.
    key = (await client.post("/api/api-keys/", headers=h, json={})).json()["key"]
    owner = {"Authorization": f"Bearer {key}", "X-Forwarded-For": "203.0.113.66"}
    assert (await _start(client, owner)).status_code == 200
    assert (await _start(client, h)).status_code == 200  # the owner's JWT too
    assert (await _start(client, _anon("198.51.100.20"))).status_code == 200
    # After the grace the flood's unconnected sessions stop counting: the address may start
    # again (its share counts only sessions holding a slot).
    await _age(app, [r.json()["session_id"] for r in ok], 31)
    again = [await _start(client, _anon("203.0.113.66")) for _ in range(5)]
    assert [r.status_code for r in again] == [200] * 5


async def test_the_cap_counts_every_address_and_frees_after_the_grace(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await _setup(client, concurrent=4)
    ids = []
    for address in ("198.51.100.1", "198.51.100.1", "198.51.100.2", "198.51.100.2"):
        r = await _start(client, _anon(address))
        assert r.status_code == 200, r.text
        ids.append(r.json()["session_id"])
    full = await _start(client, _anon("198.51.100.3"))
    assert full.status_code == 429 and "4 sessions in progress" in full.json()["detail"]
    # Started 25 s ago: the first slot frees in ~5 s, and Retry-After says so.
    await _age(app, ids[:1], 25)
    r = await _start(client, _anon("198.51.100.3"))
    assert r.status_code == 429 and 4 <= int(r.headers["retry-after"]) <= 6
    await _age(app, ids[:1], 31)
    assert (await _start(client, _anon("198.51.100.3"))).status_code == 200


async def test_per_address_share_is_half_rounded_down_at_least_one(
    client: httpx.AsyncClient,
) -> None:
    await _setup(client, concurrent=3)
    assert (await _start(client, _anon("198.51.100.7"))).status_code == 200
    r = await _start(client, _anon("198.51.100.7"))
    assert r.status_code == 429 and "at most 1 of its 3" in r.json()["detail"]
    assert (await _start(client, _anon("198.51.100.8"))).status_code == 200


async def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await _setup(client, concurrent=4)
    app.state.settings.trusted_proxies = ""  # the peer is no proxy any more
    codes = [
        (await _start(client, _anon(f"192.0.2.{i}"))).status_code  # a new "address" each time
        for i in range(3)
    ]
    assert codes == [200, 200, 429]  # all counted as the peer 127.0.0.1: its share is 2
    async with app.state.sessionmaker() as db:
        addresses = set((await db.scalars(select(AgentSession.client_addr))).all())
    assert addresses == {"127.0.0.1"}


async def test_late_connect_is_readmitted_against_the_cap(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    app.state.voice = FakeRuntime()
    await _setup(client, concurrent=2)
    late = (await _start(client, _anon("198.51.100.1"))).json()
    await _age(app, [late["session_id"]], 31)  # past the grace: holds no slot
    b = (await _start(client, _anon("198.51.100.2"))).json()
    c = (await _start(client, _anon("198.51.100.3"))).json()
    url = f"/api/sessions/{late['session_id']}/messages/"
    bearer = {"Authorization": f"Bearer {late['token']}"}
    r = await client.post(url, headers=bearer, json={"text": "hi"})
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 15
    # The refusal did not spend the token; once a slot frees the late session connects.
    async with app.state.sessionmaker.begin() as db:
        await db.execute(
            update(AgentSession)
            .where(AgentSession.id == c["session_id"])
            .values(status=SessionStatus.ended, end_reason="completed")
        )
    r = await client.post(url, headers=bearer, json={"text": "hi"})
    assert r.status_code == 200, r.text
    # Now it and b hold both slots: nobody else gets in (the cap is not overshot).
    assert (await _start(client, _anon("198.51.100.4"))).status_code == 429
    assert b["session_id"]


async def test_server_at_capacity_is_503_and_writes_nothing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    class Full(FakeRuntime):
        def check_room(self) -> None:
            from oshara.sessions.agent_runtime import BUSY_RETRY_SECONDS, ServerBusy

            raise ServerBusy("This server runs as many sessions as it can", BUSY_RETRY_SECONDS)

    await _setup(client)
    app.state.voice = Full()
    r = await _start(client, _anon("198.51.100.1"))
    assert r.status_code == 503 and int(r.headers["retry-after"]) >= 1
    async with app.state.sessionmaker() as db:
        assert (await db.scalars(select(AgentSession.id))).all() == []


async def test_a_call_left_active_by_a_dead_process_stops_holding_its_slot(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """A process killed mid-call leaves its row ``active``; once the row is older than the
    longest call the character allows (max_session_seconds + drain + a minute) it no longer
    holds a slot, so a crash cannot lock the agent out for good."""
    h = await _setup(client, concurrent=2)
    ids = [(await _start(client, h)).json()["session_id"] for _ in range(2)]
    assert (await _start(client, h)).status_code == 429

    async def mark_active(started_seconds_ago: float) -> None:
        at = datetime.now(UTC) - timedelta(seconds=started_seconds_ago)
        async with app.state.sessionmaker.begin() as db:
            await db.execute(
                update(AgentSession)
                .where(AgentSession.id.in_(ids))
                .values(status=SessionStatus.active, token_used_at=at, started_at=at)
            )

    await mark_active(600)  # within the default 900 s call: still live, still counted
    assert (await _start(client, h)).status_code == 429
    await mark_active(900 + 20 + 61)  # past max_session_seconds + drain + a minute
    assert (await _start(client, h)).status_code == 200
