"""The one error type of the egress client: a stable ``code`` and a message an LLM may see."""

from __future__ import annotations

from typing import Literal

import httpx

__all__ = ["EgressError", "ErrorCode"]

ErrorCode = Literal[
    "bad_url",  # not an absolute http(s) URL we accept (credentials, backslashes, port 0, …)
    "bad_scheme",  # a scheme other than http or https
    "blocked_address",  # the host is, or resolves to, a non-public address not on the allow-list
    "dns_failure",  # the host name does not resolve
    "timeout",  # the whole request did not finish within its time budget
    "connect_error",  # no TCP connection could be made, or it broke
    "tls_error",  # TLS handshake or certificate verification failed
    "bad_request",  # the request could not be sent as given (e.g. an invalid header)
    "bad_response",  # the server's answer is not valid HTTP or uses an unsupported encoding
    "too_large",  # the body exceeded the size cap and the caller needed all of it
    "invalid_json",  # the body is not JSON where JSON was expected
]


class EgressError(httpx.TransportError):
    """An outbound request was refused or failed.

    ``code`` is one of :data:`ErrorCode`; ``message`` names only what the caller's URL already
    contained (never a resolved internal address, a header value or a body), so it can be
    handed to an LLM as a tool error. ``host`` is kept for log lines.

    It is also an :class:`httpx.TransportError`, so code written against httpx (such as an MCP
    client) treats a refusal like any other failed connection.
    """

    def __init__(self, code: ErrorCode, message: str, *, host: str | None = None) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message
        self.host = host

    def as_dict(self) -> dict[str, str]:
        """``{"code", "message"}``, the shape a tool hands back to the LLM."""
        return {"code": self.code, "message": self.message}

    def __repr__(self) -> str:
        return f"EgressError({self.code!r}, {self.message!r})"
