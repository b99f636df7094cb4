"""Deeply nested owner JSON is a 400 naming the field, never a 500 (RecursionError)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from oshara.characters.tools import MAX_INPUT_SCHEMA_DEPTH
from oshara.jsonlimits import MAX_BODY_DEPTH, json_depth
from tests.helpers import auth_headers, character_body


def nested_schema(levels: int) -> dict[str, Any]:
    """An object schema with ``levels`` object schemas inside each other."""
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


def tool(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "deep",
        "kind": "http",
        "input_schema": schema,
        "config": {"url": "https://api.example.com/deep"},
    }


def test_json_depth() -> None:
    assert json_depth(1) == 0 and json_depth({}) == 1 and json_depth({"a": [1]}) == 2
    assert json_depth(nested_schema(2)) == 5
    deep: Any = 1
    for _ in range(100_000):  # no recursion, whatever the depth
        deep = [deep]
    assert json_depth(deep) == 100_000
    assert json_depth(deep, limit=32) == 33


async def test_input_schema_nested_100_levels_is_400_on_post_put_patch(
    client: httpx.AsyncClient,
) -> None:
    """As found: ~100 nested object schemas answered 500 (RecursionError in jsonschema)."""
    h = await auth_headers(client, "deep@example.com")
    deep = [tool(nested_schema(100))]
    assert json_depth(deep) < MAX_BODY_DEPTH  # the field check answers, not the body limit
    expected = {
        "field": "tools[0].input_schema",
        "message": f"input_schema is nested more than {MAX_INPUT_SCHEMA_DEPTH} levels deep "
        "(objects and arrays inside each other)",
    }
    r = await client.post("/api/ai-characters/", headers=h, json=character_body(tools=deep))
    assert r.status_code == 400, r.text
    assert r.json()["errors"] == [expected]
    r = await client.post("/api/ai-characters/", headers=h, json=character_body())
    assert r.status_code == 201, r.text
    url = "/api/ai-characters/support-bot/"
    r = await client.put(url, headers=h, json=character_body(tools=deep))
    assert r.status_code == 400 and r.json()["errors"] == [expected], r.text
    r = await client.patch(url, headers=h, json={"tools": deep})
    assert r.status_code == 400 and r.json()["errors"] == [expected], r.text
    # Nothing was written.
    assert (await client.get(url, headers=h)).json()["tools"] == []


async def test_input_schema_depth_bound_is_exact(client: httpx.AsyncClient) -> None:
    h = await auth_headers(client, "bound@example.com")
    fits, too_deep = nested_schema(15), nested_schema(16)
    assert json_depth(fits) == MAX_INPUT_SCHEMA_DEPTH - 1 and json_depth(too_deep) == 33
    r = await client.post("/api/ai-characters/", headers=h, json=character_body(tools=[tool(fits)]))
    assert r.status_code == 201, r.text
    assert r.json()["tools"][0]["input_schema"] == fits
    r = await client.patch(
        "/api/ai-characters/support-bot/", headers=h, json={"tools": [tool(too_deep)]}
    )
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["field"] == "tools[0].input_schema"


async def test_deep_nesting_elsewhere_in_a_body_is_4xx(client: httpx.AsyncClient) -> None:
    """Metadata, form values and any other field: 4xx at every depth, never 500."""
    h = await auth_headers(client, "nest@example.com")
    form = {
        "id": "contact",
        "title": "Contact",
        "fields": [{"name": "name", "label": "Name", "type": "text"}],
    }
    body = character_body(widget_appearance={"forms": [form]})
    assert (await client.post("/api/ai-characters/", headers=h, json=body)).status_code == 201
    origin = {"Origin": "https://yoursite.com", "Content-Type": "application/json"}
    for depth in (9, 100, 250, 300, 900):
        inner = "[" * depth + "1" + "]" * depth
        session = '{"agent": "support-bot", "metadata": {"a": @}}'.replace("@", inner)
        r = await client.post("/api/agents/agent-session/", headers=origin, content=session)
        assert r.status_code == 400, (depth, r.text)
        if depth < MAX_BODY_DEPTH:
            assert r.json()["errors"][0]["field"] == "metadata"
        else:
            assert r.json()["detail"] == (
                f"Request body is nested more than {MAX_BODY_DEPTH} levels deep"
            )
        values = '{"form_id": "contact", "values": {"name": @}}'.replace("@", inner)
        r = await client.post(
            "/api/agents/support-bot/form-responses/", headers=origin, content=values
        )
        assert r.status_code == 400, (depth, r.text)
        theme = json.dumps(character_body(slug=f"t-{depth}")).replace('"#4F46E5"', inner)
        r = await client.post("/api/ai-characters/", headers={**h, **origin}, content=theme)
        assert r.status_code == 400, (depth, r.text)


def test_mcp_schema_too_deep_is_offered_without_properties() -> None:
    """An MCP server's schema is not bounded on save: the runtime must not recurse into it."""
    from oshara.voice.tools.base import _object_schema, _validator

    flat = _object_schema(nested_schema(400))
    assert flat == {"type": "object", "properties": {}}
    assert _validator(flat) is not None
    assert _object_schema(nested_schema(3)) == nested_schema(3)
