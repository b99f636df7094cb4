"""What may be contacted: URL and host checks, the operator allow-list, and the resolve-once guard.

:class:`EgressGuard` is the single place that turns a host into addresses: it resolves a name
once, refuses the whole request if *any* address is not public (unless the allow-list admits
it), and returns the checked addresses, which are the only ones a connection is then made to.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

import httpx

from .addresses import IPAddress, blocked_reason, is_metadata, looks_numeric, parse_ipv4, unmapped
from .errors import EgressError

__all__ = [
    "AllowList",
    "EgressGuard",
    "Resolver",
    "Target",
    "check_httpx_url",
    "normalize_host",
    "parse_url",
    "system_resolver",
]

log = logging.getLogger("oshara.egress")

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""``(host, port) -> addresses``: a host name (never an IP literal) to IP address strings."""

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 8192
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


# --- hosts and URLs --------------------------------------------------------------------------


def normalize_host(raw: str) -> tuple[str, IPAddress | None]:
    """``(host, address)``: lowercase ASCII host without brackets or trailing dot, and its IP
    when the host is an IP literal (numeric forms read as the OS reads them).

    A host whose last label is numeric must be a valid IPv4 address (``1.2.3.999`` is refused,
    never sent to DNS). Zone ids, percent-escapes and other characters outside host names are
    refused.
    """
    host = raw.lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        if "%" in host:
            raise EgressError("bad_url", "IPv6 zone ids are not allowed in URLs")
        try:
            return host, IPv6Address(host)
        except ValueError:
            raise EgressError("bad_url", "the URL's IPv6 address is not valid") from None
    if host.endswith("."):
        host = host[:-1]
    if not host or len(host) > 253 or _HOSTNAME.fullmatch(host) is None:
        raise EgressError("bad_url", "the URL's host name is not valid")
    if looks_numeric(host):
        ipv4 = parse_ipv4(host)
        if ipv4 is None:
            raise EgressError("bad_url", f"{host} is not a valid IPv4 address")
        return host, ipv4
    return host, None


@dataclass(frozen=True, slots=True)
class Target:
    """Where a URL points: scheme, normalised host, effective port, IP if the host is literal."""

    scheme: str
    host: str
    port: int
    address: IPAddress | None


def check_httpx_url(url: httpx.URL) -> Target:
    """Check an already-parsed URL (the transport's view): scheme, credentials, host, port."""
    scheme = url.scheme
    if scheme not in DEFAULT_PORTS:
        raise EgressError("bad_scheme", f"only http and https URLs are allowed, not {scheme!r}")
    if url.userinfo:
        raise EgressError("bad_url", "credentials in the URL are not allowed; use headers")
    raw_host = url.raw_host.decode("ascii")
    if not raw_host:
        raise EgressError("bad_url", "the URL has no host")
    host, address = normalize_host(raw_host)
    port = url.port if url.port is not None else DEFAULT_PORTS[scheme]
    if not 0 < port < 65536:
        raise EgressError("bad_url", f"port {port} is not allowed", host=host)
    return Target(scheme, host, port, address)


