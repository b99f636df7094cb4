"""Rounds of anonymous text sessions through the real HTTP routes and the real ``AgentRuntime``
(a scripted OpenAI-compatible LLM on loopback): each session starts, says one thing and is
left to its idle timeout. After every round the runner holds nothing, every row has ended
with reason ``idle``, and the process's memory stops growing after the first round.

Run with ``-s`` to see the figures (RSS after gc, per round)."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from oshara.characters.models import Character
from oshara.sessions.agent_runtime import AgentRuntime
from oshara.sessions.models import AgentSession
from tests.helpers import auth_headers, character_body

from .scripted_llm import ScriptedLLM

ROUNDS = 4
PER_ROUND = 30
ORIGIN = {"Origin": "https://yoursite.com"}


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.fixture
async def runtime(app: FastAPI, scripted_llm: ScriptedLLM) -> AsyncIterator[AgentRuntime]:
    settings = app.state.settings
    settings.openai_base_url = scripted_llm.base_url
    settings.openai_api_key = "test-key"
    settings.max_live_sessions = 200  # the machine's default (16 on 2 cores) is not under test
    runtime = AgentRuntime.create(settings, sessionmaker=app.state.sessionmaker)
    assert runtime is not None
    app.state.voice = runtime
    yield runtime
    await runtime.shutdown()
    app.state.voice = None


async def _one(client: httpx.AsyncClient) -> str:
    r = await client.post(
        "/api/agents/agent-session/", headers=ORIGIN, json={"agent": "support-bot", "mode": "text"}
    )
    assert r.status_code == 200, r.text
    s = r.json()
    reply = await client.post(
        f"/api/sessions/{s['session_id']}/messages/",
        headers={"Authorization": f"Bearer {s['token']}"},
        json={"text": "Hello"},
    )
    assert reply.status_code == 200, reply.text
    return str(s["session_id"])


async def test_rounds_of_expiring_text_sessions_are_released(
    client: httpx.AsyncClient, app: FastAPI, runtime: AgentRuntime
) -> None:
    h = await auth_headers(client, "owner@example.com")
    limits = {"max_concurrent_sessions": 1000, "sessions_per_minute": 10_000}
    r = await client.post("/api/ai-characters/", headers=h, json=character_body(limits=limits))
    assert r.status_code == 201, r.text
    async with app.state.sessionmaker.begin() as db:  # below what the API accepts: test speed
        await db.execute(
            update(Character).values(
                limits={**limits, "max_session_seconds": 30, "idle_timeout_seconds": 0.5}
            )
        )
    runner = runtime.runner
    figures = []
    for _ in range(ROUNDS):
        ids = []
        for _ in range(PER_ROUND // 10):  # ten at a time, as a burst of visitors would
            ids += await asyncio.gather(*(_one(client) for _ in range(10)))
        for _ in range(600):
            if not runner.sessions and runner.load == 0:
                break
            await asyncio.sleep(0.05)
        assert runner.sessions == {} and runner.load == 0
        async with app.state.sessionmaker() as db:
            rows = (
                await db.execute(
                    select(AgentSession.status, AgentSession.end_reason).where(
                        AgentSession.id.in_(ids)
                    )
                )
            ).all()
        assert sorted(set(rows)) == [("ended", "idle")] and len(rows) == PER_ROUND
        gc.collect()
        figures.append(_rss_mb())
    print("\nRSS after each round of", PER_ROUND, "sessions (MB):", [round(f) for f in figures])
    # Unreleased sessions held ~12 MB each (360 MB a round). Growth is measured from the end
    # of the second round: inside the whole test run the first rounds still load code and
    # grow the allocator's arenas (786 → 897 → 900 → 900 MB seen in CI), the later ones must
    # not. A generous 60 MB of drift over the last two rounds (a leak would be ~720 MB).
    assert figures[-1] - figures[1] < 60, figures
