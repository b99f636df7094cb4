"""POST /api/agents/agent-session/ and the owner's session list/detail."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from oshara.auth import tokens
from tests.helpers import auth_headers, character_body

ORIGIN = {"Origin": "https://yoursite.com"}
URL = "/api/agents/agent-session/"


async def _setup(client: httpx.AsyncClient, **overrides: object) -> dict[str, str]:
    h = await auth_headers(client, "owner@example.com")
    r = await client.post("/api/ai-characters/", headers=h, json=character_body(**overrides))
    assert r.status_code == 201, r.text
    return h


async def test_session_from_allowed_origin(client: httpx.AsyncClient, app: FastAPI) -> None:
    h = await _setup(client)
    r = await client.post(
        URL,
        headers=ORIGIN,
        json={"agent": "support-bot", "language": "en", "metadata": {"user_name": "Ada"}},
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert set(data) == {
        "session_id",
        "token",
        "transport",
        "livekit_url",
        "webrtc_url",
        "expires_at",
    }
    assert data["session_id"].startswith("sess_")
    assert data["transport"] == "webrtc" and data["livekit_url"] is None
    assert data["webrtc_url"] == f"http://testserver/api/sessions/{data['session_id']}/webrtc/"
    expires = datetime.fromisoformat(data["expires_at"])
    assert 0 < (expires - datetime.now(UTC)).total_seconds() <= 301
    claims = tokens.decode(app.state.settings.secret_key, "session", data["token"])
    assert claims["sub"] == data["session_id"] and claims["agent"] == "support-bot"
    with pytest.raises(tokens.TokenError):
        tokens.decode(app.state.settings.secret_key, "access", data["token"])
    # The owner sees the session with its metadata and origin.
    listed = (await client.get("/api/sessions/", headers=h)).json()
    assert [s["id"] for s in listed] == [data["session_id"]]
    detail = (await client.get(f"/api/sessions/{data['session_id']}/", headers=h)).json()
    assert detail["metadata"] == {"user_name": "Ada"}
    assert detail["origin"] == "https://yoursite.com"
    assert detail["status"] == "created" and detail["agent"] == "support-bot"
    assert detail["transcript"] == [] and detail["tool_calls"] == [] and detail["metrics"] == {}


async def test_origin_not_allowed_is_403_naming_it(client: httpx.AsyncClient) -> None:
    await _setup(client)
    r = await client.post(
        URL, headers={"Origin": "https://evil.example"}, json={"agent": "support-bot"}
    )
    assert r.status_code == 403
    assert "https://evil.example" in r.json()["detail"]
    r = await client.post(URL, json={"agent": "support-bot"})
    assert r.status_code == 403 and "Origin" in r.json()["detail"]


async def test_owner_token_or_api_key_skips_the_origin_check(client: httpx.AsyncClient) -> None:
    h = await _setup(client)
    assert (await client.post(URL, headers=h, json={"agent": "support-bot"})).status_code == 200
    key = (await client.post("/api/api-keys/", headers=h, json={})).json()["key"]
    r = await client.post(
        URL, headers={"Authorization": f"Bearer {key}"}, json={"agent": "support-bot"}
    )
    assert r.status_code == 200
    other = await auth_headers(client, "other@example.com", "Other org")
    assert (await client.post(URL, headers=other, json={"agent": "support-bot"})).status_code == 403


async def test_unknown_agent_is_404(client: httpx.AsyncClient) -> None:
    r = await client.post(URL, headers=ORIGIN, json={"agent": "nope"})
    assert r.status_code == 404 and "nope" in r.json()["detail"]


async def test_bad_bodies_are_400(client: httpx.AsyncClient) -> None:
    await _setup(client)
    for body, field in [
        ({}, "agent"),
        ({"agent": "support-bot", "metadata": "x"}, "metadata"),
        ({"agent": "support-bot", "metadata": {"blob": "x" * 20000}}, "metadata"),
        ({"agent": "support-bot", "language": "english!"}, "language"),
        ({"agent": "support-bot", "mode": "video"}, "mode"),
    ]:
        r = await client.post(URL, headers=ORIGIN, json=body)
        assert r.status_code == 400, body
        assert r.json()["errors"][0]["field"] == field


async def test_rate_limit_is_429_with_retry_after(client: httpx.AsyncClient) -> None:
    await _setup(client, limits={"sessions_per_minute": 3, "max_concurrent_sessions": 100})
    for _ in range(3):
        assert (
            await client.post(URL, headers=ORIGIN, json={"agent": "support-bot"})
        ).status_code == 200
    r = await client.post(URL, headers=ORIGIN, json={"agent": "support-bot"})
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert "per minute" in r.json()["detail"]


def _from(app: FastAPI, address: str) -> dict[str, str]:
    """Headers of a start from ``address`` (the test client's peer is a trusted proxy)."""
    app.state.settings.trusted_proxies = "127.0.0.1/32"
    return {**ORIGIN, "X-Forwarded-For": address}


async def test_concurrency_cap_is_429(client: httpx.AsyncClient, app: FastAPI) -> None:
    await _setup(client, limits={"sessions_per_minute": 100, "max_concurrent_sessions": 2})
    for i in range(2):
        assert (
            await client.post(
                URL, headers=_from(app, f"198.51.100.{i}"), json={"agent": "support-bot"}
            )
        ).status_code == 200
    r = await client.post(URL, headers=_from(app, "198.51.100.9"), json={"agent": "support-bot"})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert "in progress" in r.json()["detail"]


async def test_concurrent_requests_never_overshoot_the_cap(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    import asyncio

    await _setup(client, limits={"sessions_per_minute": 1000, "max_concurrent_sessions": 3})
    results = await asyncio.gather(
        *[
            client.post(URL, headers=_from(app, f"198.51.100.{i}"), json={"agent": "support-bot"})
            for i in range(10)
        ]
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200] * 3 + [429] * 7


async def test_text_mode_session(client: httpx.AsyncClient) -> None:
    await _setup(client)
    r = await client.post(URL, headers=ORIGIN, json={"agent": "support-bot", "mode": "text"})
    assert r.status_code == 200
    assert r.json()["transport"] == "text" and r.json()["webrtc_url"] is None


async def test_session_language_defaults_to_character(client: httpx.AsyncClient) -> None:
    h = await _setup(client, language="de")
    sid = (await client.post(URL, headers=ORIGIN, json={"agent": "support-bot"})).json()[
        "session_id"
    ]
    assert (await client.get(f"/api/sessions/{sid}/", headers=h)).json()["language"] == "de"


async def test_sessions_filters_and_missing(client: httpx.AsyncClient) -> None:
    h = await _setup(client)
    await client.post(URL, headers=ORIGIN, json={"agent": "support-bot"})
    assert len((await client.get("/api/sessions/?agent=support-bot", headers=h)).json()) == 1
    assert (await client.get("/api/sessions/?agent=other", headers=h)).json() == []
    assert (await client.get("/api/sessions/?status=ended", headers=h)).json() == []
    assert (await client.get("/api/sessions/?status=bogus", headers=h)).status_code == 400
    assert (await client.get("/api/sessions/sess_missing/", headers=h)).status_code == 404
    assert (await client.get("/api/sessions/")).status_code == 401
