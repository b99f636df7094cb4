"""The SSRF-safe egress client, against real servers on loopback.

- A canary TCP listener on 127.0.0.1, 127.0.0.2 and ::1 (one port, never allow-listed) counts
  every connection; after each payload of the matrix (tests/egress_matrix.py) and after the
  whole matrix it must have seen none.
- A real HTTP/1.1 test server on 127.0.0.1 (allow-listed) answers echo, status, redirect,
  slow, trickle, huge, compressed and cookie requests.
- "Public" addresses come from a fake resolver, and a connector seam records the IP a
  connection would go to and hands the connection to a local server instead, so nothing leaves
  the machine. A local TLS server with a test CA checks SNI and certificate verification.
"""

from __future__ import annotations

import asyncio
import datetime
import gzip
import ipaddress
import json
import logging
import platform
import socket
import ssl
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpcore
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from oshara.egress import (
    AllowList,
    EgressClient,
    EgressError,
    EgressTransport,
    blocked_reason,
    default_connector,
    normalize_host,
    parse_ipv4,
)
from tests.egress_matrix import MATRIX, PUBLIC_V4, RESOLVER_MAP, Payload

# --- servers ---------------------------------------------------------------------------------


@dataclass
class Received:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


_GZIP_CACHE: dict[int, bytes] = {}


class HttpServer:
    """A small keep-alive HTTP/1.1 server with behaviours chosen by path."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.requests: list[Received] = []
        self.sni: list[str | None] = []
        self._ssl = ssl_context
        self.port = 0
        self._server: asyncio.Server | None = None
        if ssl_context is not None:
            ssl_context.sni_callback = self._on_sni

    def _on_sni(self, _sock: Any, name: str | None, _ctx: ssl.SSLContext) -> None:
        self.sni.append(name)

    async def start(self, host: str = "127.0.0.1") -> HttpServer:
        self._server = await asyncio.start_server(self._handle, host, 0, ssl=self._ssl)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                lines = head.split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    if line:
                        key, _, value = line.partition(":")
                        headers[key.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append(Received(method, target, headers, body))
                if not await self._respond(writer, Received(method, target, headers, body)):
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def _respond(self, w: asyncio.StreamWriter, req: Received) -> bool:
        url = urlsplit(req.target)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path

        async def send(
            status: int, body: bytes = b"", headers: dict[str, str] | None = None
        ) -> None:
            h = {"Content-Length": str(len(body)), **(headers or {})}
            w.write(_head(status, h) + body)
            await w.drain()

        if path == "/echo":
            try:
                parsed: Any = json.loads(req.body) if req.body else None
            except ValueError:
                parsed = req.body.decode("latin-1")
            out = {"method": req.method, "path": req.target, "headers": req.headers}
            out["body"] = parsed
            await send(200, json.dumps(out).encode(), {"Content-Type": "application/json"})
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            await send(code, json.dumps({"status": code}).encode())
        elif path == "/redirect":
            await send(302, b"", {"Location": q["to"]})
        elif path == "/slow":
            await asyncio.sleep(float(q["delay"]))
            await send(200, b"{}")
        elif path == "/trickle":
            w.write(_head(200, {"Transfer-Encoding": "chunked"}))
            for _ in range(int(q["chunks"])):
                await asyncio.sleep(float(q["interval"]))
                w.write(b"4\r\ndata\r\n")
                await w.drain()
            w.write(b"0\r\n\r\n")
            await w.drain()
        elif path == "/huge":
            size = int(q["size"])
            w.write(_head(200, {"Content-Length": str(size)}))
            sent = 0
            try:
                while sent < size:
                    n = min(65536, size - sent)
                    w.write(b"a" * n)
                    sent += n
                    await w.drain()
            except ConnectionError:
                return False
        elif path == "/gzipbomb":
            size = int(q["size"])
            if size not in _GZIP_CACHE:
                z = zlib.compressobj(9, wbits=31)  # gzip container
                block = b"\0" * 1_000_000
                parts = [z.compress(block) for _ in range(size // len(block))]
                _GZIP_CACHE[size] = b"".join(parts) + z.flush()
            await send(200, _GZIP_CACHE[size], {"Content-Encoding": "gzip"})
        elif path == "/gzipjson":
            await send(200, gzip.compress(b'{"ok": true}'), {"Content-Encoding": "gzip"})
        elif path == "/rawdeflate":
            z = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            await send(200, z.compress(b'{"ok": 1}') + z.flush(), {"Content-Encoding": "deflate"})
        elif path == "/brotli":
            await send(200, b"\x0b\x02\x80", {"Content-Encoding": "br"})
        elif path == "/notjson":
            latin = {"Content-Type": "text/plain; charset=latin-1"}
            await send(200, "caf\u00e9".encode("latin-1"), latin)
        elif path == "/setcookie":
            await send(200, b"{}", {"Set-Cookie": "sid=tenant-a-secret; Path=/"})
        elif path == "/garbage":
            w.write(b"NOT HTTP AT ALL\r\n\r\n")
            await w.drain()
            return False
        else:
            await send(404, b"{}")
        return True


class Canary:
    """Listeners on one port of 127.0.0.1, 127.0.0.2 and ::1 that count connections."""

    def __init__(self) -> None:
        self.connections: list[tuple[str, int]] = []
        self.port = 0
        self.hosts: list[str] = []
        self._servers: list[asyncio.Server] = []

    async def _on_connect(self, reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        self.connections.append(w.get_extra_info("sockname")[:2])
        w.close()

    async def start(self) -> Canary:
        first = await asyncio.start_server(self._on_connect, "127.0.0.1", 0)
        self._servers.append(first)
        self.port = first.sockets[0].getsockname()[1]
        self.hosts.append("127.0.0.1")
        for host in ("127.0.0.2", "::1"):
            try:
                self._servers.append(await asyncio.start_server(self._on_connect, host, self.port))
                self.hosts.append(host)
            except OSError:  # no IPv6 loopback, or the port is taken there: fewer listeners
                pass
        return self

    async def self_test(self) -> None:
        """Prove the canary sees a connection on every address, then forget them."""
        for host in self.hosts:
            _, w = await asyncio.open_connection(host, self.port)
            w.close()
        for _ in range(100):
            if len(self.connections) >= len(self.hosts):
                break
            await asyncio.sleep(0.01)
        assert len(self.connections) == len(self.hosts), self.connections
        self.connections.clear()

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
            await server.wait_closed()


class FakeResolver:
    """Answers from a table; unknown names fail like NXDOMAIN. Records every call."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.table[host]


