"""The address of the client behind a request, trusting ``X-Forwarded-For`` only from proxies.

The socket peer is the client unless it is one of ``OSHARA_TRUSTED_PROXIES`` (comma-separated
CIDRs or addresses). Then ``X-Forwarded-For`` is read right to left, skipping hops that are
themselves trusted; the first untrusted hop is the client. A forged header sent straight to the
server (untrusted peer) is ignored, and the entries a client prepends itself are never reached
because the trusted proxies append to the right.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection

    from oshara.config import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


@lru_cache(maxsize=32)
def parse_trusted_proxies(spec: str) -> tuple[Network, ...]:
    """Parse a comma-separated list of CIDRs or plain addresses; raise ``ValueError`` on junk."""
    networks: list[Network] = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(f"OSHARA_TRUSTED_PROXIES: {item!r} is not an address or CIDR") from exc
    return tuple(networks)


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:5000"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[Network, ...]
) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def resolve_client_address(peer: str | None, forwarded_for: list[str], trusted: str) -> str:
    """The client address given the socket peer, the ``X-Forwarded-For`` header values (in
    order of appearance) and the trusted-proxies spec. Pure function, for tests and reuse."""
    if not peer:
        return UNKNOWN
    peer_ip = _ip(peer)
    if peer_ip is None:
        return peer  # not an IP (a unix socket, a test transport): use it as an opaque key
    networks = parse_trusted_proxies(trusted)
    if not networks or not _trusted(peer_ip, networks):
        return str(peer_ip)
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    client = peer_ip
    for hop in reversed(hops):
        hop_ip = _ip(hop)
        if hop_ip is None:
            break  # garbage from beyond the last trusted proxy: stop at the last good hop
        client = hop_ip
        if not _trusted(hop_ip, networks):
            break
    return str(client)


def client_address(request: HTTPConnection, settings: Settings) -> str:
    """The address of the client that sent ``request`` (see the module docstring)."""
    peer = request.client.host if request.client else None
    return resolve_client_address(
        peer, request.headers.getlist("x-forwarded-for"), settings.trusted_proxies
    )
