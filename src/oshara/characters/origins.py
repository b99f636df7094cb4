"""Web origins: normalisation and the allowed-origin patterns of a character.

An origin is ``scheme://host[:port]`` (RFC 6454) as a browser sends it in the ``Origin``
header: lowercase, host in ASCII (IDNA / punycode), default ports omitted. Owners may write
origins loosely (``https://Example.com/``, ``https://bücher.example``); everything is
normalised to that one form so that comparing is plain string equality.

Patterns accepted in ``allowed_origins``:

- an exact origin, ``https://shop.example.com`` or ``http://localhost:3000``;
- a subdomain wildcard, ``https://*.example.com``: any subdomain at any depth
  (``https://a.example.com``, ``https://a.b.example.com``) with the same scheme and port,
  but not the apex ``https://example.com`` (list that separately);
- ``*``: any origin, including requests without an ``Origin`` header.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

import idna

__all__ = [
    "ANY_ORIGIN",
    "normalize_origin",
    "normalize_origin_pattern",
    "origin_allowed",
    "origin_matches",
]

ANY_ORIGIN = "*"
_SCHEMES = {"http": 80, "https": 443}
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$", re.DOTALL)
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_MAX_ORIGIN_LEN = 300


def _split(value: str) -> tuple[str, str]:
    """Return (scheme, authority) of an origin-like string, refusing any path/query/fragment."""
    if not isinstance(value, str):
        raise ValueError("origin must be a string")
    text = value.strip()
    if not text:
        raise ValueError("origin must not be empty")
    if len(text) > _MAX_ORIGIN_LEN:
        raise ValueError(f"origin is longer than {_MAX_ORIGIN_LEN} characters")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in text):
        raise ValueError("origin must not contain whitespace or control characters")
    m = _SCHEME_RE.match(text)
    if m is None:
        raise ValueError(
            f"origin {text!r} must look like scheme://host[:port], e.g. https://example.com"
        )
    scheme, rest = m.group(1).lower(), m.group(2)
    if scheme not in _SCHEMES:
        raise ValueError(f"origin {text!r} must use http or https, not {scheme!r}")
    if rest.endswith("/") and rest.count("/") == 1:
        rest = rest[:-1]
    for char, what in (("?", "a query"), ("#", "a fragment"), ("/", "a path"), ("\\", "a path")):
        if char in rest:
            raise ValueError(f"origin {text!r} must not contain {what}; use scheme://host[:port]")
    if "@" in rest:
        raise ValueError(f"origin {text!r} must not contain user info (user@)")
    if not rest:
        raise ValueError(f"origin {text!r} has no host")
    return scheme, rest


def _split_port(authority: str, text: str) -> tuple[str, int | None]:
    if authority.startswith("["):
        end = authority.find("]")
        if end == -1:
            raise ValueError(f"origin {text!r} has an unterminated IPv6 address")
        host, tail = authority[: end + 1], authority[end + 1 :]
        if tail and not tail.startswith(":"):
            raise ValueError(f"origin {text!r} has an invalid host")
        port_text = tail[1:] if tail else None
    elif ":" in authority:
        host, port_text = authority.rsplit(":", 1)
    else:
        host, port_text = authority, None
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not port_text.isascii():
        raise ValueError(f"origin {text!r} has an invalid port {port_text!r}")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError(f"origin {text!r} has a port outside 1-65535")
    return host, port


def _normalize_host(host: str, text: str) -> str:
    if host.startswith("["):
        try:
            addr = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise ValueError(f"origin {text!r} has an invalid IPv6 address") from None
        return f"[{addr.compressed}]"
    if not host:
        raise ValueError(f"origin {text!r} has no host")
    try:
        ascii_host = (
            host.lower() if host.isascii() else idna.encode(host, uts46=True).decode("ascii")
        )
    except idna.IDNAError as exc:
        raise ValueError(f"origin {text!r} has an invalid host name: {exc}") from None
    ascii_host = ascii_host.lower()
    if len(ascii_host) > 253:
        raise ValueError(f"origin {text!r} has a host name longer than 253 characters")
    labels = ascii_host.split(".")
    if not all(_LABEL_RE.match(label) for label in labels):
        raise ValueError(
            f"origin {text!r} has an invalid host name (letters, digits, hyphens and dots only)"
        )
    return ascii_host


def _assemble(scheme: str, host: str, port: int | None) -> str:
    if port is None or port == _SCHEMES[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def normalize_origin(value: str) -> str:
    """Return ``value`` as a canonical origin ``scheme://host[:port]``.

    Lowercases, converts internationalised host names to ASCII, drops default ports and
    tolerates one trailing ``/``. Raises ``ValueError`` naming the problem for anything that
    is not a bare http(s) origin (paths, queries, fragments, user info, bad hosts or ports).
    """
    scheme, authority = _split(value)
    text = value.strip()
    host, port = _split_port(authority, text)
    if "*" in host:
        raise ValueError(f"origin {text!r} must not contain a wildcard")
    return _assemble(scheme, _normalize_host(host, text), port)


def normalize_origin_pattern(value: str) -> str:
    """Normalise an allowed-origin pattern: ``*``, an exact origin or ``scheme://*.domain``.

    The domain of a wildcard must have at least two labels (``*.com`` is refused), except
    ``localhost`` for development (``http://*.localhost:3000``).
    """
    if isinstance(value, str) and value.strip() == ANY_ORIGIN:
        return ANY_ORIGIN
    scheme, authority = _split(value)
    text = value.strip()
    host, port = _split_port(authority, text)
    if "*" not in host:
        return _assemble(scheme, _normalize_host(host, text), port)
    if not host.startswith("*.") or "*" in host[2:]:
        raise ValueError(
            f"origin pattern {text!r} may only use a wildcard as the first label, "
            "e.g. https://*.example.com"
        )
    base = _normalize_host(host[2:], text)
    if base.startswith("[") or _is_ipv4(base):
        raise ValueError(f"origin pattern {text!r} cannot use a wildcard with an IP address")
    if "." not in base and base != "localhost":
        raise ValueError(
            f"origin pattern {text!r} is too broad; use a wildcard under a registered domain"
        )
    return _assemble(scheme, f"*.{base}", port)


def _is_ipv4(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def origin_matches(origin: str, pattern: str) -> bool:
    """Whether a *normalised* origin matches one *normalised* pattern."""
    if pattern == ANY_ORIGIN:
        return True
    if "://*." not in pattern:
        return origin == pattern
    scheme, rest = pattern.split("://*.", 1)
    o_scheme, sep, o_rest = origin.partition("://")
    if not sep or o_scheme != scheme:
        return False
    # ``rest`` is "domain[:port]"; the origin must end with ".domain[:port]" exactly.
    suffix = "." + rest
    if not o_rest.endswith(suffix):
        return False
    sub = o_rest[: -len(suffix)]
    return bool(sub) and ":" not in sub and not sub.startswith("[")


def origin_allowed(origin: str | None, patterns: Iterable[str]) -> bool:
    """Whether a request ``Origin`` is allowed by a character's ``allowed_origins``.

    ``origin`` is the raw header value (normalised here). A missing or unparseable origin
    (including the opaque ``null``) only matches the ``*`` pattern. Patterns are normalised
    too, so stored values written loosely still match; invalid patterns never match.
    """
    canonical: str | None
    if origin is None:
        canonical = None
    else:
        try:
            canonical = normalize_origin(origin)
        except ValueError:
            canonical = None
    for raw in patterns:
        try:
            pattern = normalize_origin_pattern(raw)
        except ValueError:
            continue
        if pattern == ANY_ORIGIN:
            return True
        if canonical is not None and origin_matches(canonical, pattern):
            return True
    return False
