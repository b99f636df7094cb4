"""Pure ASGI middleware: request body size limit and CORS for the public endpoints."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oshara.errors import PayloadTooLarge
from oshara.jsonlimits import MAX_BODY_DEPTH, json_depth

# Endpoints a visitor's browser calls from the owner's site. Their origin is checked per
# character by the endpoint itself (403 naming the origin), so CORS here only lets the
# browser read that answer.
PUBLIC_PATHS = re.compile(r"^/api/(agents/.*|sessions/[^/]+/(webrtc|messages)/)$")
# JSON escapes that decode to text no database can store: NUL (PostgreSQL refuses it) and
# unpaired UTF-16 surrogates (not encodable as UTF-8). Preceded by an odd number of
# backslashes... i.e. a real escape, not an escaped backslash followed by "u0000".
_BAD_ESCAPE = re.compile(
    rb"(?<!\\)(?:\\\\)*\\u(?:0000|[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    rb"|[dD][c-fC-F][0-9a-fA-F]{2})"
)


class _NonStandardNumber(ValueError):
    pass


def _refuse_constant(name: str) -> None:
    raise _NonStandardNumber(name)


def unstorable_text(body: bytes) -> str | None:
    """Why a JSON ``body`` holds something the database cannot store, or ``None``.

    NUL characters (PostgreSQL refuses them), unpaired surrogate escapes (not UTF-8), the
    non-standard ``NaN``/``Infinity`` that Python's parser would accept, absurd nesting.
    Bodies that are not JSON at all are left to the endpoint.
    """
    if body[:1] in (b"{", b"[") or body.lstrip()[:1] in (b"{", b"["):
        try:
            parsed = json.loads(body, parse_constant=_refuse_constant)
            if json_depth(parsed, limit=MAX_BODY_DEPTH) > MAX_BODY_DEPTH:
                return f"Request body is nested more than {MAX_BODY_DEPTH} levels deep"
        except _NonStandardNumber as exc:
            return f"Request body contains {exc}, which is not valid JSON"
        except RecursionError:
            return "Request body is nested too deeply"
        except ValueError:
            pass
    if b"\x00" in body:
        return "Request body contains a NUL byte"
    if b"\\u" in body:
        for match in _BAD_ESCAPE.finditer(body):
            escape = match.group(0).lstrip(b"\\")
            code = int(escape[1:5], 16)
            if code == 0:
                return "Request body contains a NUL character (\\u0000), which cannot be stored"
            if 0xDC00 <= code <= 0xDFFF:
                # A low surrogate is fine right after a high one.
                start = match.start()
                prev = body[max(0, start - 6) : start]
                if re.fullmatch(rb"\\u[dD][89abAB][0-9a-fA-F]{2}", prev):
                    continue
            return "Request body contains an unpaired UTF-16 surrogate escape"
    return None


OFFLOAD_BYTES = 64 * 1024
"""Bodies larger than this are parsed and scanned in a worker thread, not on the event loop."""


async def unstorable_text_async(body: bytes) -> str | None:
    """``unstorable_text`` that keeps the event loop free for bodies over ``OFFLOAD_BYTES``."""
    if len(body) <= OFFLOAD_BYTES:
        return unstorable_text(body)
    return await anyio.to_thread.run_sync(unstorable_text, body)


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


class BodyTooLarge(PayloadTooLarge):
    """Raised from ``receive`` when a streamed body passes its limit (rendered as 413)."""


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, by header or while streaming.

    Ordinary bodies (at most ``max_bytes``) are read here and checked for text no database can
    store before the app sees them. Paths in ``overrides`` (uploads) get a larger limit but are
    never read here: the body streams to the endpoint, which authenticates before it reads a
    byte — so an anonymous client cannot make the server take in megabytes — and checks the
    text itself. Their limit is enforced from ``Content-Length`` and again while streaming.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, overrides: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = [(re.compile(k), v) for k, v in (overrides or {}).items()]

    def _override(self, path: str) -> int | None:
        for pattern, limit in self.overrides:
            if pattern.match(path):
                return limit
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            await _send_json(send, 400, "URL contains a NUL character")
            return
        override = self._override(scope["path"])
        limit = self.max_bytes if override is None else override
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
        if override is not None:
            await self.app(scope, _counting(receive, limit, message), send)
            return
        # Read the body up front (it is at most ``limit`` bytes), so an oversized chunked
        # body is a clean 413 before the app has seen any of it.
        chunks: list[bytes] = []
        received = 0
        while True:
            msg = await receive()
            if msg["type"] != "http.request":
                return  # the client went away
            chunk = msg.get("body", b"")
            received += len(chunk)
            if received > limit:
                await _send_json(send, 413, message)
                return
            chunks.append(chunk)
            if not msg.get("more_body", False):
                break
        body = b"".join(chunks)
        ctype = dict(scope["headers"]).get(b"content-type", b"").lower()
        binary = ctype.startswith((b"multipart/", b"application/octet-stream"))
        problem = await unstorable_text_async(body) if received and not binary else None
        if problem:
            await _send_json(send, 400, problem)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _counting(receive: Receive, limit: int, message: str) -> Receive:
    """``receive`` that raises ``BodyTooLarge`` once more than ``limit`` bytes came in."""
    received = 0

    async def wrapped() -> Message:
        nonlocal received
        msg = await receive()
        if msg["type"] == "http.request":
            received += len(msg.get("body", b""))
            if received > limit:
                raise BodyTooLarge(message)
        return msg

    return wrapped


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
                headers = list(msg.get("headers", []))
                extra = cors_headers
                if any(k.lower() == b"vary" and b"origin" in v.lower() for k, v in headers):
                    extra = [h for h in cors_headers if h[0] != b"vary"]
                msg = {**msg, "headers": [*headers, *extra]}
            await send(msg)

        await self.app(scope, receive, send_with_cors)
