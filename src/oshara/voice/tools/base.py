"""What every tool shares: the error the LLM sees, arguments checking, redaction, the schema.

A :class:`Tool` is one function offered to the LLM. Its ``run`` returns a JSON-ready result or
raises :class:`ToolError`, whose message is shown to the LLM (``{"error": {...}}``) so the
conversation goes on; any other exception becomes a generic "internal error" in the
dispatcher (:mod:`oshara.voice.tools.registry`).
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pipecat.adapters.llm.schemas.function_schema import FunctionSchema

from oshara.jsonlimits import MAX_SCHEMA_DEPTH, json_depth

if TYPE_CHECKING:
    from pipecat.services.llm_service import FunctionCallParams

    from oshara.egress import EgressClient
    from oshara.voice.spec import SessionSpec

__all__ = [
    "REDACTED",
    "JsonFunctionSchema",
    "KbSearch",
    "Redactor",
    "Tool",
    "ToolCall",
    "ToolDeps",
    "ToolError",
    "ToolEvents",
]

REDACTED = "[redacted]"
MAX_VALIDATION_ERRORS = 8

KbSearch = Callable[["SessionSpec", str, int], Awaitable[list[dict[str, Any]]]]
"""``(spec, query, top_k) -> passages``: the platform's knowledge search for a session's
character. Each passage: ``{title, text, heading?, page?, ...}``, best first."""


class ToolError(Exception):
    """A tool failure the LLM is told about (its message is safe to show to the model).

    ``code`` is stable (``invalid_arguments``, ``http_error``, ``timeout``, ``unavailable`` …);
    ``status`` is the HTTP status of a non-2xx answer; ``details`` lists argument problems.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        details: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def as_result(self) -> dict[str, Any]:
        """The tool result the LLM receives: ``{"error": {code, message, status?, details?}}``."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.status is not None:
            error["status"] = self.status
        if self.details:
            error["details"] = self.details
        return {"error": error}


@dataclass
class ToolDeps:
    """Process-wide dependencies of the tools, given to the runner by the platform.

    ``egress`` is the one SSRF-safe client (``None``: a strict default client with no
    allow-list); ``kb_search`` is the platform's knowledge search (``None``: ``kb`` tools
    answer "unavailable").
    """

    egress: EgressClient | None = None
    kb_search: KbSearch | None = None
    filler_after: float = 1.0
    """Voice mode: a tool still running after this many seconds makes the agent say
    ``filler_text`` instead of staying silent."""
    filler_text: str = "One moment."
    mcp_discovery_seconds: float = 5.0
    """At most this long (all MCP servers in parallel) before a session starts without the
    MCP servers that have not answered."""
    form_timeout: float = 600.0
    """Voice mode: how long ``show_form`` waits for the visitor's submission or cancel."""

    def egress_client(self) -> EgressClient:
        if self.egress is None:
            self.egress = _default_egress()
        return self.egress


_DEFAULT_EGRESS: list[EgressClient] = []


def _default_egress() -> EgressClient:
    """A process-wide client with no allow-list: only public addresses are reachable."""
    from oshara.egress import EgressClient

    if not _DEFAULT_EGRESS:
        _DEFAULT_EGRESS.append(EgressClient(""))
    return _DEFAULT_EGRESS[0]


class ToolEvents:
    """Where tools report session events (``form_shown``, ``tool_unavailable`` …)."""

    def __init__(self) -> None:
        self._sink: Callable[[str, dict[str, Any]], None] | None = None
        self._pending: list[tuple[str, dict[str, Any]]] = []

    def bind(self, sink: Callable[[str, dict[str, Any]], None] | None) -> None:
        self._sink = sink
        if sink is not None:
            pending, self._pending = self._pending, []
            for kind, data in pending:
                sink(kind, data)

    def __call__(self, kind: str, data: dict[str, Any]) -> None:
        if self._sink is None:
            self._pending.append((kind, data))
        else:
            self._sink(kind, data)


@dataclass
class ToolCall:
    """One call in progress: the Pipecat parameters and the session's event sink."""

    params: FunctionCallParams
    events: ToolEvents
    mode: str = "voice"

    @property
    def tool_call_id(self) -> str:
        return str(self.params.tool_call_id)


