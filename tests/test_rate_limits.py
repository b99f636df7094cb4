"""Rate limits: 429 with a numeric Retry-After per address / account / session / organization,
never a lockout the attacker controls, fail-open without Redis, and shared across API processes
through Redis.

Each test sets its own tiny limits by parametrizing ``settings_overrides``.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from oshara.auth import tokens
from tests.conftest import Database
from tests.helpers import PASSWORD, register
from tests.servers import spawn_api


@asynccontextmanager
async def client_from(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from ``address`` (the ASGI scope's socket peer)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def assert_limited(r: httpx.Response, *, at_most: int = 3600) -> int:
    assert r.status_code == 429, r.text
    retry_after = r.headers["Retry-After"]
    assert retry_after.isdigit(), retry_after
    assert 1 <= int(retry_after) <= at_most, retry_after
    assert r.json()["retry_after"] == int(retry_after)
    assert r.json()["detail"]
    return int(retry_after)


def _login(email: str, password: str = "wrong password!") -> dict[str, str]:
    return {"email": email, "password": password}


@pytest.mark.parametrize("settings_overrides", [{"login_limit_per_address": "3/minute"}])
async def test_login_is_limited_per_address(app: FastAPI) -> None:
    async with client_from(app, "203.0.113.1") as a, client_from(app, "203.0.113.2") as b:
        for i in range(3):
            r = await a.post("/api/auth/login/", json=_login(f"user{i}@example.com"))
            assert r.status_code == 401, r.text
        assert_limited(
            await a.post("/api/auth/login/", json=_login("other@example.com")), at_most=60
        )
        # Another address is counted on its own.
        r = await b.post("/api/auth/login/", json=_login("user0@example.com"))
        assert r.status_code == 401, r.text


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "login_limit_per_address": "10/minute",
            "login_limit_per_account": "3/minute",
            "login_limit_slowed": "1/2 seconds",
        }
    ],
)
async def test_failed_logins_slow_an_account_down_but_never_lock_the_owner_out(
    app: FastAPI,
) -> None:
    async with client_from(app, "198.51.100.7") as owner:
        await register(owner, "victim@example.com")
        attackers = ["203.0.113.11", "203.0.113.12", "203.0.113.13"]
        for address in attackers:  # three failures from three addresses: the account is over
            async with client_from(app, address) as c:
                r = await c.post("/api/auth/login/", json=_login("victim@example.com"))
                assert r.status_code == 401, r.text
        async with client_from(app, attackers[0]) as attacker:
            # Over the account limit, each address gets one attempt per (tiny) window...
            r = await attacker.post("/api/auth/login/", json=_login("VICTIM@example.com"))
            assert r.status_code == 401, r.text
            assert_limited(
                await attacker.post("/api/auth/login/", json=_login("victim@example.com")),
                at_most=2,
            )
            # ...so the owner, from an address that is not hammering, still logs in.
            r = await owner.post("/api/auth/login/", json=_login("victim@example.com", PASSWORD))
            assert r.status_code == 200, r.text
            # And the window expires: the attacker is slowed, not locked out for good.
            await asyncio.sleep(2.1)
            r = await attacker.post("/api/auth/login/", json=_login("victim@example.com"))
            assert r.status_code == 401, r.text


@pytest.mark.parametrize("settings_overrides", [{"refresh_limit_per_address": "2/minute"}])
async def test_refresh_is_limited_per_address(app: FastAPI) -> None:
    async with client_from(app, "203.0.113.21") as a, client_from(app, "203.0.113.22") as b:
        for _ in range(2):
            r = await a.post("/api/auth/refresh/", json={"refresh": "not-a-token"})
            assert r.status_code == 401, r.text
        assert_limited(await a.post("/api/auth/refresh/", json={"refresh": "not-a-token"}))
        r = await b.post("/api/auth/refresh/", json={"refresh": "not-a-token"})
        assert r.status_code == 401, r.text


@pytest.mark.parametrize("settings_overrides", [{"refresh_limit_per_account": "2/minute"}])
async def test_refresh_is_limited_per_account(app: FastAPI) -> None:
    async with client_from(app, "198.51.100.30") as c:
        refresh = (await register(c, "refresher@example.com"))["refresh"]
    for i in range(2):  # a new address each time: only the account limit can apply
        async with client_from(app, f"203.0.113.{31 + i}") as c:
            r = await c.post("/api/auth/refresh/", json={"refresh": refresh})
            assert r.status_code == 200, r.text
            refresh = r.json()["refresh"]
    async with client_from(app, "203.0.113.40") as c:
        assert_limited(await c.post("/api/auth/refresh/", json={"refresh": refresh}))


@pytest.mark.parametrize("settings_overrides", [{"register_limit_per_address": "2/minute"}])
async def test_registration_is_limited_per_address(app: FastAPI) -> None:
    async with client_from(app, "203.0.113.51") as a, client_from(app, "203.0.113.52") as b:
        for i in range(2):
            await register(a, f"new{i}@example.com")
        r = await a.post("/api/auth/register/", json=_login("new2@example.com", PASSWORD))
        assert_limited(r)
        await register(b, "new3@example.com")


@pytest.mark.parametrize("settings_overrides", [{"form_limit_per_address": "2/minute"}])
async def test_form_submissions_are_limited_per_address_and_character(app: FastAPI) -> None:
    body = {"form_id": "contact", "values": {}}
    async with client_from(app, "203.0.113.61") as a, client_from(app, "203.0.113.62") as b:
        for _ in range(2):
            r = await a.post("/api/agents/no-such-bot/form-responses/", json=body)
            assert r.status_code == 404, r.text
        assert_limited(await a.post("/api/agents/no-such-bot/form-responses/", json=body))
        # Another character from the same address, the same character from another address.
        r = await a.post("/api/agents/other-bot/form-responses/", json=body)
        assert r.status_code == 404, r.text
        r = await b.post("/api/agents/no-such-bot/form-responses/", json=body)
        assert r.status_code == 404, r.text


@pytest.mark.parametrize("settings_overrides", [{"message_limit_per_session": "2/minute"}])
async def test_text_messages_are_limited_per_session(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    secret = app.state.settings.ensure_secret()

    def headers(session_id: str) -> dict[str, str]:
        token = tokens.issue(secret, "session", session_id, 300).token
        return {"Authorization": f"Bearer {token}"}

    first, second = (f"sess_{uuid.uuid4().hex[:24]}" for _ in range(2))
    url = f"/api/sessions/{first}/messages/"
    # A wrong token is refused before it can spend the session's budget.
    for _ in range(3):
        r = await client.post(url, json={"text": "hi"}, headers=headers(second))
        assert r.status_code == 403, r.text
    for _ in range(2):  # no agent runtime in tests: 503 once the limit has let it through
        r = await client.post(url, json={"text": "hi"}, headers=headers(first))
        assert r.status_code == 503, r.text
    assert_limited(await client.post(url, json={"text": "hi"}, headers=headers(first)))
    r = await client.post(
        f"/api/sessions/{second}/messages/", json={"text": "hi"}, headers=headers(second)
    )
    assert r.status_code == 503, r.text


@pytest.mark.parametrize("settings_overrides", [{"knowledge_limit_per_org": "2/minute"}])
async def test_knowledge_uploads_are_limited_per_organization(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    one = {"Authorization": f"Bearer {(await register(client, 'kb1@example.com'))['access']}"}
    two = {"Authorization": f"Bearer {(await register(client, 'kb2@example.com'))['access']}"}
    doc = {"title": "t", "text": "x"}
    url = "/api/ai-characters/no-such-bot/knowledge/"
    r = await client.post(url, json=doc)  # anonymous: 401 first, counts for nobody
    assert r.status_code == 401, r.text
    for _ in range(2):
        r = await client.post(url, json=doc, headers=one)
        assert r.status_code == 404, r.text
    assert_limited(await client.post(url, json=doc, headers=one))
    r = await client.post(url, json=doc, headers=two)
    assert r.status_code == 404, r.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.parametrize(
    "settings_overrides",
    [{"login_limit_per_address": "2/minute", "redis_url": f"redis://127.0.0.1:{_free_port()}/0"}],
)
async def test_unreachable_redis_fails_open_with_a_warning(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="oshara.ratelimit"):
        for _ in range(4):  # over the limit, but nothing can count: every request is served
            r = await client.post("/api/auth/login/", json=_login("nobody@example.com"))
            assert r.status_code == 401, r.text
    warnings = [rec for rec in caplog.records if rec.name == "oshara.ratelimit"]
    assert warnings and "unreachable" in warnings[0].getMessage()
    assert "wrong password" not in caplog.text


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A throwaway Redis server on its own port (no persistence), stopped after the test."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (scripts/services installs it)")
    port = _free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def _wrong_logins(urls: list[str]) -> list[int]:
    statuses = []
    async with httpx.AsyncClient(timeout=30) as c:
        for url in urls:
            r = await c.post(f"{url}/api/auth/login/", json=_login("nobody@example.com"))
            if r.status_code == 429:
                assert_limited(r, at_most=60)
            statuses.append(r.status_code)
    return statuses


async def test_limits_are_shared_across_api_processes_through_redis(
    database: Database, tmp_path: Path, redis_url: str
) -> None:
    env = {"OSHARA_LOGIN_LIMIT_PER_ADDRESS": "3/minute"}
    with (
        spawn_api(database, tmp_path, **env) as one,
        spawn_api(database, tmp_path, **env) as two,
    ):
        # Control: without Redis each process counts alone (2 + 2 attempts, all served).
        assert await _wrong_logins([one.url, two.url] * 2) == [401] * 4
    env["OSHARA_REDIS_URL"] = redis_url
    with (
        spawn_api(database, tmp_path, **env) as one,
        spawn_api(database, tmp_path, **env) as two,
    ):
        statuses = await _wrong_logins([one.url, two.url, one.url, two.url, one.url])
    assert statuses == [401, 401, 401, 429, 429]
