"""``live_server``: the real app served by uvicorn on 127.0.0.1, for tests that need real HTTP.

Use it when the client under test is not Python (curl, Node's ``fetch``) or must go through a
real socket. Import the fixture into the test module::

    from tests.live import LiveServer, live_server  # noqa: F401

The server runs in a background thread with its own event loop, on a free port picked by the
OS, against the same test ``database`` as the ``app`` fixture (so it is parametrized over SQLite
and PostgreSQL too) and with the same ``settings_overrides``. ``public_url`` is the server's real
address. Tables are emptied after each test, as for ``app``.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from oshara.app import create_app
from oshara.config import Settings
from tests.conftest import Database, _empty_tables, make_settings

STARTUP_TIMEOUT_SECONDS = 15.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class LiveServer:
    """A running server: ``url`` is its base URL, e.g. ``http://127.0.0.1:41234``."""

    url: str
    settings: Settings
    database: Database


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@pytest.fixture
async def live_server(
    database: Database, tmp_path: Path, settings_overrides: dict[str, Any]
) -> AsyncIterator[LiveServer]:
    # The socket is bound before uvicorn starts, so the port can neither race nor collide.
    sock = _free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    overrides = {"public_url": url, **settings_overrides}
    settings = make_settings(database, tmp_path, **overrides)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="oshara-live-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive():
            sock.close()
            raise RuntimeError("the live server exited during startup (see the log above)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the live server did not start in {STARTUP_TIMEOUT_SECONDS} s")
        await asyncio.sleep(0.01)
    try:
        yield LiveServer(url=url, settings=settings, database=database)
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, SHUTDOWN_TIMEOUT_SECONDS)
        sock.close()
        await _empty_tables(database.engine)
        if thread.is_alive():
            raise RuntimeError("the live server did not stop")
