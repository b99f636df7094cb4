"""The live routes' platform side: session tokens, order of checks, the DB recorder.

The agent runtime is replaced by a recording fake here; tests/voice drives the real one.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from oshara.sessions.recorder import DbSessionRecorder
from tests.helpers import auth_headers, character_body

ORIGIN = {"Origin": "https://yoursite.com"}
OFFER = {"sdp": "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", "type": "offer", "pc_id": None}


class _Signaling:
    def __init__(self) -> None:
        self.pcs: dict[str, str] = {}

    def session_for_pc(self, pc_id: str) -> str | None:
        return self.pcs.get(pc_id)


class FakeRuntime:
    """Stands in for AgentRuntime: records what the routes hand over."""

    def __init__(self) -> None:
        self.signaling = _Signaling()
        self.offers: list[tuple[Any, Any]] = []
        self.patches: list[tuple[str, Any]] = []
        self.live: set[str] = set()
        self.specs: list[Any] = []

    def is_live(self, session_id: str) -> bool:
        return session_id in self.live

    def check_room(self) -> None:
        pass

    async def offer(self, spec: Any, recorder: Any, body: Any) -> dict[str, str]:
        self.offers.append((spec, body))
        self.signaling.pcs["pc-1"] = spec.session_id
        await recorder.mark_active()
        return {"sdp": "v=0 answer", "type": "answer", "pc_id": "pc-1"}

    async def patch(self, session_id: str, body: Any) -> None:
        self.patches.append((session_id, body))

    async def start_text(self, spec: Any, recorder: Any) -> str | None:
        self.specs.append(spec)
        self.live.add(spec.session_id)
        self.recorder = recorder
        await recorder.mark_active()
        return "Hi!"

    async def send_text(self, session_id: str, text: str) -> dict[str, Any]:
        await self.recorder.add_turn("user", text, 1.0, 2.0)
        await self.recorder.add_turn("agent", f"echo {text}", 2.0, 3.0, latency_ms=120.0)
        return {"reply": f"echo {text}", "tool_calls": [], "ended": False}

    async def shutdown(self) -> None:
        pass


TOOL = {
    "name": "ticket_lookup",
    "kind": "http",
    "description": "Look up a ticket",
    "config": {"url": "https://yoursite.com/t", "headers": {"X-Oshara-Secret": "s3cret"}},
}


async def _session(
    client: httpx.AsyncClient, mode: str = "voice"
) -> tuple[dict[str, Any], dict[str, str]]:
    h = await auth_headers(client, "live@example.com")
    body = character_body(tools=[TOOL], system_prompt="Hello {{user_name}}", greeting="Hi!")
    assert (await client.post("/api/ai-characters/", headers=h, json=body)).status_code == 201
    r = await client.post(
        "/api/agents/agent-session/",
        headers=ORIGIN,
        json={"agent": "support-bot", "mode": mode, "metadata": {"user_name": "Ada"}},
    )
    assert r.status_code == 200, r.text
    return r.json(), h


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_runtime_off_is_503_after_token_and_body_checks(client: httpx.AsyncClient) -> None:
    s, _ = await _session(client)
    url = f"/api/sessions/{s['session_id']}/webrtc/"
    assert (await client.post(url, json=OFFER)).status_code == 401
    assert (await client.post(url, headers=_bearer("nope"), json=OFFER)).status_code == 401
    bad = await client.post(url, headers=_bearer(s["token"]), json={"sdp": 1})
    assert bad.status_code == 400
    off = await client.post(url, headers=_bearer(s["token"]), json=OFFER)
    assert off.status_code == 503 and "runtime" in off.json()["detail"]


async def test_offer_consumes_the_token_once(client: httpx.AsyncClient, app: FastAPI) -> None:
    app.state.voice = fake = FakeRuntime()
    s, h = await _session(client)
    url = f"/api/sessions/{s['session_id']}/webrtc/"
    r = await client.post(url, headers=_bearer(s["token"]), json=OFFER)
    assert r.status_code == 200, r.text
    assert r.json() == {"sdp": "v=0 answer", "type": "answer", "pc_id": "pc-1"}
    spec = fake.offers[0][0]
    assert spec.session_id == s["session_id"] and spec.metadata == {"user_name": "Ada"}
    assert spec.tools[0]["config"]["headers"] == {"X-Oshara-Secret": "s3cret"}  # runtime only
    again = await client.post(url, headers=_bearer(s["token"]), json=OFFER)
    assert again.status_code == 403 and "already used" in again.json()["detail"]
    # Trickle ICE with the same token still works for this call.
    ice = {"pc_id": "pc-1", "candidates": [{"candidate": "candidate:1", "sdp_mid": "0"}]}
    assert (await client.patch(url, headers=_bearer(s["token"]), json=ice)).status_code == 204
    assert fake.patches == [(s["session_id"], ice)]
    detail = (await client.get(f"/api/sessions/{s['session_id']}/", headers=h)).json()
    assert detail["status"] == "active" and detail["started_at"]


async def test_token_of_another_session_is_403(client: httpx.AsyncClient, app: FastAPI) -> None:
    app.state.voice = FakeRuntime()
    a, _ = await _session(client)
    b = (
        await client.post(
            "/api/agents/agent-session/", headers=ORIGIN, json={"agent": "support-bot"}
        )
    ).json()
    r = await client.post(
        f"/api/sessions/{a['session_id']}/webrtc/", headers=_bearer(b["token"]), json=OFFER
    )
    assert r.status_code == 403


async def test_text_mode_messages_and_timeline(client: httpx.AsyncClient, app: FastAPI) -> None:
    app.state.voice = fake = FakeRuntime()
    s, h = await _session(client, mode="text")
    url = f"/api/sessions/{s['session_id']}/messages/"
    assert (
        await client.post(url, headers=_bearer(s["token"]), json={"text": ""})
    ).status_code == 400
    r = await client.post(url, headers=_bearer(s["token"]), json={"text": "hello"})
    assert r.status_code == 200, r.text
    assert r.json() == {"reply": "echo hello", "tool_calls": [], "ended": False, "greeting": "Hi!"}
    r2 = await client.post(url, headers=_bearer(s["token"]), json={"text": "again"})
    assert r2.json()["reply"] == "echo again" and "greeting" not in r2.json()
    assert fake.specs[0].mode == "text"
    detail = (await client.get(f"/api/sessions/{s['session_id']}/", headers=h)).json()
    assert [(t["seq"], t["role"], t["text"]) for t in detail["transcript"]] == [
        (1, "user", "hello"),
        (2, "agent", "echo hello"),
        (3, "user", "again"),
        (4, "agent", "echo again"),
    ]
    assert detail["transcript"][1]["latency_ms"] == 120.0
    # A voice route for a text session, and the other way round, are refused.
    assert (
        await client.post(
            f"/api/sessions/{s['session_id']}/webrtc/", headers=_bearer(s["token"]), json=OFFER
        )
    ).status_code == 400


async def test_recorder_end_and_ended_sessions_refuse(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    app.state.voice = FakeRuntime()
    s, h = await _session(client)
    recorder = DbSessionRecorder(app.state.sessionmaker, s["session_id"])
    await recorder.add_tool_call(
        "ticket_lookup", {"ticket_id": "T-1"}, "ok", 12.5, {"status": "open"}
    )
    await recorder.add_event("limit_reached", {"limit": "max_session_seconds"})
    await recorder.set_metrics({"turns": 1, "latency_ms_p50": 850})
    await recorder.end("max_duration")
    await recorder.end("again")  # only the first end counts
    detail = (await client.get(f"/api/sessions/{s['session_id']}/", headers=h)).json()
    assert detail["status"] == "ended" and detail["end_reason"] == "max_duration"
    assert detail["tool_calls"][0]["result"] == {"status": "open"}
    assert detail["events"][0]["kind"] == "limit_reached"
    assert detail["metrics"]["latency_ms_p50"] == 850
    r = await client.post(
        f"/api/sessions/{s['session_id']}/webrtc/", headers=_bearer(s["token"]), json=OFFER
    )
    assert r.status_code == 409 and "ended" in r.json()["detail"]