@dataclass
class Redirector:
    """A connector that records the checked IP it was asked for and connects to a local port."""

    port: int
    calls: list[tuple[str, int]] = field(default_factory=list)

    async def __call__(
        self,
        ip: str,
        port: int,
        timeout: float | None,  # noqa: ASYNC109 - the Connector signature
    ) -> httpcore.AsyncNetworkStream:
        ipaddress.ip_address(ip)  # the connector only ever sees an IP literal
        self.calls.append((ip, port))
        return await default_connector("127.0.0.1", self.port, timeout)


class LocalOnly:
    """The matrix's connector: real connections to non-global addresses (so the canary would
    see a leak), none to global ones (tests never leave the machine). Records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    async def __call__(
        self,
        ip: str,
        port: int,
        timeout: float | None,  # noqa: ASYNC109 - the Connector signature
    ) -> httpcore.AsyncNetworkStream:
        self.calls.append((ip, port))
        if ipaddress.ip_address(ip).is_global:
            raise httpcore.ConnectError("tests do not connect to public addresses")
        return await default_connector(ip, port, timeout)


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[HttpServer]:
    srv = await HttpServer().start()
    yield srv
    await srv.stop()


@pytest.fixture(scope="module")
async def canary() -> AsyncIterator[Canary]:
    c = await Canary().start()
    await c.self_test()
    yield c
    await c.stop()


@pytest.fixture
def quiet_canary(canary: Canary) -> Canary:
    canary.connections.clear()
    return canary


@pytest.fixture(scope="module")
async def egress(server: HttpServer) -> AsyncIterator[EgressClient]:
    async with EgressClient(f"127.0.0.1:{server.port}") as client:
        yield client


@pytest.fixture(scope="module")
def matrix_connector() -> LocalOnly:
    return LocalOnly()


@pytest.fixture(scope="module")
async def matrix_client(
    server: HttpServer, matrix_connector: LocalOnly
) -> AsyncIterator[EgressClient]:
    allow = f"127.0.0.1:{server.port}, tools.test:{server.port}"
    resolver = FakeResolver(RESOLVER_MAP)
    async with EgressClient(allow, resolver=resolver, connector=matrix_connector) as client:
        yield client


def _url(payload: Payload, canary: Canary, server: HttpServer) -> str:
    return payload.url.replace("{c}", str(canary.port)).replace("{a}", str(server.port))


# --- the SSRF matrix -------------------------------------------------------------------------


def test_matrix_is_large_enough() -> None:
    assert len(MATRIX) >= 80
    assert len({p.url for p in MATRIX}) == len(MATRIX)


@pytest.mark.parametrize("payload", MATRIX, ids=[f"{p.kind}:{p.url!r}" for p in MATRIX])
async def test_ssrf_payload_is_refused(
    payload: Payload,
    matrix_client: EgressClient,
    matrix_connector: LocalOnly,
    server: HttpServer,
    canary: Canary,
) -> None:
    url = _url(payload, canary, server)
    seen = len(server.requests)
    calls = len(matrix_connector.calls)
    with pytest.raises(EgressError) as info:
        await matrix_client.request("GET", url, timeout=3)
    assert len(matrix_connector.calls) == calls  # refused before any connection attempt
    assert info.value.code in payload.expected, info.value
    # The message is safe for an LLM: it never names an address the URL did not contain.
    host = (urlsplit(url).hostname or "") if payload.kind == "dns" else ""
    for answer in RESOLVER_MAP.get(host, []):
        assert answer in host or answer not in info.value.message
    assert canary.connections == []
    assert len(server.requests) == seen


@pytest.mark.parametrize("payload", MATRIX, ids=[f"{p.kind}:{p.url!r}" for p in MATRIX])
async def test_ssrf_payload_is_refused_through_the_httpx_client(
    payload: Payload, matrix_client: EgressClient, server: HttpServer, canary: Canary
) -> None:
    """The same payloads through ``httpx_client()`` (what the MCP SDK gets)."""
    url = _url(payload, canary, server)
    async with matrix_client.httpx_client(timeout=httpx.Timeout(3)) as client:
        with pytest.raises((httpx.HTTPError, httpx.InvalidURL)):
            await client.get(url)
    assert canary.connections == []


async def test_canary_saw_nothing_after_the_whole_matrix(
    matrix_client: EgressClient, server: HttpServer, canary: Canary
) -> None:
    """Run every payload again, both ways, back to back; the canary must stay silent."""
    await canary.self_test()  # the canary is listening and counting right now
    unexpected: list[tuple[str, str]] = []
    async with matrix_client.httpx_client(timeout=httpx.Timeout(3)) as client:
        for payload in MATRIX:
            url = _url(payload, canary, server)
            try:
                await matrix_client.request("POST", url, json={"x": 1}, timeout=3)
                unexpected.append((url, "request() succeeded"))
            except EgressError as exc:
                if exc.code not in payload.expected:
                    unexpected.append((url, exc.code))
            try:
                await client.post(url, json={"x": 1})
                unexpected.append((url, "httpx_client() succeeded"))
            except (httpx.HTTPError, httpx.InvalidURL):
                pass
    assert canary.connections == []
    assert unexpected == []


async def test_redirect_to_loopback_is_returned_not_followed(
    egress: EgressClient, server: HttpServer, quiet_canary: Canary
) -> None:
    target = f"http://127.0.0.2:{quiet_canary.port}/"
    seen = len(server.requests)
    r = await egress.request("GET", f"http://127.0.0.1:{server.port}/redirect?to={target}")
    assert (r.status, r.is_redirect, r.location, r.ok) == (302, True, target, False)
    assert len(server.requests) == seen + 1
    assert quiet_canary.connections == []


async def test_httpx_client_checks_every_redirect_hop(
    egress: EgressClient, server: HttpServer, quiet_canary: Canary
) -> None:
    target = f"http://127.0.0.1:{quiet_canary.port}/"
    url = f"http://127.0.0.1:{server.port}/redirect?to={target}"
    async with egress.httpx_client() as client:
        assert (await client.get(url)).status_code == 302  # not followed by default
    async with egress.httpx_client(follow_redirects=True) as client:
        with pytest.raises(EgressError) as info:
            await client.get(url)
    assert info.value.code == "blocked_address"
    assert quiet_canary.connections == []


async def test_plain_httpx_client_on_the_transport_is_guarded(
    egress: EgressClient, server: HttpServer, quiet_canary: Canary
) -> None:
    async with httpx.AsyncClient(transport=EgressTransport(egress.guard)) as client:
        assert (await client.get(f"http://127.0.0.1:{server.port}/echo")).status_code == 200
        for host in ("127.0.0.1", "127.0.0.2", "[::1]", "0x7f000001", "localhost"):
            with pytest.raises(EgressError):
                await client.get(f"http://{host}:{quiet_canary.port}/")
    assert quiet_canary.connections == []


# --- DNS rebinding: resolve once, connect to what was checked -------------------------------


class RebindingResolver:
    """Public the first time, loopback every time after (the classic rebinding attack)."""

    def __init__(self, answers: list[list[str]]) -> None:
        self.answers = answers
        self.calls = 0

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls += 1
        return self.answers[min(self.calls, len(self.answers)) - 1]


async def test_dns_rebinding_connects_to_the_checked_address_only(
    server: HttpServer, quiet_canary: Canary
) -> None:
    resolver = RebindingResolver([[PUBLIC_V4], ["127.0.0.1"]])
    connector = Redirector(server.port)
    async with EgressClient(resolver=resolver, connector=connector) as client:
        r = await client.request("POST", "http://rebind.test:8080/echo", json={"n": 1})
    assert r.status == 200
    assert resolver.calls == 1
    assert connector.calls == [(PUBLIC_V4, 8080)]
    echoed = r.json()
    assert echoed["headers"]["host"] == "rebind.test:8080"
    assert echoed["body"] == {"n": 1}
    assert quiet_canary.connections == []


async def test_dns_rebinding_through_the_httpx_client(
    server: HttpServer, quiet_canary: Canary
) -> None:
    resolver = RebindingResolver([[PUBLIC_V4], ["127.0.0.1"]])
    connector = Redirector(server.port)
    async with (
        EgressClient(resolver=resolver, connector=connector) as egress,
        egress.httpx_client() as client,
    ):
        r = await client.get("http://rebind.test/echo")
    assert r.status_code == 200 and resolver.calls == 1
    assert connector.calls == [(PUBLIC_V4, 80)]


async def test_rebinding_the_other_way_is_refused_without_a_connection(
    quiet_canary: Canary,
) -> None:
    resolver = RebindingResolver([["127.0.0.1"], [PUBLIC_V4]])
    connector = Redirector(quiet_canary.port)
    async with EgressClient(resolver=resolver, connector=connector) as client:
        with pytest.raises(EgressError) as info:
            await client.request("GET", f"http://rebind.test:{quiet_canary.port}/")
    assert info.value.code == "blocked_address"
    assert resolver.calls == 1 and connector.calls == []
    assert quiet_canary.connections == []


async def test_every_resolved_address_is_checked(server: HttpServer) -> None:
    connector = Redirector(server.port)
    resolver = FakeResolver({"multi.test": [PUBLIC_V4, "8.8.8.8", "10.1.2.3"]})
    async with EgressClient(resolver=resolver, connector=connector) as client:
        with pytest.raises(EgressError) as info:
            await client.request("GET", "http://multi.test/echo")
    assert info.value.code == "blocked_address" and connector.calls == []


async def test_falls_back_to_the_next_checked_address(server: HttpServer) -> None:
    calls: list[str] = []

    async def flaky(
        ip: str,
        port: int,
        timeout: float | None,  # noqa: ASYNC109 - the Connector signature
    ) -> httpcore.AsyncNetworkStream:
        calls.append(ip)
        if ip == PUBLIC_V4:
            raise httpcore.ConnectError("connection refused")
        return await default_connector("127.0.0.1", server.port, timeout)

    resolver = FakeResolver({"two.test": [PUBLIC_V4, "8.8.4.4"]})
    async with EgressClient(resolver=resolver, connector=flaky) as client:
        r = await client.request("GET", "http://two.test/echo")
    assert r.ok and calls == [PUBLIC_V4, "8.8.4.4"] and resolver.calls == ["two.test"]


# --- TLS: SNI and certificate checks use the URL's name while connecting to the checked IP ---


@dataclass
class Pki:
    ca_pem: bytes
    cert_file: Path
    key_file: Path


def _make_pki(directory: Path, name: str) -> Pki:
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Oshara test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = directory / "leaf.pem", directory / "leaf.key"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Pki(ca.public_bytes(serialization.Encoding.PEM), cert_file, key_file)


@pytest.fixture(scope="module")
async def tls(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[HttpServer, Pki]]:
    pki = _make_pki(tmp_path_factory.mktemp("pki"), "public.test")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pki.cert_file, pki.key_file)
    srv = await HttpServer(ssl_context=ctx).start()
    yield srv, pki
    await srv.stop()


def _tls_client(srv: HttpServer, pki: Pki | None) -> tuple[EgressClient, Redirector]:
    connector = Redirector(srv.port)
    resolver = FakeResolver({"public.test": [PUBLIC_V4], "other.test": ["93.184.216.35"]})
    ctx = ssl.create_default_context(cadata=pki.ca_pem.decode()) if pki else None
    return EgressClient(resolver=resolver, connector=connector, ssl_context=ctx), connector


async def test_tls_uses_the_url_name_for_sni_and_verification(
    tls: tuple[HttpServer, Pki],
) -> None:
    srv, pki = tls
    srv.sni.clear()
    client, connector = _tls_client(srv, pki)
    async with client:
        r = await client.request("POST", "https://public.test:8443/echo", json={"a": 1})
    assert r.status == 200
    assert connector.calls == [(PUBLIC_V4, 8443)]
    assert srv.sni == ["public.test"]
    assert r.json()["headers"]["host"] == "public.test:8443"


async def test_tls_refuses_a_certificate_for_another_name(tls: tuple[HttpServer, Pki]) -> None:
    srv, pki = tls
    client, connector = _tls_client(srv, pki)
    async with client:
        for url in ("https://other.test/echo", f"https://{PUBLIC_V4}/echo"):
            with pytest.raises(EgressError) as info:
                await client.request("GET", url)
            assert info.value.code == "tls_error"
    assert [ip for ip, _ in connector.calls] == ["93.184.216.35", PUBLIC_V4]


async def test_tls_refuses_an_untrusted_ca(tls: tuple[HttpServer, Pki]) -> None:
    srv, _ = tls
    client, _ = _tls_client(srv, None)  # certifi's bundle does not know the test CA
    async with client:
        with pytest.raises(EgressError) as info:
            await client.request("GET", "https://public.test/echo")
    assert info.value.code == "tls_error"


async def test_tls_ignores_a_caller_supplied_sni_override(tls: tuple[HttpServer, Pki]) -> None:
    srv, pki = tls
    srv.sni.clear()
    client, _ = _tls_client(srv, pki)
    async with client, client.httpx_client() as hc:
        request = hc.build_request(
            "GET", "https://public.test/echo", extensions={"sni_hostname": "other.test"}
        )
        assert (await hc.send(request)).status_code == 200
    assert srv.sni == ["public.test"]


# --- real requests to an allow-listed local server -------------------------------------------


async def test_json_in_json_out_with_headers(egress: EgressClient, server: HttpServer) -> None:
    r = await egress.request(
        "post",
        f"http://127.0.0.1:{server.port}/echo?q=1",
        json={"ticket": "TICKET-456", "note": "caf\u00e9"},
        headers={"X-Oshara-Secret": "s3cret", "X-Oshara-Agent": "support"},
    )
    assert (r.status, r.ok, r.truncated) == (200, True, False)
    assert 0 < r.elapsed < 5
    echoed = r.json()
    assert echoed["method"] == "POST" and echoed["path"] == "/echo?q=1"
    assert echoed["body"] == {"ticket": "TICKET-456", "note": "caf\u00e9"}
    h = echoed["headers"]
    assert h["x-oshara-secret"] == "s3cret" and h["x-oshara-agent"] == "support"
    assert h["host"] == f"127.0.0.1:{server.port}"
    assert h["content-type"] == "application/json"
    assert h["user-agent"] == "Oshara"
    assert r.headers["content-type"] == "application/json"


async def test_exact_bytes_body(egress: EgressClient, server: HttpServer) -> None:
    body = b'{"signed":true}'
    r = await egress.request(
        "PUT",
        f"http://127.0.0.1:{server.port}/echo",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert server.requests[-1].body == body and r.json()["method"] == "PUT"


@pytest.mark.parametrize("status", [400, 404, 500, 503])
async def test_error_statuses_are_results(
    egress: EgressClient, server: HttpServer, status: int
) -> None:
    r = await egress.request("GET", f"http://127.0.0.1:{server.port}/status/{status}")
    assert (r.status, r.ok, r.json()) == (status, False, {"status": status})


async def test_slow_response_times_out(egress: EgressClient, server: HttpServer) -> None:
    started = time.monotonic()
    with pytest.raises(EgressError) as info:
        await egress.request("GET", f"http://127.0.0.1:{server.port}/slow?delay=3", timeout=0.4)
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 2


async def test_timeout_bounds_the_whole_exchange(egress: EgressClient, server: HttpServer) -> None:
    """Every chunk arrives well within the budget, but the body as a whole does not."""
    url = f"http://127.0.0.1:{server.port}/trickle?chunks=20&interval=0.1"
    started = time.monotonic()
    with pytest.raises(EgressError) as info:
        await egress.request("GET", url, timeout=0.5)
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 1.5
    # and the client is still usable afterwards
    assert (await egress.request("GET", f"http://127.0.0.1:{server.port}/echo")).ok


async def test_slow_dns_counts_against_the_timeout() -> None:
    async def hang(host: str, port: int) -> Sequence[str]:
        await asyncio.sleep(5)
        return [PUBLIC_V4]

    async with EgressClient(resolver=hang) as client:
        started = time.monotonic()
        with pytest.raises(EgressError) as info:
            await client.request("GET", "http://slow-dns.test/", timeout=0.3)
    assert info.value.code == "timeout" and time.monotonic() - started < 2


async def test_huge_response_is_capped(egress: EgressClient, server: HttpServer) -> None:
    url = f"http://127.0.0.1:{server.port}/huge?size=50000000"
    started = time.monotonic()
    r = await egress.request("GET", url, max_response_bytes=1000)
    assert (r.status, r.truncated, r.body) == (200, True, b"a" * 1000)
    assert time.monotonic() - started < 5
    with pytest.raises(EgressError) as info:
        r.json()
    assert info.value.code == "too_large"
    default = await egress.request("GET", url)
    assert default.truncated and len(default.body) == 262_144


async def test_body_of_exactly_the_cap_is_not_truncated(
    egress: EgressClient, server: HttpServer
) -> None:
    r = await egress.request(
        "GET", f"http://127.0.0.1:{server.port}/huge?size=1000", max_response_bytes=1000
    )
    assert (r.truncated, len(r.body)) == (False, 1000)


async def test_gzip_bomb_is_capped_without_inflating_it(
    egress: EgressClient, server: HttpServer
) -> None:
    """100 MB of zeros, gzipped to ~100 KB: memory stays near the cap, not near 100 MB."""
    url = f"http://127.0.0.1:{server.port}/gzipbomb?size=100000000"
    await egress.request("GET", url)  # the server compresses (and caches) it once
    tracemalloc.start()
    try:
        r = await egress.request("GET", url)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.truncated and r.body == b"\0" * 262_144
    assert peak < 8_000_000, peak


async def test_compressed_bodies_are_decoded(egress: EgressClient, server: HttpServer) -> None:
    base = f"http://127.0.0.1:{server.port}"
    assert (await egress.request("GET", f"{base}/gzipjson")).json() == {"ok": True}
    assert (await egress.request("GET", f"{base}/rawdeflate")).json() == {"ok": 1}
    assert server.requests[-1].headers["accept-encoding"] == "identity"
    with pytest.raises(EgressError) as info:
        await egress.request("GET", f"{base}/brotli")
    assert info.value.code == "bad_response"


async def test_non_json_body(egress: EgressClient, server: HttpServer) -> None:
    r = await egress.request("GET", f"http://127.0.0.1:{server.port}/notjson")
    assert r.text == "caf\u00e9"
    with pytest.raises(EgressError) as info:
        r.json()
    assert info.value.code == "invalid_json"


async def test_invalid_http_is_bad_response(egress: EgressClient, server: HttpServer) -> None:
    with pytest.raises(EgressError) as info:
        await egress.request("GET", f"http://127.0.0.1:{server.port}/garbage")
    assert info.value.code == "bad_response"


async def test_cookies_never_carry_over(egress: EgressClient, server: HttpServer) -> None:
    await egress.request("GET", f"http://127.0.0.1:{server.port}/setcookie")
    await egress.request("GET", f"http://127.0.0.1:{server.port}/echo")
    assert "cookie" not in server.requests[-1].headers


async def test_refused_connection_is_connect_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        async with EgressClient(f"127.0.0.1:{port}") as client:
            with pytest.raises(EgressError) as info:
                await client.request("GET", f"http://127.0.0.1:{port}/")
    assert info.value.code == "connect_error"
    assert info.value.as_dict() == {
        "code": "connect_error",
        "message": f"the connection to 127.0.0.1:{port} failed",
    }


async def test_invalid_header_is_bad_request(egress: EgressClient, server: HttpServer) -> None:
    with pytest.raises(EgressError) as info:
        await egress.request(
            "GET", f"http://127.0.0.1:{server.port}/echo", headers={"X-Bad": "a\r\nInjected: 1"}
        )
    assert info.value.code == "bad_request"
    with pytest.raises(EgressError) as info:
        await egress.request(
            "GET", f"http://127.0.0.1:{server.port}/echo", headers={"X-Bad": "caf\u00e9 \u2603"}
        )
    assert info.value.code == "bad_request"


async def test_programming_errors_are_value_errors(egress: EgressClient) -> None:
    with pytest.raises(ValueError, match="method"):
        await egress.request("TRACE", "http://127.0.0.1/")
    with pytest.raises(ValueError, match="json or content"):
        await egress.request("POST", "http://127.0.0.1/", json={}, content=b"")
    with pytest.raises(ValueError, match="timeout"):
        await egress.request("GET", "http://127.0.0.1/", timeout=0)


# --- the allow-list --------------------------------------------------------------------------


async def test_hostname_entry_with_the_system_resolver(server: HttpServer) -> None:
    async with EgressClient(f"localhost:{server.port}") as client:
        r = await client.request("GET", f"http://LOCALHOST.:{server.port}/echo")
        assert r.json()["headers"]["host"] == f"localhost.:{server.port}"
        with pytest.raises(EgressError) as info:  # the name is allowed, not the address
            await client.request("GET", f"http://127.0.0.1:{server.port}/echo")
        assert info.value.code == "blocked_address"


async def test_cidr_entry_admits_any_spelling_and_any_port(server: HttpServer) -> None:
    async with EgressClient(["127.0.0.0/8", "::1/128"]) as client:
        for host in ("127.0.0.1", "127.1", "0x7f000001", "2130706433", "localhost"):
            r = await client.request("GET", f"http://{host}:{server.port}/echo")
            assert r.ok, host


async def test_system_resolver_blocks_localhost(quiet_canary: Canary) -> None:
    async with EgressClient() as client:
        with pytest.raises(EgressError) as info:
            await client.request("GET", f"http://localhost:{quiet_canary.port}/")
        assert info.value.code == "blocked_address"
        with pytest.raises(EgressError) as info:
            await client.request("GET", "http://no-such-host.invalid/")
        assert info.value.code == "dns_failure"
    assert quiet_canary.connections == []


async def test_check_resolves_without_connecting() -> None:
    resolver = FakeResolver(RESOLVER_MAP)
    async with EgressClient(resolver=resolver, connector=Redirector(1)) as client:
        assert await client.check("https://public.test/hook") == [PUBLIC_V4]
        with pytest.raises(EgressError) as info:
            await client.check("https://meta.test/")
        assert info.value.code == "blocked_address"


async def test_host_entry_never_admits_metadata() -> None:
    resolver = FakeResolver({"tools.internal": ["169.254.169.254"], "ok.internal": ["10.0.0.7"]})
    allow = "tools.internal:80, ok.internal:80"
    async with EgressClient(allow, resolver=resolver) as client:
        with pytest.raises(EgressError) as info:
            await client.check("http://tools.internal/")
        assert info.value.code == "blocked_address"
        assert await client.check("http://ok.internal/") == ["10.0.0.7"]
        with pytest.raises(EgressError):
            await client.check("http://ok.internal:81/")


def test_allow_list_parsing() -> None:
    a = AllowList.parse(
        " 10.0.0.0/8, 127.0.0.1/32 ,::1/128,10.1.2.3, localhost:8080,"
        "Tools.Internal.:443, 127.0.0.1:9000, [::1]:9001, 10.0.0.1/8"
    )
    assert [str(n) for n in a.networks] == [
        "10.0.0.0/8",
        "127.0.0.1/32",
        "::1/128",
        "10.1.2.3/32",
        "10.0.0.0/8",
    ]
    assert a.hosts == {("localhost", 8080), ("tools.internal", 443)}
    assert a.addresses == {
        (ipaddress.ip_address("127.0.0.1"), 9000),
        (ipaddress.ip_address("::1"), 9001),
    }
    assert not AllowList.parse("") and not AllowList.parse(" , ") and a


@pytest.mark.parametrize(
    "entry",
    [
        "localhost",
        "*",
        "10.0.0.0/33",
        "host:0",
        "host:99999",
        "host:http",
        "http://x:80",
        "0x7f000001:80",
        "127.1:80",
        "[::1:80",
        "bad host:80",
        ":80",
    ],
)
def test_allow_list_rejects_bad_entries(entry: str) -> None:
    with pytest.raises(ValueError, match="OSHARA_EGRESS_ALLOW"):
        AllowList.parse(entry)


# --- addresses and hosts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "100.63.255.255",
        "100.128.0.0",
        "172.32.0.1",
        "169.253.255.255",
        "2606:4700:4700::1111",
        "2a00:1450:4001:82b::200e",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ],
)
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_numeric_forms() -> None:
    for text in ("127.1", "0x7f000001", "2130706433", "017700000001", "0177.0.0.1", "0x7f.1"):
        assert parse_ipv4(text) == ipaddress.IPv4Address("127.0.0.1"), text
    for text in ("0x", "08", "1.2.3.4.5", "256.0.0.1", "4294967296", "1..1", ""):
        assert parse_ipv4(text) is None, text
    assert normalize_host("[::FFFF:7F00:1]") == (
        "::ffff:7f00:1",
        ipaddress.ip_address("::ffff:7f00:1"),
    )
    assert normalize_host("Example.COM.") == ("example.com", None)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="compares with glibc's parser")
@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="0123456789xXabcdefABCDEF.", min_size=1, max_size=20))
def test_ipv4_parsing_matches_the_os_resolver(text: str) -> None:
    """The address we check is exactly the one ``getaddrinfo`` would have produced."""
    try:
        infos = socket.getaddrinfo(
            text.encode(), None, family=socket.AF_INET, flags=socket.AI_NUMERICHOST
        )
        expected: str | None = str(infos[0][4][0])
    except (socket.gaierror, UnicodeError):
        expected = None
    ours = parse_ipv4(text)
    assert (str(ours) if ours else None) == expected


# --- logs ------------------------------------------------------------------------------------


async def test_logs_never_carry_secrets(
    egress: EgressClient, server: HttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="oshara.egress")
    secret = "sk-live-0123456789"
    await egress.request(
        "POST",
        f"http://127.0.0.1:{server.port}/echo?token={secret}",
        json={"card": secret},
        headers={"Authorization": f"Bearer {secret}"},
    )
    with pytest.raises(EgressError):
        await egress.request("POST", f"http://10.0.0.1/?token={secret}", json={"card": secret})
    with pytest.raises(EgressError):
        await egress.request(
            "GET",
            f"http://127.0.0.1:{server.port}/slow?delay=2&t={secret}",
            headers={"X-Key": secret},
            timeout=0.2,
        )
    assert caplog.records and secret not in caplog.text
    assert "/echo" not in caplog.text


# --- the factory the MCP SDK takes -----------------------------------------------------------


async def test_httpx_client_factory_signature(egress: EgressClient, server: HttpServer) -> None:
    client = egress.httpx_client(headers={"X-Mcp": "1"}, timeout=httpx.Timeout(5), auth=None)
    async with client:
        assert client.follow_redirects is False
        r = await client.get(f"http://127.0.0.1:{server.port}/trickle?chunks=3&interval=0.01")
        assert r.content == b"data" * 3  # streamed bodies are not capped here
        await client.get(f"http://127.0.0.1:{server.port}/echo")
    assert server.requests[-1].headers["x-mcp"] == "1"
