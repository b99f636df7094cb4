"""Per-request overhead of ``EgressClient`` over a plain ``httpx.AsyncClient``.

Both clients POST a small JSON body to the same local HTTP/1.1 server (a separate process,
allow-listed for the egress client) and decode the JSON answer, N times in a row, in three
situations:

- keep-alive: one pooled connection reused (the guard runs once, on the first connection);
- new connection per request to ``127.0.0.1`` (URL check + address check on every request);
- new connection per request to ``localhost`` (adds one ``getaddrinfo`` per request, which
  plain httpx also does).

Rounds alternate between the two clients; the figures are medians over all rounds.

    .venv/bin/python bench/egress_overhead.py [--n 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from oshara.egress import EgressClient

PAYLOAD = {"ticket": "TICKET-456", "context": {"agent": "support", "session": "s-1"}}


# --- the server (runs in its own process) ----------------------------------------------------


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            lines = head.split("\r\n")
            target = lines[0].split(" ")[1]
            length = 0
            for line in lines[1:]:
                key, _, value = line.partition(":")
                if key.strip().lower() == "content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            answer = json.dumps({"status": "open", "received": len(body)}).encode()
            close = target.startswith("/close")
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(answer)}\r\n".encode()
                + (b"Connection: close\r\n" if close else b"")
                + b"\r\n"
                + answer
            )
            await writer.drain()
            if close:
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _serve() -> None:
    server = await asyncio.start_server(_handle, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


# --- the clients -----------------------------------------------------------------------------

Call = Callable[[str], Awaitable[Any]]


async def _timed(call: Call, url: str, n: int) -> list[float]:
    for _ in range(20):  # warm-up: imports, first connection, code paths
        await call(url)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        await call(url)
        times.append(time.perf_counter() - started)
    return times


async def _scenario(
    name: str, url: str, allow: str, n: int, rounds: int
) -> tuple[str, float, float]:
    plain_times: list[float] = []
    egress_times: list[float] = []
    async with (
        httpx.AsyncClient(trust_env=False, follow_redirects=False) as plain,
        EgressClient(allow) as egress,
    ):

        async def via_plain(u: str) -> Any:
            r = await plain.post(u, json=PAYLOAD, timeout=10)
            return r.json()

        async def via_egress(u: str) -> Any:
            r = await egress.request("POST", u, json=PAYLOAD)
            return r.json()

        for _ in range(rounds):
            plain_times += await _timed(via_plain, url, n)
            egress_times += await _timed(via_egress, url, n)
    return name, statistics.median(plain_times), statistics.median(egress_times)


async def _bench(n: int, rounds: int) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        port = int((await proc.stdout.readline()).decode())
        scenarios = [
            ("keep-alive, 127.0.0.1", f"http://127.0.0.1:{port}/echo", f"127.0.0.1:{port}"),
            ("new connection, 127.0.0.1", f"http://127.0.0.1:{port}/close", f"127.0.0.1:{port}"),
            ("new connection, localhost", f"http://localhost:{port}/close", f"localhost:{port}"),
        ]
        print(f"N={n} requests x {rounds} rounds per client, median per request")
        print(f"{'scenario':<28}{'httpx':>10}{'egress':>10}{'overhead':>11}{'ratio':>8}")
        for name, url, allow in scenarios:
            _, plain, egress = await _scenario(name, url, allow, n, rounds)
            print(
                f"{name:<28}{plain * 1e6:>8.0f}us{egress * 1e6:>8.0f}us"
                f"{(egress - plain) * 1e6:>+9.0f}us{egress / plain:>7.2f}x"
            )
    finally:
        proc.terminate()
        await proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=500, help="requests per round and client")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve())
    else:
        asyncio.run(_bench(args.n, args.rounds))


if __name__ == "__main__":
    main()
