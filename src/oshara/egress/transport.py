"""The httpx side: a network backend that connects only to checked addresses, and a transport.

:class:`EgressTransport` is an ordinary ``httpx.AsyncBaseTransport``, so any httpx user (the
MCP client SDK included) gets the same rules by building its ``httpx.AsyncClient`` on it. Its
connection pool is keyed by the URL's host name, so the ``Host`` header, TLS SNI and
certificate verification all use the name from the URL, while the TCP connection goes to the
address :class:`~oshara.egress.policy.EgressGuard` resolved and checked, with no second lookup.
Every new connection is checked; a pooled connection was checked when it was opened.
"""

from __future__ import annotations

import contextlib
import ssl
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator

import anyio
import httpcore
import httpx

from .addresses import IPAddress, unmapped
from .errors import EgressError
from .policy import EgressGuard, check_httpx_url

__all__ = ["Connector", "EgressTransport", "default_connector"]

Connector = Callable[[str, int, float | None], Awaitable[httpcore.AsyncNetworkStream]]
"""``(ip, port, timeout) -> stream``: opens the TCP connection to an already-checked IP."""

_ANYIO = httpcore.AnyIOBackend()
_DROPPED_EXTENSIONS = frozenset({"sni_hostname"})  # SNI always names the URL's host

_EXC_MAP: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    # most specific first
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.ProxyError, httpx.ProxyError),
)


async def default_connector(
    ip: str,
    port: int,
    timeout: float | None,  # noqa: ASYNC109 - the Connector signature
) -> httpcore.AsyncNetworkStream:
    """A plain TCP connection to an IP literal (no name resolution can happen here)."""
    return await _ANYIO.connect_tcp(ip, port, timeout=timeout)


@contextlib.contextmanager
def _map_exceptions() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for source, target in _EXC_MAP:
            if isinstance(exc, source):
                raise target(str(exc)) from exc
        raise


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the guard in front of every TCP connection."""

    def __init__(self, guard: EgressGuard, connector: Connector) -> None:
        self._guard = guard
        self._connector = connector

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[object] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            with anyio.fail_after(timeout):
                addresses = await self._guard.addresses(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        return await self._connect_first(host, port, addresses, deadline)

    async def _connect_first(
        self, host: str, port: int, addresses: list[IPAddress], deadline: float | None
    ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        for ip in addresses:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise httpcore.ConnectTimeout(f"connecting to {host} timed out")
            try:
                return await self._connector(str(unmapped(ip)), port, remaining)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
            except OSError as exc:
                last = httpcore.ConnectError(str(exc))
        assert last is not None  # the guard never returns an empty list
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        socket_options: Iterable[object] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise EgressError("bad_url", "unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: Iterable[bytes] | AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._stream, AsyncIterable)
        with _map_exceptions():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        aclose = getattr(self._stream, "aclose", None)
        if aclose is not None:
            await aclose()


class EgressTransport(httpx.AsyncBaseTransport):
    """An httpx transport that refuses what the egress rules refuse, on every request.

    No proxies, no unix sockets, HTTP/1.1 only; redirects are the client's business (each hop
    comes back through here and is checked again).
    """

    def __init__(
        self,
        guard: EgressGuard,
        *,
        connector: Connector | None = None,
        ssl_context: ssl.SSLContext | None = None,
        limits: httpx.Limits | None = None,
    ) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=_GuardedBackend(guard, connector or default_connector),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        check_httpx_url(request.url)
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions={
                k: v for k, v in request.extensions.items() if k not in _DROPPED_EXTENSIONS
            },
        )
        with _map_exceptions():
            response = await self._pool.handle_async_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
