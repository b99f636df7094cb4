"""A database outage answers 503 with ``Retry-After``; real database errors stay 500s."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from oshara.app import create_app
from oshara.config import Settings
from oshara.db.errors import RETRY_AFTER_SECONDS, UNAVAILABLE_DETAIL, database_unavailable
from tests.conftest import Database

DB_PASSWORD = "s3cret-db-password"
ENDPOINTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/api/health/", {}),
    ("POST", "/api/auth/login/", {"json": {"email": "a@example.com", "password": "x" * 12}}),
    ("GET", "/api/ai-characters/", {"headers": {"Authorization": "Bearer osk_" + "a" * 40}}),
    (
        "POST",
        "/api/agents/agent-session/",
        {"json": {"agent": "support-bot"}, "headers": {"Origin": "https://yoursite.com"}},
    ),
    (
        "POST",
        "/api/agents/support-bot/form-responses/",
        {"json": {"form_id": "contact", "values": {}}, "headers": {"Origin": "https://x.com"}},
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _app(tmp_path: Path, url: str) -> FastAPI:
    return create_app(
        Settings(
            env="test",
            database_url=url,
            data_dir=tmp_path,
            secret_key="test-secret-" + "x" * 40,
            public_url="http://testserver",
            agent_enabled=False,
        )
    )


async def _client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def _assert_unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, (r.request.url, r.text)
    assert r.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert r.json() == {"detail": UNAVAILABLE_DETAIL}


def _assert_quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    text = caplog.text
    assert "database unavailable on" in text
    assert DB_PASSWORD not in text and "Traceback" not in text
    assert not any(record.exc_info for record in caplog.records)
    assert not any(record.levelno >= logging.ERROR for record in caplog.records)


async def test_postgres_nobody_listening_is_503(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As found: each of these answered 500 (a raw ConnectionRefusedError from asyncpg)."""
    url = f"postgresql+asyncpg://oshara:{DB_PASSWORD}@127.0.0.1:{_free_port()}/oshara"
    app = _app(tmp_path, url)
    caplog.set_level(logging.INFO)
    async with app.router.lifespan_context(app), await _client(app) as client:
        for method, path, kwargs in ENDPOINTS:
            _assert_unavailable(await client.request(method, path, **kwargs))
    _assert_quiet_logs(caplog)


async def test_sqlite_unable_to_open_is_503(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'oshara.db'}")
    caplog.set_level(logging.INFO)
    async with app.router.lifespan_context(app), await _client(app) as client:
        for method, path, kwargs in ENDPOINTS:
            _assert_unavailable(await client.request(method, path, **kwargs))
    _assert_quiet_logs(caplog)


class _Proxy:
    """A TCP relay to the test PostgreSQL that can be cut (an outage) and restored."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = _free_port()
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()
        self._writers.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.fixture
async def proxied(database: Database, tmp_path: Path) -> AsyncIterator[tuple[FastAPI, _Proxy]]:
    if database.backend != "postgresql":
        pytest.skip("an outage in the middle of the app's life is simulated on PostgreSQL")
    url = make_url(database.url)
    proxy = _Proxy(url.port or 5432)
    await proxy.start()
    app = _app(tmp_path, url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    async with app.router.lifespan_context(app):
        yield app, proxy
    await proxy.cut()


async def test_outage_while_running_is_503_then_recovers(
    proxied: tuple[FastAPI, _Proxy], caplog: pytest.LogCaptureFixture
) -> None:
    app, proxy = proxied
    caplog.set_level(logging.INFO)
    async with await _client(app) as client:
        assert (await client.get("/api/health/")).status_code == 200  # a pooled connection
        await proxy.cut()
        for method, path, kwargs in ENDPOINTS:
            _assert_unavailable(await client.request(method, path, **kwargs))
        await proxy.start()
        assert (await client.get("/api/health/")).status_code == 200


async def test_real_database_errors_stay_500(tmp_path: Path) -> None:
    """An IntegrityError (or bad SQL) is a bug to see, not an outage to retry."""
    app = _app(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'oshara.db'}")
    errors: dict[str, Callable[[], Exception]] = {
        "integrity": lambda: sa_exc.IntegrityError("INSERT", {}, Exception("UNIQUE failed")),
        "no-table": lambda: sa_exc.OperationalError("SELECT", {}, Exception("no such table: x")),
        "oserror": lambda: OSError("No space left on device"),
    }

    def route(make: Callable[[], Exception]) -> Callable[[], Awaitable[None]]:
        async def boom() -> None:
            raise make()

        return boom

    for name, make in errors.items():
        app.add_api_route(f"/api/test-{name}/", route(make))
    async with app.router.lifespan_context(app), await _client(app) as client:
        for name in errors:
            r = await client.get(f"/api/test-{name}/")
            assert r.status_code == 500, (name, r.text)
            assert r.json() == {"detail": "Internal server error"}


def test_classification() -> None:
    invalidated = sa_exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
    assert database_unavailable(invalidated)
    locked = sa_exc.OperationalError("UPDATE", {}, Exception("database is locked"))
    assert database_unavailable(locked)
    assert database_unavailable(sa_exc.TimeoutError("QueuePool limit reached"))
    assert not database_unavailable(sa_exc.IntegrityError("INSERT", {}, Exception("dup")))
    assert not database_unavailable(ConnectionRefusedError("not from the database driver"))
