"""Which IP addresses the platform may connect to, and how numeric hosts are read.

Only globally routable unicast addresses pass :func:`blocked_reason`. The tables below follow
the IANA IPv4 and IPv6 Special-Purpose Address Registries and are written out here rather than
taken from :mod:`ipaddress`'s ``is_global`` / ``is_private``, whose answers changed between
Python patch releases (notably for IPv4-mapped and NAT64 addresses).

IPv6 is handled as an allow-list: only ``2000::/3`` (global unicast) is considered at all.
Forms that embed an IPv4 address are judged by that address where the embedding is
well-defined and routable: NAT64 ``64:ff9b::/96`` (RFC 6052 forbids it for non-global IPv4)
and 6to4 ``2002::/16``. IPv4-mapped ``::ffff:0:0/96``, IPv4-compatible ``::/96``, the
local-use NAT64 prefix ``64:ff9b:1::/48`` and Teredo ``2001::/32`` are always refused.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network

__all__ = [
    "IPAddress",
    "blocked_reason",
    "is_metadata",
    "looks_numeric",
    "parse_ipv4",
    "unmapped",
]

IPAddress = IPv4Address | IPv6Address


def _v4(*pairs: tuple[str, str]) -> tuple[tuple[IPv4Network, str], ...]:
    return tuple((IPv4Network(net), reason) for net, reason in pairs)


def _v6(*pairs: tuple[str, str]) -> tuple[tuple[IPv6Network, str], ...]:
    return tuple((IPv6Network(net), reason) for net, reason in pairs)


# Most specific first: the first match names the reason.
_V4_BLOCKED = _v4(
    ("169.254.169.254/32", "cloud metadata"),
    ("100.100.100.200/32", "cloud metadata"),
    ("0.0.0.0/8", "this-network"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared / carrier-grade NAT"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignment"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "6to4 relay anycast"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved"),
)

_V6_GLOBAL_UNICAST = IPv6Network("2000::/3")
_V6_NAT64 = IPv6Network("64:ff9b::/96")
_V6_6TO4 = IPv6Network("2002::/16")

_V6_BLOCKED = _v6(
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::ffff:0:0/96", "IPv4-mapped"),
    ("::/96", "IPv4-compatible"),
    ("64:ff9b:1::/48", "local-use NAT64"),
    ("100::/64", "discard-only"),
    ("fd00:ec2::254/128", "cloud metadata"),
    ("fc00::/7", "unique local"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
    # Inside 2000::/3:
    ("2001::/32", "Teredo"),
    ("2001:db8::/32", "documentation"),
    ("2001::/23", "IETF protocol assignment"),
    ("3fff::/20", "documentation"),
)

# Never admitted by a host:port allow-list entry, only by an explicit CIDR.
_METADATA: tuple[IPv4Network | IPv6Network, ...] = (
    ip_network("169.254.0.0/16"),
    ip_network("100.100.100.200/32"),
    ip_network("fd00:ec2::254/128"),
    ip_network("fe80::/10"),
)


def unmapped(ip: IPAddress) -> IPAddress:
    """The IPv4 address behind an IPv4-mapped IPv6 address (``::ffff:a.b.c.d``), else ``ip``."""
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _v4_reason(ip: IPv4Address) -> str | None:
    for net, reason in _V4_BLOCKED:
        if ip in net:
            return reason
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address (e.g. ``"loopback"``), or ``None`` if it is one."""
    if isinstance(ip, IPv4Address):
        return _v4_reason(ip)
    if ip.scope_id:
        return "scoped (zone id)"
    if ip in _V6_NAT64:
        inner = _v4_reason(IPv4Address(int(ip) & 0xFFFFFFFF))
        return None if inner is None else f"NAT64 of a {inner} address"
    for net, reason in _V6_BLOCKED:
        if ip in net:
            return reason
    if ip not in _V6_GLOBAL_UNICAST:
        return "reserved"
    if ip in _V6_6TO4:
        inner = _v4_reason(IPv4Address((int(ip) >> 80) & 0xFFFFFFFF))
        return None if inner is None else f"6to4 of a {inner} address"
    return None


def is_metadata(ip: IPAddress) -> bool:
    """Link-local and cloud instance-metadata addresses (only an explicit CIDR admits them)."""
    ip = unmapped(ip)
    return any(ip.version == net.version and ip in net for net in _METADATA)


# --- numeric hosts ---------------------------------------------------------------------------

_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_PART = re.compile(r"0x([0-9a-f]+)|0([0-7]*)|([1-9][0-9]*)", re.IGNORECASE)


def looks_numeric(host: str) -> bool:
    """True when the last label is a number, so the host can only be read as an IPv4 address.

    Such a host is never handed to DNS: it is an IPv4 address (:func:`parse_ipv4`) or invalid.
    """
    return _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]) is not None


def parse_ipv4(host: str) -> IPv4Address | None:
    """Read ``host`` as the C library's ``inet_aton`` does, or return ``None``.

    One to four dot-separated parts, each decimal, octal (leading ``0``) or hex (``0x``); the
    last part fills the remaining bytes: ``127.1``, ``0x7f000001``, ``2130706433``,
    ``017700000001`` and ``0177.0.0.1`` are all ``127.0.0.1``. This matches glibc's
    ``getaddrinfo(AI_NUMERICHOST)`` exactly (a property test checks it), so the address we
    check is the address the OS would have connected to.
    """
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        m = _PART.fullmatch(part)
        if m is None:
            return None
        hexa, octal, dec = m.groups()
        if hexa is not None:
            values.append(int(hexa, 16))
        elif octal is not None:
            values.append(int(octal, 8) if octal else 0)
        else:
            values.append(int(dec))
    *head, last = values
    if any(v > 0xFF for v in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    number = last
    for i, v in enumerate(head):
        number |= v << (8 * (3 - i))
    return IPv4Address(number)
