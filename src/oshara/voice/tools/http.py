"""``http`` tools (the guide's Pattern 2): the LLM's arguments as a JSON request to the owner's API.

* Body: the validated arguments as compact JSON (``GET``: as query parameters instead, since
  a GET body is dropped by many servers and proxies).
* Headers: ``config.headers`` (the owner's secrets, e.g. ``X-Oshara-Secret``), then the
  context headers ``X-Oshara-Agent`` (character slug), ``X-Oshara-Session`` and
  ``X-Oshara-Tool``; with a signing secret, Standard Webhooks headers ``webhook-id``,
  ``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256>`` over
  ``"{id}.{timestamp}.{body}"``.
* Through the one egress client: SSRF rules, ``config.timeout_seconds`` (default 10) for the
  whole exchange, redirects returned but never followed, the body capped at 256 KB.
* A 2xx JSON answer is the tool result (an empty one is ``{"ok": true}``, a non-JSON one
  ``{"text": ...}``); anything else is a :class:`ToolError` the LLM is told about:
  ``{"error": {"code": "http_error", "status": 404, "message": "Ticket not found"}}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from oshara.characters.tools import CharacterTool, HttpToolConfig
from oshara.egress import EgressClient, EgressError, EgressResponse
from oshara.voice.tools.base import Tool, ToolCall, ToolError

__all__ = ["MAX_RESPONSE_BYTES", "HttpTool", "context_headers", "webhook_headers"]

MAX_RESPONSE_BYTES = 262_144
MAX_TEXT_RESULT = 8_000
MAX_ERROR_MESSAGE = 300
WEBHOOK_SECRET_PREFIX = "whsec_"


def context_headers(slug: str, session_id: str, tool: str) -> dict[str, str]:
    """Headers naming who calls: the agent (character slug), the session and the tool."""
    return {"X-Oshara-Agent": slug, "X-Oshara-Session": session_id, "X-Oshara-Tool": tool}


def _secret_key(secret: str) -> bytes:
    """A Standard Webhooks secret is ``whsec_<base64>``; any other string is used as bytes."""
    if secret.startswith(WEBHOOK_SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(WEBHOOK_SECRET_PREFIX) :], validate=True)
        except ValueError:
            pass
    return secret.encode()


def webhook_headers(
    secret: str, body: bytes, *, msg_id: str | None = None, timestamp: int | None = None
) -> dict[str, str]:
    """Standard Webhooks signature headers for one request body."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signed = f"{msg_id}.{ts}.".encode() + body
    digest = hmac.new(_secret_key(secret), signed, hashlib.sha256).digest()
    signature = base64.b64encode(digest).decode()
    return {"webhook-id": msg_id, "webhook-timestamp": ts, "webhook-signature": f"v1,{signature}"}


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _with_query(url: str, arguments: Mapping[str, Any]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(str(k), _query_value(v)) for k, v in arguments.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _error_message(status: int, body: bytes) -> str:
    """The endpoint's own error text if its body says one (``{"error": "..."}``,
    ``{"error": {"message": ...}}``, ``{"message"|"detail": "..."}``), else the status phrase."""
    found: Any = None
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if isinstance(data, Mapping):
        error = data.get("error")
        if isinstance(error, Mapping):
            error = error.get("message")
        for candidate in (error, data.get("message"), data.get("detail")):
            if isinstance(candidate, str) and candidate.strip():
                found = candidate.strip()
                break
    if found is None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        return f"HTTP {status} {phrase}"
    return str(found)[:MAX_ERROR_MESSAGE]


class HttpTool(Tool):
    kind = "http"

    def __init__(
        self,
        tool: CharacterTool,
        *,
        egress: EgressClient,
        slug: str,
        session_id: str,
        signing_secret: str | None = None,
    ) -> None:
        super().__init__(tool.name, tool.description, tool.input_schema)
        assert isinstance(tool.config, HttpToolConfig)
        self.config = tool.config
        self.egress = egress
        self.signing_secret = signing_secret
        self.context = context_headers(slug, session_id, tool.name)

    def request_parts(self, arguments: Mapping[str, Any]) -> tuple[str, bytes, dict[str, str]]:
        """``(url, body, headers)`` of the request for ``arguments`` (signed if configured)."""
        config = self.config
        url = config.url
        if config.method == "GET":
            url, body = _with_query(url, arguments), b""
        else:
            body = json.dumps(dict(arguments), separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Accept": "application/json"}
        if body:
            headers["Content-Type"] = "application/json"
        headers.update(config.headers)
        headers.update(self.context)
        if self.signing_secret:
            headers.update(webhook_headers(self.signing_secret, body))
        return url, body, headers

    async def run(self, arguments: dict[str, Any], call: ToolCall) -> Any:
        return self.result_of(await self.send(arguments))

    async def send(self, arguments: Mapping[str, Any]) -> EgressResponse:
        """Send the request for ``arguments`` through the egress client (any status returned);
        a refused or failed request is a :class:`ToolError` (``exc.code`` of the egress)."""
        url, body, headers = self.request_parts(arguments)
        try:
            response = await self.egress.request(
                self.config.method,
                url,
                content=body or None,
                headers=headers,
                timeout=self.config.timeout_seconds,
                max_response_bytes=MAX_RESPONSE_BYTES,
            )
        except EgressError as exc:
            message = f"The request to the tool's endpoint failed: {exc.message}"
            raise ToolError(exc.code, message) from None
        return response

    def result_of(self, response: EgressResponse) -> Any:
        """What the LLM receives for ``response``: its JSON (or text), or a :class:`ToolError`."""
        status = response.status
        if response.is_redirect:
            raise ToolError(
                "redirect",
                f"The tool's endpoint answered HTTP {status} (a redirect), which is not followed.",
                status=status,
            )
        if not response.ok:
            raise ToolError("http_error", _error_message(status, response.body), status=status)
        if response.truncated:
            raise ToolError(
                "too_large",
                f"The tool's answer is larger than {MAX_RESPONSE_BYTES // 1024} KB.",
                status=status,
            )
        if not response.body.strip():
            return {"ok": True, "status": status}
        try:
            return json.loads(response.body)
        except ValueError:
            return {"text": response.text[:MAX_TEXT_RESULT]}
