"""Concurrent registrations: every account owns a new organization of its own, never a 5xx.

The defect this guards against: registering looked the organization name up and joined an
existing organization of that name as ``member``, so registrations racing with one name put
later accounts into the first one's organization (and on SQLite the write lock was held
through two Argon2 hashes, so bursts ran into "database is locked"). Each scenario runs on
SQLite and PostgreSQL: through the ASGI app, through a uvicorn server in this process, and
through a separate uvicorn process with two workers and real (production-cost) Argon2, so the
requests truly overlap on several database connections (and, on SQLite, several processes).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from oshara.orgs.models import Membership, Organization, User
from tests.conftest import Database, _empty_tables
from tests.helpers import PASSWORD
from tests.live import LiveServer, live_server  # noqa: F401

NAMES = ["same", "distinct"]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_enabled": False}  # dozens of sign-ups from one address on purpose


def _bodies(n: int, names: str) -> list[dict[str, str]]:
    tag = uuid.uuid4().hex[:8]
    return [
        {
            "email": f"racer{i}-{tag}@example.com",
            "password": PASSWORD,
            "organization": "Acme" if names == "same" else f"Acme {i}",
        }
        for i in range(n)
    ]


async def _register_all(client: httpx.AsyncClient, bodies: list[dict[str, str]]) -> None:
    results = await asyncio.gather(*(client.post("/api/auth/register/", json=b) for b in bodies))
    codes = Counter(r.status_code for r in results)
    errors = [r.text for r in results if r.status_code != 201][:3]
    assert codes == {201: len(bodies)}, (codes, errors)
    orgs = [r.json()["user"]["organization"]["id"] for r in results]
    assert len(set(orgs)) == len(bodies), "two accounts were given one organization"
    assert {r.json()["user"]["role"] for r in results} == {"owner"}
    for body, r in zip(bodies, results, strict=True):
        assert r.json()["user"]["email"] == body["email"]
        assert r.json()["user"]["organization"]["name"] == body["organization"]


async def _assert_each_owns_one(database: Database, bodies: list[dict[str, str]]) -> None:
    """In the database: one organization per account, each with exactly one member, its owner."""
    emails = [b["email"] for b in bodies]
    async with database.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(User.email, Membership.organization_id, Membership.role)
                .join(Membership, Membership.user_id == User.id)
                .where(User.email.in_(emails))
            )
        ).all()
        assert sorted(e for e, _, _ in rows) == sorted(emails), "an account has no/2 memberships"
        assert {role for _, _, role in rows} == {"owner"}
        org_ids = [org for _, org, _ in rows]
        assert len(set(org_ids)) == len(emails)
        members = (
            await conn.execute(
                select(Membership.organization_id, func.count())
                .where(Membership.organization_id.in_(org_ids))
                .group_by(Membership.organization_id)
            )
        ).all()
        assert {n for _, n in members} == {1}
        orgs = await conn.scalar(
            select(func.count()).select_from(Organization).where(Organization.id.in_(org_ids))
        )
        assert orgs == len(emails)


@pytest.mark.parametrize("names", NAMES)
async def test_concurrent_registrations_through_the_app(
    client: httpx.AsyncClient, database: Database, names: str
) -> None:
    bodies = _bodies(40, names)
    await _register_all(client, bodies)
    await _assert_each_owns_one(database, bodies)


@pytest.mark.parametrize("names", NAMES)
async def test_concurrent_registrations_over_real_http(
    live_server: LiveServer,  # noqa: F811
    names: str,
) -> None:
    bodies = _bodies(60, names)
    limits = httpx.Limits(max_connections=len(bodies))
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60, limits=limits) as c:
        await _register_all(c, bodies)
    await _assert_each_owns_one(live_server.database, bodies)


async def test_one_email_registered_many_times_at_once_is_one_account(
    client: httpx.AsyncClient, database: Database
) -> None:
    body = {"email": f"twin-{uuid.uuid4().hex[:6]}@example.com", "password": PASSWORD}
    results = await asyncio.gather(
        *(
            client.post("/api/auth/register/", json={**body, "organization": f"T{i}"})
            for i in range(12)
        )
    )
    codes = Counter(r.status_code for r in results)
    assert codes[201] == 1 and codes[409] == 11, (codes, [r.text for r in results][:3])
    async with database.engine.connect() as conn:
        n = await conn.scalar(
            select(func.count()).select_from(User).where(User.email == body["email"])
        )
    assert n == 1


# ---------------------------------------------------------------- a separate server process


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server_process(database: Database, tmp_path: Path) -> Iterator[str]:
    """``uvicorn --workers 2`` in its own processes, production-cost Argon2 (env development)."""
    port = _free_port()
    env = {
        **os.environ,
        "OSHARA_ENV": "development",
        "OSHARA_DATABASE_URL": database.url,
        "OSHARA_SECRET_KEY": "race-secret-" + "y" * 40,
        "OSHARA_DATA_DIR": str(tmp_path),
        "OSHARA_AGENT_ENABLED": "false",
        "OSHARA_RATE_LIMIT_ENABLED": "false",
    }
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "oshara.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/health/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "server did not start:\n" + (tmp_path / "server.log").read_text()
                )
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
        assert "database is locked" not in (tmp_path / "server.log").read_text()


@pytest.mark.parametrize("names", NAMES)
async def test_concurrent_registrations_against_a_server_process(
    server_process: str, database: Database, names: str
) -> None:
    bodies = _bodies(60, names)
    limits = httpx.Limits(max_connections=len(bodies))
    try:
        async with httpx.AsyncClient(base_url=server_process, timeout=120, limits=limits) as c:
            await _register_all(c, bodies)
        await _assert_each_owns_one(database, bodies)
    finally:
        await _empty_tables(database.engine)
