"""An HTTP tool server on 127.0.0.1 for tests: the guide's ticket endpoint and misbehaviours.

    server = ToolServer(secret="s3cret")
    async with server:
        server.url("/ticket-lookup")        # http://127.0.0.1:PORT/ticket-lookup

* ``POST /ticket-lookup`` — checks ``X-Oshara-Secret`` (401 without it) and the JSON body
  ``{ticket_id}`` (400 if malformed); 404 ``{"error": "Ticket not found"}`` for an unknown id.
* ``/status/{code}`` — answers that status with ``{"error": "scripted failure <code>"}``.
* ``/slow/{seconds}`` — answers ``{"ok": true}`` after a delay.
* ``/huge`` — a 300 KB JSON body; ``/text`` — a plain-text body; ``/empty`` — 204;
  ``/nothing`` — ``{}``.
* ``/redirect`` — 302 to ``redirect_to`` (never followed by the client under test).
* ``/echo`` — answers with the headers and body it received (a careless endpoint).

Every request is kept in ``requests`` (method, path, query, headers, body). With
``webhook_secret`` set, ``signatures`` records whether each request's Standard Webhooks
signature verified, computed here independently of the code under test.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

TICKETS = {
    "TICKET-456": {
        "id": "TICKET-456",
        "status": "in_progress",
        "subject": "Printer on fire",
        "priority": "high",
        "updated": "2026-11-20T10:00:00Z",
    },
    "TICKET-123": {
        "id": "TICKET-123",
        "status": "resolved",
        "subject": "Password reset",
        "priority": "low",
        "updated": "2026-11-01T09:00:00Z",
    },
}


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def verify_standard_webhook(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks verification, written from the spec (not from the code under test)."""
    key = secret.removeprefix("whsec_")
    raw_key = base64.b64decode(key) if secret.startswith("whsec_") else secret.encode()
    msg_id = headers.get("webhook-id", "")
    ts = headers.get("webhook-timestamp", "")
    expected = base64.b64encode(
        hmac.new(raw_key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    sent = [s.split(",", 1)[1] for s in headers.get("webhook-signature", "").split() if "," in s]
    return bool(msg_id and ts) and any(hmac.compare_digest(expected, s) for s in sent)


class ToolServer:
    def __init__(self, secret: str = "s3cret-value", webhook_secret: str | None = None) -> None:
        self.secret = secret
        self.webhook_secret = webhook_secret
        self.redirect_to = "http://127.0.0.1:9/"
        self.requests: list[Seen] = []
        self.signatures: list[bool] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def allow(self) -> str:
        """The egress allow-list entry for this server (this address and port only)."""
        return f"127.0.0.1:{self.port}"

    async def start(self) -> ToolServer:
        app = web.Application()
        app.router.add_post("/ticket-lookup", self._ticket)
        app.router.add_route("*", "/status/{code}", self._status)
        app.router.add_route("*", "/slow/{seconds}", self._slow)
        app.router.add_route("*", "/huge", self._huge)
        app.router.add_route("*", "/text", self._text)
        app.router.add_route("*", "/empty", self._empty)
        app.router.add_route("*", "/nothing", self._nothing)
        app.router.add_route("*", "/redirect", self._redirect)
        app.router.add_route("*", "/echo", self._echo)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ToolServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _seen(self, request: web.Request) -> Seen:
        body = await request.read()
        seen = Seen(
            request.method,
            request.path,
            dict(request.query),
            {k.lower(): v for k, v in request.headers.items()},
            body,
        )
        self.requests.append(seen)
        if self.webhook_secret is not None:
            self.signatures.append(verify_standard_webhook(self.webhook_secret, seen.headers, body))
        return seen

    async def _ticket(self, request: web.Request) -> web.Response:
        seen = await self._seen(request)
        if seen.headers.get("x-oshara-secret") != self.secret:
            return web.json_response({"error": "Unauthorized"}, status=401)
        try:
            body = seen.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("ticket_id"), str):
            return web.json_response({"error": "ticket_id is required"}, status=400)
        ticket = TICKETS.get(body["ticket_id"])
        if ticket is None:
            return web.json_response({"error": "Ticket not found"}, status=404)
        return web.json_response(ticket)

    async def _status(self, request: web.Request) -> web.Response:
        await self._seen(request)
        code = int(request.match_info["code"])
        return web.json_response({"error": f"scripted failure {code}"}, status=code)

    async def _slow(self, request: web.Request) -> web.Response:
        await self._seen(request)
        await asyncio.sleep(float(request.match_info["seconds"]))
        return web.json_response({"ok": True, "slow": True})

    async def _huge(self, request: web.Request) -> web.Response:
        await self._seen(request)
        return web.json_response({"data": "x" * 300_000})

    async def _text(self, request: web.Request) -> web.Response:
        await self._seen(request)
        return web.Response(text="Thanks, noted.")

    async def _empty(self, request: web.Request) -> web.Response:
        await self._seen(request)
        return web.Response(status=204)

    async def _nothing(self, request: web.Request) -> web.Response:
        await self._seen(request)
        return web.json_response({})

    async def _redirect(self, request: web.Request) -> web.Response:
        await self._seen(request)
        raise web.HTTPFound(self.redirect_to)

    async def _echo(self, request: web.Request) -> web.Response:
        seen = await self._seen(request)
        return web.json_response({"headers": seen.headers, "body": seen.body.decode()})


class Canary:
    """A listener that only counts connections (it must see none)."""

    def __init__(self) -> None:
        self.connections = 0
        self.port = 0
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> Canary:
        async def handle(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            writer.close()

        self._server = await asyncio.start_server(handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class SilentServer:
    """Accepts TCP connections and never answers (a hung MCP server)."""

    def __init__(self) -> None:
        self.port = 0
        self.connections = 0
        self._server: asyncio.AbstractServer | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> SilentServer:
        async def handle(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            self._writers.append(writer)

        self._server = await asyncio.start_server(handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
