"""``EgressClient``: the one way the platform makes an outbound HTTP request.

Every request is checked (:mod:`oshara.egress.policy`), sent without following redirects, and
bounded in time (one budget for resolution, connection, TLS, sending and reading the whole
body) and in size (the body is read up to a cap, then the connection is dropped and the
response is marked ``truncated``; it is not an error until someone needs the whole body, e.g.
:meth:`EgressResponse.json`). Compressed bodies are inflated incrementally against the same
cap, so a small gzip bomb cannot become a large allocation.

Logging names the method, scheme, host, port and outcome only: never a path or query (they
may carry tokens), a header value or a body.
"""

from __future__ import annotations

import http.cookiejar
import json as jsonlib
import logging
import ssl
import time
import weakref
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import anyio
import httpx

from .errors import EgressError
from .policy import AllowList, EgressGuard, Resolver, Target, parse_url
from .transport import Connector, EgressTransport

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "EgressClient",
    "EgressResponse",
    "reload_allow",
]

log = logging.getLogger("oshara.egress")

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RESPONSE_BYTES = 262_144
USER_AGENT = "Oshara"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class EgressResponse:
    """What came back, whatever the status: 3xx and 4xx/5xx are results, not exceptions."""

    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool
    """The body was longer than the cap; ``body`` holds the first ``max_response_bytes``."""
    elapsed: float
    """Seconds from the call to the end of the body (resolution and connection included)."""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def is_redirect(self) -> bool:
        return self.status in _REDIRECTS

    @property
    def location(self) -> str | None:
        """The ``Location`` header of a redirect (never followed)."""
        location: str | None = self.headers.get("location")
        return location

    @property
    def text(self) -> str:
        charset = _charset(self.headers.get("content-type", "")) or "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; ``too_large`` if it was truncated, ``invalid_json`` if not JSON."""
        if self.truncated:
            raise EgressError("too_large", f"the response is larger than {len(self.body)} bytes")
        try:
            return jsonlib.loads(self.body)
        except ValueError:
            raise EgressError("invalid_json", "the response is not valid JSON") from None


def _charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"') or None
    return None


class _Inflater:
    """Incremental, bounded decoding of one ``Content-Encoding`` (identity, gzip or deflate)."""

    def __init__(self, encoding: str) -> None:
        self._raw = encoding in ("", "identity")
        self._deflate = encoding == "deflate"
        if not self._raw and encoding not in ("gzip", "x-gzip", "deflate"):
            raise EgressError("bad_response", f"unsupported Content-Encoding {encoding!r}")
        self._z = zlib.decompressobj(zlib.MAX_WBITS | (0 if self._deflate else 16))
        self._started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        """Decode ``data``, producing at most ``limit`` bytes (the rest is never inflated)."""
        if self._raw:
            return data[:limit]
        try:
            if self._deflate and not self._started:
                self._started = True
                try:
                    return self._z.decompress(data, limit)
                except zlib.error:  # "deflate" sent without the zlib header, as many servers do
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._z.decompress(data, limit)
        except zlib.error:
            message = "the response body is not validly compressed"
            raise EgressError("bad_response", message) from None