def parse_url(url: str) -> tuple[httpx.URL, Target]:
    """Parse and check a URL given as text, refusing anything two parsers might read differently.

    Refused outright: whitespace and control characters, backslashes, anything but
    ``http://`` / ``https://`` (any case) followed by an authority, and ``@`` in the authority
    (``http://example.com@127.0.0.1/`` style credentials).
    """
    if not isinstance(url, str):
        raise EgressError("bad_url", "the URL must be a string")
    if len(url) > MAX_URL_LENGTH:
        raise EgressError("bad_url", f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise EgressError("bad_url", "the URL contains whitespace or control characters")
    m = _SCHEME.match(url)
    if m is None:
        raise EgressError("bad_url", "the URL must start with http:// or https://")
    scheme = m.group(1).lower()
    if scheme not in DEFAULT_PORTS:
        raise EgressError("bad_scheme", f"only http and https URLs are allowed, not {scheme!r}")
    if "\\" in url:
        raise EgressError("bad_url", "backslashes are not allowed in URLs")
    rest = url[m.end() :]
    if not rest.startswith("//"):
        raise EgressError("bad_url", "the URL must start with http:// or https://")
    authority = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
    if "@" in authority:
        raise EgressError("bad_url", "credentials in the URL are not allowed; use headers")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        raise EgressError("bad_url", "the URL is not valid") from None
    return parsed, check_httpx_url(parsed)


# --- allow-list ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AllowList:
    """The operator's ``OSHARA_EGRESS_ALLOW``: comma-separated entries, each one of

    - a CIDR or bare address (``10.0.0.0/8``, ``127.0.0.1/32``, ``::1/128``, ``10.1.2.3``):
      those addresses, on any port, whatever name led to them;
    - ``host:port`` (``localhost:8080``, ``tools.internal:443``): that exact name, on that
      port only, whatever it resolves to (link-local and cloud metadata addresses excepted:
      only a CIDR admits those);
    - ``address:port`` (``127.0.0.1:8080``, ``[::1]:8080``): URLs whose host is that address
      (in any spelling, ``127.1`` included) on that port only; names that resolve to it are
      not admitted by such an entry.

    Nothing else bypasses the checks. An invalid entry raises :class:`ValueError` naming it.
    """

    networks: tuple[IPv4Network | IPv6Network, ...] = ()
    hosts: frozenset[tuple[str, int]] = frozenset()
    addresses: frozenset[tuple[IPAddress, int]] = frozenset()

    @classmethod
    def parse(cls, raw: str | Iterable[str]) -> AllowList:
        items = [raw] if isinstance(raw, str) else list(raw)
        networks: list[IPv4Network | IPv6Network] = []
        hosts: set[tuple[str, int]] = set()
        addresses: set[tuple[IPAddress, int]] = set()
        for item in items:
            for entry in (e.strip() for e in item.split(",")):
                if not entry:
                    continue
                value = _parse_entry(entry)
                if isinstance(value, IPv4Network | IPv6Network):
                    if value.prefixlen == 0:
                        log.warning("OSHARA_EGRESS_ALLOW %s admits every address", value)
                    networks.append(value)
                    continue
                name, port = value
                if isinstance(name, str):
                    hosts.add((name, port))
                else:
                    addresses.add((name, port))
        return cls(tuple(networks), frozenset(hosts), frozenset(addresses))

    def __bool__(self) -> bool:
        return bool(self.networks or self.hosts or self.addresses)

    def admits(self, ip: IPAddress, host: str, port: int, *, literal: bool) -> bool:
        """Whether the operator allowed connecting to ``ip`` on ``port`` for the URL host
        ``host`` (``literal``: the host was written as an IP address)."""
        plain = unmapped(ip)
        for net in self.networks:
            if (ip.version == net.version and ip in net) or (
                plain.version == net.version and plain in net
            ):
                return True
        if literal:
            return (plain, port) in self.addresses
        return (host, port) in self.hosts and not is_metadata(ip)


def _parse_entry(entry: str) -> IPv4Network | IPv6Network | tuple[str | IPAddress, int]:
    where = f"OSHARA_EGRESS_ALLOW entry {entry!r}"
    if "/" in entry:
        try:
            return ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"{where} is not a valid CIDR such as 10.0.0.0/8") from None
    try:
        return ip_network(entry)
    except ValueError:
        pass
    host, sep, port_text = entry.rpartition(":")
    if not sep or not host:
        raise ValueError(f"{where}: write a CIDR (10.0.0.0/8) or host:port (tools.internal:443)")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{where}: the port must be a number from 1 to 65535")
    port = int(port_text)
    if host.startswith("["):
        try:
            if not host.endswith("]"):
                raise ValueError
            return (IPv6Address(host[1:-1]), port)
        except ValueError:
            raise ValueError(f"{where}: the IPv6 address is not valid") from None
    try:
        return (ip_address(host), port)
    except ValueError:
        pass
    try:
        name, literal = normalize_host(host)
    except EgressError:
        raise ValueError(f"{where}: {host!r} is not a valid host name") from None
    if literal is not None:
        raise ValueError(f"{where}: write the address in plain dotted form ({literal})")
    return (name, port)


# --- resolution ------------------------------------------------------------------------------


async def system_resolver(host: str, port: int) -> list[str]:
    """The OS resolver (``getaddrinfo`` in a worker thread), TCP addresses in its order."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class EgressGuard:
    """Resolves a host once and returns only addresses that may be contacted."""

    def __init__(self, allow: AllowList, resolver: Resolver | None = None) -> None:
        self.allow = allow
        self._resolver = resolver or system_resolver

    async def addresses(self, raw_host: str, port: int) -> list[IPAddress]:
        """The checked addresses to connect to for ``raw_host:port``, in resolver order.

        Raises :class:`EgressError` (``bad_url``, ``dns_failure``, ``blocked_address``).
        """
        host, literal = normalize_host(raw_host)
        if not 0 < port < 65536:
            raise EgressError("bad_url", f"port {port} is not allowed", host=host)
        if literal is not None:
            found: list[IPAddress] = [literal]
        else:
            found = await self._resolve(host, port)
        for ip in found:
            reason = blocked_reason(ip)
            if reason is not None and not self.allow.admits(
                ip, host, port, literal=literal is not None
            ):
                log.warning("egress refused %s:%d -> %s (%s)", host, port, ip, reason)
                if literal is not None:
                    message = f"{host} is not a public address ({reason}), which is not allowed"
                else:
                    message = f"{host} resolves to a non-public address, which is not allowed"
                raise EgressError("blocked_address", message, host=host)
        return found

    async def _resolve(self, host: str, port: int) -> list[IPAddress]:
        try:
            answers = await self._resolver(host, port)
        except (OSError, UnicodeError) as exc:
            log.info("egress could not resolve %s: %s", host, exc)
            raise EgressError("dns_failure", f"could not resolve {host}", host=host) from None
        found: list[IPAddress] = []
        for answer in answers:
            try:
                ip = ip_address(answer)
            except ValueError:
                raise EgressError("dns_failure", f"could not resolve {host}", host=host) from None
            if ip not in found:
                found.append(ip)
        if not found:
            raise EgressError("dns_failure", f"could not resolve {host}", host=host)
        return found
