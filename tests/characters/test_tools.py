"""Tool definitions (guide Pattern 2) and the write-only handling of their headers."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from oshara.characters.tools import (
    SECRET_MASK,
    CharacterTool,
    HttpToolConfig,
    KbToolConfig,
    McpToolConfig,
    ToolSecretError,
    parse_tools,
    public_tools,
    seal_tools,
    unseal_tools,
)
from oshara.crypto import SecretBox, SecretBoxError

BOX = SecretBox("test-secret-key-0123456789abcdefghijklmnop")

# The tool of the guide's PATCH example (Pattern 2, step 2), verbatim.
GUIDE_TICKET_LOOKUP: dict[str, Any] = {
    "name": "ticket_lookup",
    "kind": "http",
    "description": "Look up a support ticket by its ID. Use when the user mentions a ticket "
    "number like TICKET-123.",
    "input_schema": {
        "type": "object",
        "properties": {
            "ticket_id": {"type": "string", "description": "Ticket ID, e.g. TICKET-123"}
        },
        "required": ["ticket_id"],
    },
    "config": {
        "url": "https://yoursite.com/api/oshara/ticket-lookup",
        "method": "POST",
        "headers": {"X-Oshara-Secret": "your-shared-secret"},
    },
}

# The guide's "Multiple tools" example, verbatim (ticket_lookup has no input_schema there).
GUIDE_MULTIPLE_TOOLS: list[dict[str, Any]] = [
    {
        "name": "ticket_lookup",
        "kind": "http",
        "description": "...",
        "config": {"url": "https://yoursite.com/api/oshara/ticket-lookup", "method": "POST"},
    },
    {
        "name": "create_ticket",
        "kind": "http",
        "description": "Create a new support ticket. Use when the user reports an issue and "
        "wants to log it.",
        "input_schema": {
            "type": "object",
            "properties": {
                "subject": {"type": "string"},
                "priority": {"type": "string", "enum": ["low", "normal", "high"]},
                "details": {"type": "string"},
            },
            "required": ["subject", "details"],
        },
        "config": {"url": "https://yoursite.com/api/oshara/tickets", "method": "POST"},
    },
    {
        "name": "search_docs",
        "kind": "kb",
        "description": "Search our knowledge base for policy and product information.",
        "input_schema": {
            "type": "object",
            "properties": {"query": {"type": "string"}},
            "required": ["query"],
        },
        "config": {},
    },
]


def errors_of(data: Any) -> dict[str, str]:
    """``{"tools[1].config.url": message}`` for an invalid tool list."""
    with pytest.raises(ValidationError) as info:
        parse_tools(data)
    out: dict[str, str] = {}
    for err in info.value.errors():
        field = "tools"
        for part in err["loc"]:
            field += f"[{part}]" if isinstance(part, int) else f".{part}"
        out[field] = err["msg"].removeprefix("Value error, ")
    return out


def http_tool(**config: Any) -> dict[str, Any]:
    return {"name": "t", "kind": "http", "config": {"url": "https://api.example.com/x", **config}}


# --------------------------------------------------------------------------- guide examples


def test_guide_patch_tool_is_valid() -> None:
    [tool] = parse_tools([GUIDE_TICKET_LOOKUP])
    assert tool.name == "ticket_lookup"
    assert tool.enabled is True
    assert isinstance(tool.config, HttpToolConfig)
    assert tool.config.url == "https://yoursite.com/api/oshara/ticket-lookup"
    assert tool.config.method == "POST"
    assert tool.config.headers == {"X-Oshara-Secret": "your-shared-secret"}
    assert tool.config.timeout_seconds == 10
    assert tool.input_schema["required"] == ["ticket_id"]


def test_guide_multiple_tools_example_is_valid() -> None:
    tools = parse_tools(GUIDE_MULTIPLE_TOOLS)
    assert [t.name for t in tools] == ["ticket_lookup", "create_ticket", "search_docs"]
    # No input_schema given: an empty object schema is assumed.
    assert tools[0].input_schema == {"type": "object", "properties": {}}
    assert isinstance(tools[2].config, KbToolConfig)
    assert tools[2].config.top_k == 4
    dumped = tools[1].model_dump(mode="json")
    assert dumped["config"] == {
        "url": "https://yoursite.com/api/oshara/tickets",
        "method": "POST",
        "headers": {},
        "timeout_seconds": 10.0,
    }


def test_dump_round_trips() -> None:
    tools = parse_tools([*GUIDE_MULTIPLE_TOOLS, GUIDE_TICKET_LOOKUP | {"name": "other"}])
    again = parse_tools([t.model_dump(mode="json") for t in tools])
    assert again == tools


def test_empty_list_and_defaults() -> None:
    assert parse_tools([]) == []
    tool = CharacterTool.model_validate({"name": "kb", "kind": "kb"})
    assert tool.description == ""
    assert tool.config == KbToolConfig(top_k=4)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("name", ["a", "_private", "ticket_lookup", "Create-Ticket", "x" * 64])
def test_valid_names(name: str) -> None:
    assert parse_tools([{"name": name, "kind": "kb"}])[0].name == name


@pytest.mark.parametrize("name", ["", "1tool", "-tool", "has space", "dots.bad", "ü", "x" * 65])
def test_invalid_names_show_the_pattern(name: str) -> None:
    errors = errors_of([{"name": name, "kind": "kb"}])
    assert "^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$" in errors["tools[0].name"]


@pytest.mark.parametrize("name", ["show_form", "end_call"])
def test_builtin_names_are_reserved(name: str) -> None:
    errors = errors_of([{"name": name, "kind": "kb"}])
    assert "reserved" in errors["tools[0].name"]


def test_duplicate_names_name_the_duplicate_and_its_index() -> None:
    errors = errors_of(
        [
            {"name": "a", "kind": "kb"},
            {"name": "b", "kind": "kb"},
            {"name": "a", "kind": "kb"},
        ]
    )
    assert errors == {
        "tools[2].name": "duplicate tool name 'a' at index 2 (already used by tools[0])"
    }


def test_too_many_tools() -> None:
    errors = errors_of([{"name": f"t{i}", "kind": "kb"} for i in range(65)])
    assert "tools" in errors


# --------------------------------------------------------------------------- kinds and shape


def test_unknown_kind() -> None:
    errors = errors_of([{"name": "t", "kind": "grpc", "config": {"url": "x"}}])
    assert list(errors) == ["tools[0].kind"]  # config is not judged without a valid kind


def test_kind_and_name_required() -> None:
    errors = errors_of([{}])
    assert set(errors) == {"tools[0].name", "tools[0].kind"}


def test_unknown_tool_keys_are_named() -> None:
    errors = errors_of([{"name": "t", "kind": "kb", "handler": "x"}])
    assert "unknown key 'handler' in tool" in errors["tools[0].handler"]


def test_tools_must_be_a_list_of_objects() -> None:
    assert "tools" in errors_of({"name": "t"})
    assert "tools[0]" in errors_of(["t"])


def test_description_limit() -> None:
    errors = errors_of([{"name": "t", "kind": "kb", "description": "x" * 4001}])
    assert "tools[0].description" in errors


# --------------------------------------------------------------------------- input_schema


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object"},
        {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}},
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"tags": {"type": "array", "items": {"type": "string"}}},
            "additionalProperties": False,
        },
    ],
)
def test_valid_input_schemas(schema: dict[str, Any]) -> None:
    assert parse_tools([{"name": "t", "kind": "kb", "input_schema": schema}])[0].input_schema


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "string"}, '"type": "object"'),
        ({"properties": {}}, '"type": "object"'),
        ({"type": ["object", "null"]}, '"type": "object"'),
        ({"type": "object", "properties": {"x": {"type": "strnig"}}}, "properties/x/type"),
        ({"type": "object", "required": "ticket_id"}, "not a valid JSON Schema"),
        ({"type": "object", "minProperties": -1}, "not a valid JSON Schema"),
    ],
)
def test_invalid_input_schemas(schema: dict[str, Any], message: str) -> None:
    errors = errors_of([{"name": "t", "kind": "kb", "input_schema": schema}])
    assert message in errors["tools[0].input_schema"]


def test_input_schema_must_be_an_object_and_not_huge() -> None:
    assert "tools[0].input_schema" in errors_of([{"name": "t", "kind": "kb", "input_schema": []}])
    huge = {"type": "object", "description": "x" * 70_000}
    assert "KB" in errors_of([{"name": "t", "kind": "kb", "input_schema": huge}])[
        "tools[0].input_schema"
    ]


# --------------------------------------------------------------------------- http config


def test_error_location_names_the_field() -> None:
    tools = copy.deepcopy(GUIDE_MULTIPLE_TOOLS)
    tools[1]["config"]["url"] = "/api/oshara/tickets"
    errors = errors_of(tools)
    assert list(errors) == ["tools[1].config.url"]
    assert "absolute" in errors["tools[1].config.url"]


def test_http_requires_url() -> None:
    assert errors_of([{"name": "t", "kind": "http"}]) == {"tools[0].config.url": "Field required"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x", "http:// or https://"),
        ("example.com/x", "http:// or https://"),
        ("https:///path", "must include a host"),
        ("https://user:pw@example.com/x", "credentials"),
        ("https://exa mple.com/", "spaces"),
        ("https://example.com:99999/", "malformed"),
        ("https://example.com/" + "x" * 2100, "longer than"),
    ],
)
def test_http_url_rules(url: str, message: str) -> None:
    errors = errors_of([http_tool(url=url)])
    assert message in errors["tools[0].config.url"]


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/hook",  # private targets are the egress client's decision
        "https://api.example.com/v1/tickets?source=oshara",
        "https://[2001:db8::1]:8443/x",
    ],
)
def test_http_url_accepted(url: str) -> None:
    assert parse_tools([http_tool(url=url)])[0].config.url == url  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("given", "expected"), [("post", "POST"), ("Get", "GET"), ("DELETE", "DELETE")]
)
def test_method_is_normalised(given: str, expected: str) -> None:
    config = parse_tools([http_tool(method=given)])[0].config
    assert isinstance(config, HttpToolConfig) and config.method == expected


def test_bad_method() -> None:
    assert "tools[0].config.method" in errors_of([http_tool(method="TRACE")])


@pytest.mark.parametrize("timeout", [0, -1, 60.5, "soon"])
def test_bad_timeouts(timeout: Any) -> None:
    assert "tools[0].config.timeout_seconds" in errors_of([http_tool(timeout_seconds=timeout)])


def test_good_timeouts() -> None:
    for timeout in (0.5, 60):
        config = parse_tools([http_tool(timeout_seconds=timeout)])[0].config
        assert isinstance(config, HttpToolConfig) and config.timeout_seconds == timeout


def test_unknown_config_keys_are_named() -> None:
    errors = errors_of([http_tool(retries=3, verify_tls=False)])
    assert set(errors) == {"tools[0].config.retries", "tools[0].config.verify_tls"}
    assert errors["tools[0].config.retries"] == (
        "unknown key 'retries' in http tool config "
        "(allowed: url, method, headers, timeout_seconds)"
    )


def test_unknown_config_keys_and_other_errors_reported_together() -> None:
    errors = errors_of([http_tool(url="nope", retries=3)])
    assert set(errors) == {"tools[0].config.url", "tools[0].config.retries"}


def test_config_of_another_kind_is_refused() -> None:
    errors = errors_of([{"name": "t", "kind": "kb", "config": {"url": "https://a.example"}}])
    assert "unknown key 'url' in kb tool config" in errors["tools[0].config.url"]


def test_config_must_be_an_object() -> None:
    assert "tools[0].config" in errors_of([{"name": "t", "kind": "kb", "config": "x"}])


# --------------------------------------------------------------------------- headers


def test_valid_headers() -> None:
    headers = {"Authorization": "Bearer abc", "X-Oshara-Secret": "s", "x-empty": ""}
    config = parse_tools([http_tool(headers=headers)])[0].config
    assert isinstance(config, HttpToolConfig) and config.headers == headers


@pytest.mark.parametrize(
    ("headers", "field", "message"),
    [
        ({"X Secret": "v"}, "X Secret", "RFC 7230"),
        ({"X-Secret:": "v"}, "X-Secret:", "RFC 7230"),
        ({"": "v"}, "", "RFC 7230"),
        ({"Host": "evil.example"}, "Host", "set by the HTTP client"),
        ({"content-length": "1"}, "content-length", "set by the HTTP client"),
        ({"X-A": "1", "x-a": "2"}, "x-a", "case-insensitive"),
        ({"X-A": "line\r\nInjected: yes"}, "X-A", "CR, LF or NUL"),
        ({"X-A": "nul\x00"}, "X-A", "CR, LF or NUL"),
        ({"X-A": "x" * (8 * 1024 + 1)}, "X-A", "8 KB"),
    ],
)
def test_invalid_headers(headers: dict[str, str], field: str, message: str) -> None:
    errors = errors_of([http_tool(headers=headers)])
    assert message in errors[f"tools[0].config.headers.{field}"]


def test_header_values_must_be_strings_and_errors_never_echo_them() -> None:
    with pytest.raises(ValidationError) as info:
        parse_tools([http_tool(headers={"X-A": "top-secret\n"})])
    assert "top-secret" not in str(info.value)
    assert "tools[0].config.headers.X-A" in errors_of([http_tool(headers={"X-A": 5})])


def test_too_many_headers() -> None:
    headers = {f"X-{i}": "v" for i in range(33)}
    assert "tools[0].config.headers" in errors_of([http_tool(headers=headers)])


# --------------------------------------------------------------------------- kb and mcp


@pytest.mark.parametrize(("top_k", "ok"), [(1, True), (20, True), (0, False), (21, False)])
def test_kb_top_k(top_k: int, ok: bool) -> None:
    tool = {"name": "kb", "kind": "kb", "config": {"top_k": top_k}}
    if ok:
        assert parse_tools([tool])[0].config == KbToolConfig(top_k=top_k)
    else:
        assert "tools[0].config.top_k" in errors_of([tool])


def test_mcp_defaults_and_rules() -> None:
    [tool] = parse_tools(
        [{"name": "crm", "kind": "mcp", "config": {"url": "https://mcp.example.com/mcp"}}]
    )
    assert tool.config == McpToolConfig(
        url="https://mcp.example.com/mcp",
        headers={},
        transport="streamable-http",
        timeout_seconds=10,
    )
    sse = parse_tools(
        [
            {
                "name": "crm",
                "kind": "mcp",
                "config": {
                    "url": "https://mcp.example.com/sse",
                    "transport": "sse",
                    "headers": {"Authorization": "Bearer t"},
                },
            }
        ]
    )[0].config
    assert isinstance(sse, McpToolConfig) and sse.transport == "sse"
    errors = errors_of(
        [
            {
                "name": "crm",
                "kind": "mcp",
                "config": {"url": "ws://x", "transport": "stdio", "method": "POST"},
            }
        ]
    )
    assert set(errors) == {
        "tools[0].config.url",
        "tools[0].config.transport",
        "tools[0].config.method",
    }


def test_config_model_passed_directly_is_checked_against_kind() -> None:
    tool = CharacterTool(name="t", kind="kb", config=KbToolConfig(top_k=2))
    assert tool.config == KbToolConfig(top_k=2)
    with pytest.raises(ValidationError):
        CharacterTool(name="t", kind="kb", config=McpToolConfig(url="https://a.example"))


# --------------------------------------------------------------------------- secrets


def _guide_tools_with_secrets() -> list[CharacterTool]:
    mcp = {
        "name": "crm",
        "kind": "mcp",
        "config": {"url": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer m"}},
    }
    return parse_tools([GUIDE_TICKET_LOOKUP, GUIDE_MULTIPLE_TOOLS[2], mcp])


def test_seal_encrypts_header_values_and_keeps_names() -> None:
    sealed = seal_tools(_guide_tools_with_secrets(), None, BOX)
    headers = sealed[0]["config"]["headers"]
    assert list(headers) == ["X-Oshara-Secret"]
    assert headers["X-Oshara-Secret"] != "your-shared-secret"
    assert BOX.decrypt(headers["X-Oshara-Secret"]) == "your-shared-secret"
    assert "your-shared-secret" not in json.dumps(sealed)
    assert "Bearer m" not in json.dumps(sealed)
    # Everything else is stored as validated; kb has no headers.
    assert sealed[0]["config"]["url"] == "https://yoursite.com/api/oshara/ticket-lookup"
    assert sealed[1]["config"] == {"top_k": 4}
    json.dumps(sealed)  # plain JSON


def test_public_tools_mask_every_header_value() -> None:
    sealed = seal_tools(_guide_tools_with_secrets(), None, BOX)
    public = public_tools(sealed)
    assert public[0]["config"]["headers"] == {"X-Oshara-Secret": SECRET_MASK}
    assert public[2]["config"]["headers"] == {"Authorization": SECRET_MASK}
    assert sealed[0]["config"]["headers"]["X-Oshara-Secret"] != SECRET_MASK  # not mutated
    text = json.dumps(public)
    assert "your-shared-secret" not in text and "gAAAA" not in text


def test_unseal_tools_restores_plaintext() -> None:
    sealed = seal_tools(_guide_tools_with_secrets(), None, BOX)
    plain = unseal_tools(sealed, BOX)
    assert plain[0]["config"]["headers"] == {"X-Oshara-Secret": "your-shared-secret"}
    assert plain[2]["config"]["headers"] == {"Authorization": "Bearer m"}
    assert plain[1] == sealed[1]


def test_unseal_with_wrong_key_fails_clearly() -> None:
    sealed = seal_tools(_guide_tools_with_secrets(), None, BOX)
    with pytest.raises(SecretBoxError):
        unseal_tools(sealed, SecretBox("another-secret-key-0123456789abcdefgh"))


def test_get_edit_put_round_trip_keeps_secrets() -> None:
    stored = seal_tools(_guide_tools_with_secrets(), None, BOX)
    # The owner GETs the tools, edits the description, and PUTs everything back.
    body = public_tools(stored)
    body[0]["description"] = "Look up a ticket."
    restored = seal_tools(parse_tools(body), stored, BOX)
    assert restored[0]["description"] == "Look up a ticket."
    assert restored[0]["config"]["headers"] == stored[0]["config"]["headers"]
    assert unseal_tools(restored, BOX)[0]["config"]["headers"] == {
        "X-Oshara-Secret": "your-shared-secret"
    }


def test_new_value_replaces_and_mask_match_is_case_insensitive() -> None:
    stored = seal_tools(_guide_tools_with_secrets(), None, BOX)
    body = public_tools(stored)
    body[0]["config"]["headers"] = {"x-oshara-secret": SECRET_MASK, "X-Extra": "new"}
    body[2]["config"]["headers"] = {"Authorization": "Bearer rotated"}
    plain = unseal_tools(seal_tools(parse_tools(body), stored, BOX), BOX)
    assert plain[0]["config"]["headers"] == {
        "x-oshara-secret": "your-shared-secret",
        "X-Extra": "new",
    }
    assert plain[2]["config"]["headers"] == {"Authorization": "Bearer rotated"}


def test_omitted_header_is_removed() -> None:
    stored = seal_tools(_guide_tools_with_secrets(), None, BOX)
    body = public_tools(stored)
    del body[0]["config"]["headers"]
    assert seal_tools(parse_tools(body), stored, BOX)[0]["config"]["headers"] == {}


def test_mask_without_stored_value_names_the_header() -> None:
    tools = parse_tools([http_tool(headers={"X-Api-Key": SECRET_MASK})])
    with pytest.raises(ToolSecretError) as info:
        seal_tools(tools, [], BOX)
    assert info.value.loc == ("tools", 0, "config", "headers", "X-Api-Key")
    assert "'X-Api-Key'" in str(info.value) and "no value is stored" in info.value.message
    assert isinstance(info.value, ValueError)


def test_mask_does_not_borrow_a_secret_from_another_tool() -> None:
    stored = seal_tools(_guide_tools_with_secrets(), None, BOX)
    body = public_tools(stored)
    body[0]["name"] = "renamed_lookup"
    with pytest.raises(ToolSecretError, match="X-Oshara-Secret"):
        seal_tools(parse_tools(body), stored, BOX)


# --------------------------------------------------------------------------- properties

_TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_header_names = st.text(alphabet=_TOKEN_CHARS, min_size=1, max_size=20).filter(
    lambda n: n.lower()
    not in {"host", "content-length", "transfer-encoding", "connection", "keep-alive",
            "upgrade", "te", "trailer", "proxy-connection"}
)
# ":" is never produced by base64url, so a leak cannot hide inside a ciphertext by chance.
_secret_values = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\r\n\x00"),
    max_size=40,
).map(lambda s: "sk:" + s)
_headers = st.dictionaries(_header_names, _secret_values, max_size=5).filter(
    lambda h: len({k.lower() for k in h}) == len(h)
)


@st.composite
def _tool_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True),
                          min_size=1, max_size=4, unique=True))
    names = [n for n in names if n not in {"show_form", "end_call"}] or ["fallback"]
    tools = []
    for name in names:
        if draw(st.booleans()):
            config = {"url": "https://api.example.com/x", "headers": draw(_headers)}
            tools.append({"name": name, "kind": "http", "config": config})
        else:
            config = {"url": "https://mcp.example.com/mcp", "headers": draw(_headers)}
            tools.append({"name": name, "kind": "mcp", "config": config})
    return tools


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _secrets(raw: list[dict[str, Any]]) -> list[str]:
    return [v for tool in raw for v in tool["config"]["headers"].values()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_tool_lists())
def test_sealed_and_public_tools_never_contain_plaintext(raw: list[dict[str, Any]]) -> None:
    sealed = seal_tools(parse_tools(raw), None, BOX)
    public = public_tools(sealed)
    for document in (sealed, public):
        strings = list(_strings(document))
        for secret in _secrets(raw):
            assert not any(secret in s for s in strings)
    assert unseal_tools(sealed, BOX) == [t.model_dump(mode="json") for t in parse_tools(raw)]


@settings(max_examples=30, deadline=None)
@given(_tool_lists())
def test_masked_round_trip_keeps_every_secret(raw: list[dict[str, Any]]) -> None:
    sealed = seal_tools(parse_tools(raw), None, BOX)
    again = seal_tools(parse_tools(public_tools(sealed)), sealed, BOX)
    assert again == sealed
    masked = [v for t in public_tools(again) for v in t["config"]["headers"].values()]
    assert all(v == SECRET_MASK for v in masked)