async def _read_capped(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    encoding = response.headers.get("content-encoding", "").strip().lower()
    inflater = _Inflater(encoding)
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += inflater.feed(chunk, cap + 1 - len(body))
        if len(body) > cap:
            return bytes(body[:cap]), True
    return bytes(body), False


def _tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _no_cookies() -> http.cookiejar.CookieJar:
    """A jar that stores nothing: one client serves every tenant, cookies must not cross."""
    return http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


_LIVE_CLIENTS: weakref.WeakSet[EgressClient] = weakref.WeakSet()


def reload_allow(allow: str | Iterable[str]) -> int:
    """Give every live :class:`EgressClient` of this process a new allow-list (``oshara
    serve`` calls it on SIGHUP with the re-read ``OSHARA_EGRESS_ALLOW``). Returns how many
    clients were updated; an invalid value raises :class:`ValueError` and changes none."""
    AllowList.parse(allow)  # validate once, before touching any client
    clients = list(_LIVE_CLIENTS)
    for client in clients:
        client.set_allow(allow)
    return len(clients)


class EgressClient:
    """The SSRF-safe outbound HTTP client (one per process; share it).

    ``allow`` is the raw ``OSHARA_EGRESS_ALLOW`` value (see :class:`AllowList`). ``resolver``
    and ``connector`` are seams for tests; ``ssl_context`` defaults to certifi's CA bundle.
    """

    def __init__(
        self,
        allow: str | Iterable[str] = "",
        *,
        resolver: Resolver | None = None,
        connector: Connector | None = None,
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = USER_AGENT,
        limits: httpx.Limits | None = None,
    ) -> None:
        self.allow = AllowList.parse(allow)
        self.guard = EgressGuard(self.allow, resolver)
        _LIVE_CLIENTS.add(self)
        self._connector = connector
        self._ssl_context = ssl_context or httpx.create_ssl_context(trust_env=False)
        self._client = httpx.AsyncClient(
            transport=self._transport(limits),
            follow_redirects=False,
            trust_env=False,
            cookies=_no_cookies(),
            headers={"User-Agent": user_agent, "Accept-Encoding": "identity"},
        )

    def _transport(self, limits: httpx.Limits | None = None) -> EgressTransport:
        return EgressTransport(
            self.guard, connector=self._connector, ssl_context=self._ssl_context, limits=limits
        )

    def set_allow(self, allow: str | Iterable[str]) -> None:
        """Replace the allow-list; requests checked from now on use it (no restart needed).
        Raises :class:`ValueError` naming an invalid entry, leaving the old list in place."""
        parsed = AllowList.parse(allow)
        self.allow = self.guard.allow = parsed

    async def __aenter__(self) -> EgressClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def check(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - one budget over resolution
    ) -> list[str]:
        """Validate ``url`` and resolve its host as a request would, without connecting.

        Returns the checked addresses (for operators; do not show them to an LLM). Raises
        :class:`EgressError` like :meth:`request`.
        """
        _, target = parse_url(url)
        try:
            with anyio.fail_after(timeout):
                found = await self.guard.addresses(target.host, target.port)
        except TimeoutError:
            raise EgressError(
                "timeout", f"resolving {target.host} took longer than {timeout:g} s"
            ) from None
        return [str(ip) for ip in found]

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - one budget for the whole exchange
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> EgressResponse:
        """Send one request and return the response, redirects and error statuses included.

        ``json`` is serialised compactly as the body (``Content-Type: application/json`` unless
        ``headers`` set one); ``content`` sends exact bytes instead (e.g. a signed body).
        ``timeout`` bounds the whole exchange. Raises :class:`EgressError` when the request is
        refused or fails (``timeout``, ``connect_error``, ``tls_error``, ``dns_failure``, …).
        """
        method = method.upper()
        if method not in METHODS:
            raise ValueError(f"unsupported HTTP method {method!r}")
        if json is not None and content is not None:
            raise ValueError("pass json or content, not both")
        if timeout <= 0 or max_response_bytes < 0:
            raise ValueError("timeout must be positive and max_response_bytes non-negative")
        started = time.perf_counter()
        parsed, target = parse_url(url)
        try:
            send_headers = httpx.Headers(headers or {})
        except (UnicodeError, TypeError):
            raise EgressError("bad_request", "a header name or value is not valid") from None
        if json is not None:
            content = jsonlib.dumps(json, separators=(",", ":"), ensure_ascii=False).encode()
            send_headers.setdefault("Content-Type", "application/json")
        try:
            with anyio.fail_after(timeout):
                request = self._client.build_request(
                    method, parsed, content=content, headers=send_headers, timeout=timeout
                )
                response = await self._client.send(request, stream=True)
                try:
                    body, truncated = await _read_capped(response, max_response_bytes)
                finally:
                    with anyio.CancelScope(shield=True):
                        await response.aclose()
        except EgressError as exc:
            exc.host = exc.host or target.host
            self._log_failure(method, target, exc.code)
            raise
        except (TimeoutError, httpx.TimeoutException):
            self._log_failure(method, target, "timeout")
            raise EgressError(
                "timeout", f"{target.host} did not answer within {timeout:g} s", host=target.host
            ) from None
        except httpx.HTTPError as exc:
            error = self._translate(exc, target)
            self._log_failure(method, target, error.code)
            raise error from None
        elapsed = time.perf_counter() - started
        log.debug(
            "egress %s %s://%s:%d -> %d (%d bytes%s, %.0f ms)",
            method,
            target.scheme,
            target.host,
            target.port,
            response.status_code,
            len(body),
            ", truncated" if truncated else "",
            elapsed * 1000,
        )
        return EgressResponse(response.status_code, response.headers, body, truncated, elapsed)

    @staticmethod
    def _translate(exc: httpx.HTTPError, target: Target) -> EgressError:
        where = f"{target.host}:{target.port}"
        if _tls_failure(exc):
            return EgressError("tls_error", f"TLS with {where} failed", host=target.host)
        if isinstance(exc, httpx.LocalProtocolError):
            return EgressError("bad_request", "the request could not be sent as given")
        if isinstance(exc, httpx.ProtocolError | httpx.DecodingError):
            return EgressError("bad_response", f"{where} sent an invalid HTTP response")
        return EgressError("connect_error", f"the connection to {where} failed", host=target.host)

    @staticmethod
    def _log_failure(method: str, target: Target, code: str) -> None:
        log.info(
            "egress %s %s://%s:%d failed: %s", method, target.scheme, target.host, target.port, code
        )

    def httpx_client(
        self,
        headers: dict[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        auth: httpx.Auth | None = None,
        *,
        follow_redirects: bool = False,
    ) -> httpx.AsyncClient:
        """A new ``httpx.AsyncClient`` on an :class:`EgressTransport` with the same rules.

        The signature matches the MCP SDK's ``httpx_client_factory`` (mcp 1.x:
        ``streamablehttp_client(..., httpx_client_factory=egress.httpx_client)``); the caller
        owns and closes the client. Each redirect hop, if followed, is checked again. No size
        cap applies here (event streams are long-lived); the default timeout is MCP's
        (30 s, 300 s for reads). mcp 2.x talks through ``httpx2`` instead of httpx: it needs a
        small ``httpcore2`` twin of :class:`EgressTransport` over the same :class:`EgressGuard`.
        """
        return httpx.AsyncClient(
            transport=self._transport(),
            headers=headers,
            timeout=timeout if timeout is not None else httpx.Timeout(30.0, read=300.0),
            auth=auth,
            follow_redirects=follow_redirects,
            trust_env=False,
        )
