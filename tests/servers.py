"""Real API server processes for tests that need a separate interpreter (timing, several nodes).

``spawn_api(database, tmp_path, **env)`` starts ``create_app()`` under uvicorn in a subprocess on
a socket bound here (no port race), configured only through ``OSHARA_*`` environment
variables as in production, and waits until ``/api/health/`` answers. Unlike ``tests.live``,
the server shares neither the GIL nor the event loop with the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import Database

STARTUP_TIMEOUT_SECONDS = 60.0

# socket(fileno=…) detects AF_INET, so asyncio sets TCP_NODELAY (uvicorn's fd= option assumes
# AF_UNIX and every small response then waits ~40 ms for a delayed ACK).
_SERVE = """
import socket, sys, uvicorn
from oshara.app import create_app
sock = socket.socket(fileno=int(sys.argv[1]))
config = uvicorn.Config(create_app(), log_level="warning", access_log=False,
                        timeout_graceful_shutdown=3)
uvicorn.Server(config).run(sockets=[sock])
"""


@dataclass(frozen=True)
class SpawnedServer:
    url: str
    process: subprocess.Popen[bytes]


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API process exited with {process.returncode} during startup")
        try:
            if httpx.get(f"{url}/api/health/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the API process did not answer in {STARTUP_TIMEOUT_SECONDS} s")


@contextmanager
def spawn_api(database: Database, tmp_path: Path, **env: str) -> Iterator[SpawnedServer]:
    """Run one API process against ``database`` (already migrated); ``env``: ``OSHARA_*``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    data_dir = tmp_path / f"node-{sock.getsockname()[1]}"
    data_dir.mkdir()
    full_env = {
        **os.environ,
        "OSHARA_ENV": "test",
        "OSHARA_DATABASE_URL": database.url,
        "OSHARA_DATA_DIR": str(data_dir),
        "OSHARA_SECRET_KEY": "test-secret-" + "x" * 40,
        "OSHARA_PUBLIC_URL": url,
        "OSHARA_AGENT_ENABLED": "false",
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVE, str(sock.fileno())],
        env=full_env,
        cwd=data_dir,  # no stray .env file
        pass_fds=(sock.fileno(),),
    )
    try:
        _wait_ready(url, process)
        yield SpawnedServer(url=url, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        sock.close()