class Tool:
    """One function offered to the LLM.

    Subclasses set ``name``, ``description`` and ``parameters`` (a JSON Schema object) and
    implement :meth:`run`. Arguments are checked against ``parameters`` before ``run``.
    """

    kind: ClassVar[str] = "tool"
    filler: ClassVar[bool] = True
    """Voice mode: say the filler phrase when the call is slow."""

    def __init__(self, name: str, description: str, parameters: Mapping[str, Any]) -> None:
        self.name = name
        self.description = description
        self.parameters = _object_schema(parameters)
        self._validator = _validator(self.parameters)

    @property
    def asynchronous(self) -> bool:
        """Voice mode: runs alongside the conversation (``cancel_on_interruption=False``)."""
        return False

    def check(self, arguments: Mapping[str, Any]) -> None:
        """Raise ``ToolError("invalid_arguments")`` naming every problem (at most 8)."""
        if self._validator is None:
            return
        errors = sorted(self._validator.iter_errors(dict(arguments)), key=_error_order)
        if not errors:
            return
        details = [
            {"path": _path(e.absolute_path) or "(arguments)", "message": e.message}
            for e in errors[:MAX_VALIDATION_ERRORS]
        ]
        summary = "; ".join(f"{d['path']}: {d['message']}" for d in details)
        raise ToolError(
            "invalid_arguments",
            f"The arguments do not match the tool's schema ({summary}). Fix them and call "
            f"{self.name} again.",
            details=details,
        )

    def schema(self) -> FunctionSchema:
        return JsonFunctionSchema(self.name, self.description, self.parameters)

    async def run(self, arguments: dict[str, Any], call: ToolCall) -> Any:
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release what the tool holds (connections); called once at session end."""


def _object_schema(parameters: Mapping[str, Any]) -> dict[str, Any]:
    # Owners' schemas are bounded on save; an MCP server's may be anything. A schema too deep
    # to walk safely is offered without properties (the server checks its own arguments).
    if json_depth(dict(parameters), limit=MAX_SCHEMA_DEPTH) > MAX_SCHEMA_DEPTH:
        return {"type": "object", "properties": {}}
    schema = copy.deepcopy(dict(parameters))
    if schema.get("type") != "object":
        return {"type": "object", "properties": {}}
    schema.setdefault("properties", {})
    return schema


def _validator(schema: dict[str, Any]) -> Draft202012Validator | None:
    try:
        Draft202012Validator.check_schema(schema)
    except (SchemaError, RecursionError):
        return None  # an MCP server's odd schema: the server checks its own arguments
    return Draft202012Validator(schema)


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _error_order(error: Any) -> tuple[str, str]:
    return (_path(error.absolute_path), str(error.message))


class JsonFunctionSchema(FunctionSchema):
    """A ``FunctionSchema`` that hands the LLM the whole JSON Schema of the arguments
    (``additionalProperties``, ``$defs``, enums…), not only ``properties``/``required``."""

    def __init__(self, name: str, description: str, parameters: dict[str, Any]) -> None:
        required = parameters.get("required")
        super().__init__(
            name=name,
            description=description,
            properties=dict(parameters.get("properties") or {}),
            required=list(required) if isinstance(required, list) else [],
        )
        self._parameters = {k: v for k, v in parameters.items() if k not in ("$schema", "$id")}

    def to_default_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": self._parameters,
        }


@dataclass
class Redactor:
    """Replaces secret values (tool header values, signing secrets) wherever they appear.

    Applied to everything a tool hands back (to the LLM and to the session's tool-call log),
    so an endpoint that echoes its request headers cannot leak a secret through the agent.
    """

    secrets: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, values: Iterable[str]) -> Redactor:
        # Longest first, so a secret containing another is replaced whole.
        unique = {v for v in values if isinstance(v, str) and len(v) >= 4}
        return cls(sorted(unique, key=len, reverse=True))

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def apply(self, value: Any) -> Any:
        if not self.secrets:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.text(str(k)): self.apply(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.apply(v) for v in value]
        return value


def json_size(value: Any) -> int:
    try:
        return len(json.dumps(value, ensure_ascii=False, default=str))
    except (TypeError, ValueError):
        return 0


async def cancel_quietly(task: asyncio.Task[Any] | None, wait: float = 5.0) -> None:
    """Cancel ``task`` and give it ``wait`` seconds to unwind (its outcome is not raised)."""
    if task is None or task.done():
        return
    task.cancel()
    await asyncio.wait({task}, timeout=wait)
