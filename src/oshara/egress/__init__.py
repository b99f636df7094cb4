"""The one SSRF-safe outbound HTTP client: every request the platform makes goes through here.

Rules (DESIGN.md §6): only ``http`` / ``https``; the host is resolved once and the request is
refused if any address is not public (loopback, private, link-local, CGNAT, metadata,
multicast, reserved, IPv4-mapped / NAT64 / 6to4 / Teredo forms, numeric tricks read as the OS
reads them); the connection goes to the checked address, with ``Host``, SNI and certificate
verification for the URL's name; redirects are returned, never followed; time and size are
bounded. The operator allow-list ``OSHARA_EGRESS_ALLOW`` (CIDRs or ``host:port``) is the only
way past the address check.

Use :class:`EgressClient` for requests (``await egress.request("POST", url, json=...)``) and
:meth:`EgressClient.httpx_client` to hand a safe ``httpx.AsyncClient`` to other libraries.
"""

from .addresses import blocked_reason, parse_ipv4
from .client import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    EgressClient,
    EgressResponse,
    reload_allow,
)
from .errors import EgressError, ErrorCode
from .policy import AllowList, EgressGuard, Resolver, Target, normalize_host, parse_url
from .transport import Connector, EgressTransport, default_connector

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "AllowList",
    "Connector",
    "EgressClient",
    "EgressError",
    "EgressGuard",
    "EgressResponse",
    "EgressTransport",
    "ErrorCode",
    "Resolver",
    "Target",
    "blocked_reason",
    "default_connector",
    "normalize_host",
    "parse_ipv4",
    "parse_url",
    "reload_allow",
]
