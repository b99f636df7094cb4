"""Pure ASGI middleware: request body size limit and CORS for the public endpoints."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Endpoints a visitor's browser calls from the owner's site. Their origin is checked per
# character by the endpoint itself (403 naming the origin), so CORS here only lets the
# browser read that answer.
PUBLIC_PATHS = re.compile(r"^/api/(agents/.*|sessions/[^/]+/(webrtc|messages)/)$")
ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key"
ALLOW_METHODS = "GET, POST, PATCH, PUT, DELETE, OPTIONS"


async def _send_json(
    send: Send, status: int, detail: str, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, by header or while streaming."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, overrides: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = [(re.compile(k), v) for k, v in (overrides or {}).items()]

    def _limit(self, path: str) -> int:
        for pattern, limit in self.overrides:
            if pattern.match(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        message = f"Request body is larger than the limit of {limit} bytes"
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    await _send_json(send, 400, "Content-Length header is not a number")
                    return
                if too_big:
                    await _send_json(send, 413, message)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_json(send, 413, message)


class CorsMiddleware:
    """CORS: any origin on the public endpoints, a configured list elsewhere."""

    def __init__(self, app: ASGIApp, api_origins: list[str]) -> None:
        self.app = app
        self.api_origins = {o.rstrip("/").lower() for o in api_origins}

    def _allowed(self, path: str, origin: str) -> bool:
        return (
            bool(PUBLIC_PATHS.match(path))
            or origin.lower() in self.api_origins
            or ("*" in self.api_origins)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        origin_b = headers.get(b"origin")
        if origin_b is None:
            await self.app(scope, receive, send)
            return
        origin = origin_b.decode("latin-1")
        allowed = self._allowed(scope["path"], origin)
        cors_headers = [(b"vary", b"Origin")]
        if allowed:
            cors_headers += [
                (b"access-control-allow-origin", origin_b),
                (b"access-control-expose-headers", b"Retry-After, ETag, Idempotent-Replayed"),
            ]
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            preflight = list(cors_headers)
            if allowed:
                preflight += [
                    (b"access-control-allow-methods", ALLOW_METHODS.encode()),
                    (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
                    (b"access-control-max-age", b"600"),
                ]
            await send(
                {
                    "type": "http.response.start",
                    "status": 204 if allowed else 403,
                    "headers": preflight,
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                msg = {**msg, "headers": [*msg.get("headers", []), *cors_headers]}
            await send(msg)

        await self.app(scope, receive, send_with_cors)
