"""Latency of the hottest public endpoints against a real server, with /api/health/ as baseline.

Starts ``oshara serve`` on a free port with a temporary SQLite database (or the database in
``OSHARA_DATABASE_URL``), creates an owner and a character, then times N sequential requests
per endpoint and prints p50/p95 and the ratio to the baseline measured in the same run.

    .venv/bin/python bench/api_latency.py [-n 300]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import httpx

ORIGIN = {"Origin": "https://yoursite.com"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _time(n: int, call: Callable[[], httpx.Response], expect: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = call()
        out.append((time.perf_counter() - t0) * 1000)
        if r.status_code != expect:
            raise SystemExit(f"unexpected {r.status_code}: {r.text[:200]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=300)
    args = ap.parse_args()
    port = _free_port()
    tmp = tempfile.mkdtemp(prefix="oshara-bench-")
    env = {**os.environ, "OSHARA_DATA_DIR": tmp, "OSHARA_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "oshara.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as c:
            for _ in range(200):
                try:
                    if c.get("/api/health/").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            tokens = c.post(
                "/api/auth/register/",
                json={"email": "bench@example.com", "password": "bench-password"},
            ).json()
            auth = {"Authorization": f"Bearer {tokens['access']}"}
            form = {
                "id": "contact",
                "title": "Contact",
                "submit_url": None,
                "fields": [
                    {"name": "name", "label": "Name", "type": "text", "required": True},
                    {"name": "email", "label": "Email", "type": "email", "required": True},
                ],
            }
            c.post(
                "/api/ai-characters/",
                headers=auth,
                json={
                    "slug": "bench-bot",
                    "name": "Bench",
                    "allowed_origins": ["https://yoursite.com"],
                    "widget_appearance": {"forms": [form]},
                    "limits": {"sessions_per_minute": 10000, "max_concurrent_sessions": 1000},
                },
            ).raise_for_status()
            etag = c.get("/api/agents/bench-bot/appearance/", headers=ORIGIN).headers["etag"]
            n = args.n
            cases: list[tuple[str, Callable[[], httpx.Response], int]] = [
                ("GET /api/health/ (baseline)", lambda: c.get("/api/health/"), 200),
                (
                    "GET appearance (200)",
                    lambda: c.get("/api/agents/bench-bot/appearance/", headers=ORIGIN),
                    200,
                ),
                (
                    "GET appearance (304, ETag)",
                    lambda: c.get(
                        "/api/agents/bench-bot/appearance/",
                        headers={**ORIGIN, "If-None-Match": etag},
                    ),
                    304,
                ),
                (
                    "POST agent-session",
                    lambda: c.post(
                        "/api/agents/agent-session/", headers=ORIGIN, json={"agent": "bench-bot"}
                    ),
                    200,
                ),
                (
                    "POST form-responses",
                    lambda: c.post(
                        "/api/agents/bench-bot/form-responses/",
                        headers=ORIGIN,
                        json={"form_id": "contact", "values": {"name": "A", "email": "a@b.co"}},
                    ),
                    201,
                ),
                (
                    "GET /api/ai-characters/ (JWT)",
                    lambda: c.get("/api/ai-characters/", headers=auth),
                    200,
                ),
            ]
            results = {name: _time(n, call, code) for name, call, code in cases}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    base_p50 = statistics.median(results[cases[0][0]])
    print(f"{'endpoint':34} {'p50 ms':>8} {'p95 ms':>8} {'x baseline':>10}   (n={args.n}, SQLite)")
    for name, samples in results.items():
        p50 = statistics.median(samples)
        p95 = statistics.quantiles(samples, n=20)[18]
        print(f"{name:34} {p50:8.2f} {p95:8.2f} {p50 / base_p50:10.2f}")


if __name__ == "__main__":
    main()
