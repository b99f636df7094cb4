"""Character tools: validation of their definitions and sealing of their secrets.

A tool is what the agent may call during a call (DESIGN §6)::

    {"name": "ticket_lookup", "kind": "http", "description": "...",
     "input_schema": {"type": "object", ...},
     "config": {"url": "https://...", "method": "POST", "headers": {"X-Oshara-Secret": "..."}}}

``config`` depends on ``kind``: :class:`HttpToolConfig`, :class:`KbToolConfig` or
:class:`McpToolConfig`. Error locations always name the field (``tools[1].config.url``).

Header values are write-only secrets. At rest they are encrypted (:func:`seal_tools`), owners
only ever see them as :data:`SECRET_MASK` (:func:`public_tools`), and sending the mask back
keeps the stored value, so GET → edit → PUT round-trips never wipe a secret. Only the agent
runtime sees plaintext (:func:`unseal_tools`).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from oshara.crypto import SecretBox
from oshara.jsonlimits import MAX_SCHEMA_DEPTH, json_depth

__all__ = [
    "BUILTIN_TOOL_NAMES",
    "MAX_INPUT_SCHEMA_DEPTH",
    "MAX_TOOLS",
    "SECRET_MASK",
    "TOOL_NAME_PATTERN",
    "CharacterTool",
    "HttpToolConfig",
    "KbToolConfig",
    "McpToolConfig",
    "StrictModel",
    "ToolConfig",
    "ToolList",
    "ToolSecretError",
    "parse_tools",
    "public_tools",
    "seal_tools",
    "unseal_tools",
]

SECRET_MASK = "********"
"""Stands for a stored secret in owner-facing responses; sent back, it keeps the secret."""

TOOL_NAME_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$"
BUILTIN_TOOL_NAMES = frozenset({"show_form", "end_call"})
MAX_TOOLS = 64
MAX_DESCRIPTION_CHARS = 4000
MAX_INPUT_SCHEMA_BYTES = 64 * 1024
MAX_INPUT_SCHEMA_DEPTH = MAX_SCHEMA_DEPTH
MAX_URL_CHARS = 2048
MAX_HEADERS = 32
MAX_HEADER_VALUE_BYTES = 8 * 1024

_NAME_RE = re.compile(TOOL_NAME_PATTERN)
# RFC 7230 §3.2.6 token.
_HEADER_NAME_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Set by the HTTP client itself; letting a tool override them breaks or smuggles requests.
_FORBIDDEN_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "proxy-connection",
    }
)


def _default_input_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {}}


def _fail(title: str, loc: tuple[str | int, ...], kind: str, message: str, value: Any) -> None:
    """Raise a ValidationError at ``loc`` relative to the value being validated."""
    raise ValidationError.from_exception_data(
        title,
        [InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=value)],
    )


# --------------------------------------------------------------------------- field types


def _check_url(value: str) -> str:
    if len(value) > MAX_URL_CHARS:
        raise ValueError(f"URL is longer than {MAX_URL_CHARS} characters")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError("URL must not contain spaces or control characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError(f"URL is malformed: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("URL must be absolute and start with http:// or https://")
    if not parts.hostname:
        raise ValueError("URL must include a host, e.g. https://api.example.com/path")
    if parts.username is not None or parts.password is not None:
        raise ValueError("URL must not contain credentials (user:pass@); use config.headers")
    return value


HttpUrlStr = Annotated[str, AfterValidator(_check_url)]
"""An absolute http(s) URL with a host and no embedded credentials."""


def _check_headers(value: dict[str, str]) -> dict[str, str]:
    if len(value) > MAX_HEADERS:
        raise ValueError(f"at most {MAX_HEADERS} headers are allowed")
    errors: list[InitErrorDetails] = []

    def problem(name: str, kind: str, message: str) -> None:
        # The input is never echoed back: header values are secrets.
        errors.append(
            InitErrorDetails(type=PydanticCustomError(kind, message), loc=(name,), input=name)
        )

    seen: dict[str, str] = {}
    for name, header_value in value.items():
        lower = name.lower()
        if not _HEADER_NAME_RE.match(name):
            problem(name, "header_name", "invalid header name (must be an RFC 7230 token)")
        elif lower in _FORBIDDEN_HEADERS:
            problem(
                name,
                "header_name",
                f"header {name!r} is set by the HTTP client and cannot be configured",
            )
        elif lower in seen:
            problem(
                name,
                "header_name",
                f"header {name!r} duplicates {seen[lower]!r} (names are case-insensitive)",
            )
        seen.setdefault(lower, name)
        if any(c in header_value for c in "\r\n\x00"):
            problem(name, "header_value", "header value must not contain CR, LF or NUL characters")
        elif len(header_value.encode("utf-8")) > MAX_HEADER_VALUE_BYTES:
            problem(
                name,
                "header_value",
                f"header value is larger than {MAX_HEADER_VALUE_BYTES // 1024} KB",
            )
    if errors:
        raise ValidationError.from_exception_data("headers", errors)
    return value


HeaderDict = Annotated[dict[str, str], AfterValidator(_check_headers)]
"""Static request headers: RFC 7230 names, single-line values of at most 8 KB."""

Timeout = Annotated[float, Field(gt=0, le=60)]


# --------------------------------------------------------------------------- configs


class StrictModel(BaseModel):
    """A model that refuses unknown keys, naming each one and listing the allowed keys.

    ``unknown_key_where`` completes the message, e.g. ``" in http tool config"``.
    """

    model_config = ConfigDict(extra="forbid")
    unknown_key_where: ClassVar[str] = ""

    @model_validator(mode="wrap")
    @classmethod
    def _refuse_unknown_keys(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if not isinstance(data, Mapping):
            return handler(data)
        unknown = [k for k in data if k not in cls.model_fields]
        if not unknown:
            return handler(data)
        allowed = ", ".join(cls.model_fields)
        errors = [
            InitErrorDetails(
                type=PydanticCustomError(
                    "unknown_key",
                    f"unknown key {str(k)!r}{cls.unknown_key_where} (allowed: {allowed})",
                ),
                loc=(str(k),),
                input=None,
            )
            for k in unknown
        ]
        # Validate the known keys too, so that one response lists every problem.
        try:
            handler({k: v for k, v in data.items() if k in cls.model_fields})
        except ValidationError as exc:
            errors.extend(
                InitErrorDetails(
                    type=PydanticCustomError(str(err["type"]), str(err["msg"])),
                    loc=tuple(err["loc"]),
                    input=err.get("input"),
                )
                for err in exc.errors(include_url=False)
            )
        raise ValidationError.from_exception_data(cls.__name__, errors)


class _ToolConfigBase(StrictModel):
    """Base of the per-kind tool configurations."""


class HttpToolConfig(_ToolConfigBase):
    """``kind: "http"`` — the LLM's arguments are sent as the JSON body to ``url``."""

    unknown_key_where: ClassVar[str] = " in http tool config"

    url: HttpUrlStr
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    headers: HeaderDict = Field(default_factory=dict)
    timeout_seconds: Timeout = 10.0

    @field_validator("method", mode="before")
    @classmethod
    def _upper_method(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class KbToolConfig(_ToolConfigBase):
    """``kind: "kb"`` — searches the character's knowledge base."""

    unknown_key_where: ClassVar[str] = " in kb tool config"

    top_k: int = Field(default=4, ge=1, le=20)


class McpToolConfig(_ToolConfigBase):
    """``kind: "mcp"`` — the tools of a remote MCP server, listed at session start."""

    unknown_key_where: ClassVar[str] = " in mcp tool config"

    url: HttpUrlStr
    headers: HeaderDict = Field(default_factory=dict)
    transport: Literal["streamable-http", "sse"] = "streamable-http"
    timeout_seconds: Timeout = 10.0


ToolConfig = HttpToolConfig | KbToolConfig | McpToolConfig
_CONFIG_BY_KIND: dict[str, type[_ToolConfigBase]] = {
    "http": HttpToolConfig,
    "kb": KbToolConfig,
    "mcp": McpToolConfig,
}


# --------------------------------------------------------------------------- the tool


class CharacterTool(StrictModel):
    """One tool of a character, as sent by the owner and validated."""

    unknown_key_where: ClassVar[str] = " in tool"

    name: str = Field(description=f"Function name shown to the LLM, {TOOL_NAME_PATTERN}")
    kind: Literal["http", "kb", "mcp"]
    description: str = Field(default="", max_length=MAX_DESCRIPTION_CHARS)
    input_schema: dict[str, Any] = Field(
        default_factory=_default_input_schema,
        description="JSON Schema (Draft 2020-12) of the arguments; its root must be an object.",
    )
    config: ToolConfig = Field(
        default_factory=dict,  # validated per kind, see _config_for_kind
        validate_default=True,
    )
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise PydanticCustomError(
                "tool_name",
                "tool name must match {pattern} (letters, digits, _ and -; at most 64 "
                "characters, not starting with a digit or -)",
                {"pattern": TOOL_NAME_PATTERN},
            )
        if value in BUILTIN_TOOL_NAMES:
            raise PydanticCustomError(
                "tool_name_reserved",
                f"tool name {value!r} is reserved for a built-in tool "
                "(built-ins are configured under 'builtins')",
            )
        return value

    @field_validator("input_schema")
    @classmethod
    def _check_input_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        # Before anything walks it recursively (json, jsonschema, the local LLM's grammar).
        if json_depth(value, limit=MAX_INPUT_SCHEMA_DEPTH) > MAX_INPUT_SCHEMA_DEPTH:
            raise ValueError(
                f"input_schema is nested more than {MAX_INPUT_SCHEMA_DEPTH} levels deep "
                "(objects and arrays inside each other)"
            )
        try:
            size = len(json.dumps(value, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"input_schema must be plain JSON: {exc}") from None
        if size > MAX_INPUT_SCHEMA_BYTES:
            raise ValueError(f"input_schema is larger than {MAX_INPUT_SCHEMA_BYTES // 1024} KB")
        try:
            Draft202012Validator.check_schema(value)
        except RecursionError:
            raise ValueError("input_schema is nested too deeply to check") from None
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.path)
            at = f" at '{where}'" if where else ""
            raise ValueError(
                f"input_schema is not a valid JSON Schema{at}: {exc.message}"
            ) from None
        if value.get("type") != "object":
            raise ValueError(
                'input_schema must describe an object: its root needs "type": "object"'
            )
        return value

    @field_validator("config", mode="before")
    @classmethod
    def _config_for_kind(cls, value: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("kind")
        if kind not in _CONFIG_BY_KIND:
            # ``kind`` itself failed and is reported; config cannot be judged without it.
            return KbToolConfig()
        model = _CONFIG_BY_KIND[kind]
        if isinstance(value, BaseModel):
            if type(value) is model:
                return value
            value = value.model_dump()
        return model.model_validate(value)


def _check_unique_names(tools: list[CharacterTool]) -> list[CharacterTool]:
    first_index: dict[str, int] = {}
    for index, tool in enumerate(tools):
        if tool.name in first_index:
            _fail(
                "tools",
                (index, "name"),
                "duplicate_tool_name",
                f"duplicate tool name {tool.name!r} at index {index} "
                f"(already used by tools[{first_index[tool.name]}])",
                tool.name,
            )
        first_index[tool.name] = index
    return tools


ToolList = Annotated[
    list[CharacterTool], Field(max_length=MAX_TOOLS), AfterValidator(_check_unique_names)
]
"""A character's tools: validated one by one, names unique within the list."""

_TOOL_LIST_ADAPTER: TypeAdapter[list[CharacterTool]] = TypeAdapter(ToolList)


def parse_tools(data: Any) -> list[CharacterTool]:
    """Validate a raw JSON list of tools; raises ``pydantic.ValidationError``."""
    return _TOOL_LIST_ADAPTER.validate_python(data)


# --------------------------------------------------------------------------- secrets


class ToolSecretError(ValueError):
    """A header was sent as :data:`SECRET_MASK` but no value is stored for it (HTTP 400).

    ``loc`` is the field location, e.g. ``("tools", 0, "config", "headers", "X-Api-Key")``.
    """

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def _stored_headers(sealed: Sequence[Mapping[str, Any]] | None) -> dict[str, dict[str, str]]:
    """``{tool name: {lowercased header name: ciphertext}}`` from stored tools."""
    out: dict[str, dict[str, str]] = {}
    for tool in sealed or ():
        config = tool.get("config")
        headers = config.get("headers") if isinstance(config, Mapping) else None
        if isinstance(headers, Mapping):
            out[str(tool.get("name"))] = {str(k).lower(): str(v) for k, v in headers.items()}
    return out


def seal_tools(
    tools: Sequence[CharacterTool],
    previous_sealed: Sequence[Mapping[str, Any]] | None,
    box: SecretBox,
) -> list[dict[str, Any]]:
    """Return the at-rest JSON of ``tools`` with every header value encrypted.

    Header names stay in clear (owners see which are set). A value equal to
    :data:`SECRET_MASK` keeps the ciphertext stored in ``previous_sealed`` for the same tool
    name and header name (case-insensitive); if there is none, :class:`ToolSecretError`
    (a ``ValueError``) names the header.
    """
    previous = _stored_headers(previous_sealed)
    out: list[dict[str, Any]] = []
    for index, tool in enumerate(tools):
        doc = tool.model_dump(mode="json")
        headers: dict[str, str] | None = doc["config"].get("headers")
        if headers is not None:
            sealed: dict[str, str] = {}
            for name, value in headers.items():
                if value == SECRET_MASK:
                    stored = previous.get(tool.name, {}).get(name.lower())
                    if stored is None:
                        raise ToolSecretError(
                            ("tools", index, "config", "headers", name),
                            f"header {name!r} of tool {tool.name!r} was sent as "
                            f"{SECRET_MASK!r} (keep the stored value) but no value is stored "
                            "for it; send the real value",
                        )
                    sealed[name] = stored
                else:
                    sealed[name] = box.encrypt(value)
            doc["config"]["headers"] = sealed
        out.append(doc)
    return out


def _map_header_values(sealed: Sequence[Mapping[str, Any]], transform: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tool in sealed:
        doc = copy.deepcopy(dict(tool))
        config = doc.get("config")
        if isinstance(config, dict) and isinstance(config.get("headers"), dict):
            config["headers"] = {k: transform(v) for k, v in config["headers"].items()}
        out.append(doc)
    return out


def public_tools(sealed: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stored tools for owner-facing responses: every header value is :data:`SECRET_MASK`."""
    return _map_header_values(sealed, lambda _value: SECRET_MASK)


def unseal_tools(sealed: Sequence[Mapping[str, Any]], box: SecretBox) -> list[dict[str, Any]]:
    """Stored tools with plaintext header values — for the agent runtime only, never a response.

    Raises :class:`oshara.crypto.SecretBoxError` if a value cannot be decrypted.
    """
    return _map_header_values(sealed, lambda value: box.decrypt(str(value)))
