"""The dashboard's Test button: ``POST /api/ai-characters/{slug}/tools/{name}/test/`` and
``GET …/mcp-tools/``, against real HTTP and MCP servers on 127.0.0.1, through the egress
client and its allow-list. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.helpers import auth_headers, bearer, character_body, invite, join
from tests.tools.http_server import ToolServer
from tests.tools.mcp_server import McpTestServer

SECRET = "tool-header-secret-5521"
SCHEMA = {
    "type": "object",
    "properties": {"ticket_id": {"type": "string"}},
    "required": ["ticket_id"],
}


def http(name: str, url: str, **config: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "http",
        "input_schema": SCHEMA,
        "config": {"url": url, "headers": {"X-Oshara-Secret": SECRET}, **config},
    }


@pytest.fixture
async def server() -> AsyncIterator[ToolServer]:
    async with ToolServer(secret=SECRET) as s:
        yield s


async def _owner(client: httpx.AsyncClient, tools: list[dict[str, Any]]) -> dict[str, str]:
    h = await auth_headers(client, "tools-owner@example.com")
    r = await client.post("/api/ai-characters/", headers=h, json=character_body(tools=tools))
    assert r.status_code == 201, r.text
    return h


def _test_url(name: str, slug: str = "support-bot") -> str:
    return f"/api/ai-characters/{slug}/tools/{name}/test/"


async def test_http_tool_success_through_the_allow_list(
    client: httpx.AsyncClient, app: FastAPI, server: ToolServer
) -> None:
    app.state.settings.egress_allow = server.allow
    h = await _owner(client, [http("lookup", server.url("/ticket-lookup"))])
    r = await client.post(
        _test_url("lookup"), headers=h, json={"arguments": {"ticket_id": "TICKET-456"}}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["ok"] is True and out["kind"] == "http" and out["status"] == 200
    assert "Printer on fire" in out["body"] and out["error"] is None
    assert out["duration_ms"] > 0 and out["content_type"].startswith("application/json")
    seen = server.requests[-1]
    assert seen.json() == {"ticket_id": "TICKET-456"}
    assert seen.headers["x-oshara-secret"] == SECRET  # decrypted server-side
    assert seen.headers["x-oshara-agent"] == "support-bot"
    assert seen.headers["x-oshara-session"] == "test"
    assert SECRET not in r.text


async def test_echoed_secret_is_redacted(
    client: httpx.AsyncClient, app: FastAPI, server: ToolServer
) -> None:
    app.state.settings.egress_allow = server.allow
    h = await _owner(client, [http("echo", server.url("/echo"))])
    r = await client.post(_test_url("echo"), headers=h, json={"arguments": {"ticket_id": "x"}})
    assert r.status_code == 200 and r.json()["ok"] is True
    assert SECRET not in r.text and "[redacted]" in r.json()["body"]


async def test_non_2xx_is_reported_with_status_and_body(
    client: httpx.AsyncClient, app: FastAPI, server: ToolServer
) -> None:
    app.state.settings.egress_allow = server.allow
    h = await _owner(
        client,
        [http("broken", server.url("/status/503")), http("lookup", server.url("/ticket-lookup"))],
    )
    r = await client.post(_test_url("broken"), headers=h, json={"arguments": {"ticket_id": "a"}})
    out = r.json()
    assert r.status_code == 200 and out["ok"] is False and out["status"] == 503
    assert out["error"] == {
        "code": "http_error",
        "message": "scripted failure 503",
        "status": 503,
        "details": None,
    }
    assert "scripted failure 503" in out["body"]
    r = await client.post(_test_url("lookup"), headers=h, json={"arguments": {"ticket_id": "NOPE"}})
    assert r.json()["status"] == 404 and r.json()["error"]["message"] == "Ticket not found"


async def test_timeout(client: httpx.AsyncClient, app: FastAPI, server: ToolServer) -> None:
    app.state.settings.egress_allow = server.allow
    h = await _owner(client, [http("slow", server.url("/slow/3"), timeout_seconds=0.5)])
    r = await client.post(_test_url("slow"), headers=h, json={"arguments": {"ticket_id": "a"}})
    out = r.json()
    assert r.status_code == 200 and out["ok"] is False and out["status"] is None
    assert out["error"]["code"] == "timeout"
    assert 400 < out["duration_ms"] < 2500


async def test_private_address_refused_names_the_setting(
    client: httpx.AsyncClient, app: FastAPI, server: ToolServer
) -> None:
    app.state.settings.egress_allow = ""
    h = await _owner(client, [http("lookup", server.url("/ticket-lookup"))])
    r = await client.post(_test_url("lookup"), headers=h, json={"arguments": {"ticket_id": "a"}})
    out = r.json()
    assert r.status_code == 200 and out["ok"] is False
    assert out["error"]["code"] == "blocked_address"
    assert "127.0.0.1" in out["error"]["message"]
    assert f"OSHARA_EGRESS_ALLOW=127.0.0.1:{server.port}" in out["error"]["message"]
    assert server.requests == []  # never connected


async def test_bad_arguments_are_400_naming_the_field(
    client: httpx.AsyncClient, app: FastAPI, server: ToolServer
) -> None:
    app.state.settings.egress_allow = server.allow
    h = await _owner(client, [http("lookup", server.url("/ticket-lookup"))])
    r = await client.post(_test_url("lookup"), headers=h, json={"arguments": {"ticket_id": 7}})
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["field"] == "arguments.ticket_id"
    r = await client.post(_test_url("lookup"), headers=h, json={"arguments": {}})
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "arguments"
    assert "ticket_id" in r.json()["errors"][0]["message"]
    r = await client.post(_test_url("lookup"), headers=h, json={"arguments": "nope"})
    assert r.status_code == 400 and "arguments" in r.text
    r = await client.post(
        _test_url("lookup"), headers=h, json={"arguments": {"ticket_id": "a"}, "mcp_tool": "x"}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "mcp_tool"
    assert server.requests == []


async def test_kb_tool_searches_the_knowledge_base(client: httpx.AsyncClient) -> None:
    h = await _owner(client, [{"name": "docs", "kind": "kb"}])
    r = await client.post(
        "/api/ai-characters/support-bot/knowledge/",
        headers=h,
        json={"title": "Returns policy", "text": "Refunds are issued within 14 days of return."},
    )
    assert r.status_code == 201, r.text
    r = await client.post(_test_url("docs"), headers=h, json={"arguments": {"query": "refunds"}})
    out = r.json()
    assert r.status_code == 200 and out["ok"] is True and out["kind"] == "kb", r.text
    assert "14 days" in out["body"] and "Returns policy" in out["body"]
    r = await client.post(_test_url("docs"), headers=h, json={"arguments": {}})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "arguments"


async def test_roles_tenants_and_unknown_tools(
    client: httpx.AsyncClient, app: FastAPI, server: ToolServer
) -> None:
    app.state.settings.egress_allow = server.allow
    h = await _owner(client, [http("lookup", server.url("/ticket-lookup"))])
    invited = await invite(client, h, "member@example.com")
    member = bearer(await join(client, invited["token"], "member@example.com"))
    body = {"arguments": {"ticket_id": "TICKET-456"}}
    r = await client.post(_test_url("lookup"), headers=member, json=body)
    assert r.status_code == 403 and "admin" in r.json()["detail"]
    r = await client.get("/api/ai-characters/support-bot/tools/lookup/mcp-tools/", headers=member)
    assert r.status_code == 403
    other = await auth_headers(client, "other@example.com")
    r = await client.post(_test_url("lookup"), headers=other, json=body)
    assert r.status_code == 404
    r = await client.post(_test_url("missing"), headers=h, json=body)
    assert r.status_code == 404 and "missing" in r.json()["detail"]
    r = await client.get("/api/ai-characters/support-bot/tools/lookup/mcp-tools/", headers=h)
    assert r.status_code == 400 and "not an mcp tool" in r.json()["detail"]
    assert server.requests == []


def mcp(url: str, token: str) -> dict[str, Any]:
    return {
        "name": "orders",
        "kind": "mcp",
        "config": {
            "url": url,
            "headers": {"Authorization": f"Bearer {token}"},
            "timeout_seconds": 5,
        },
    }


async def test_mcp_list_and_run(client: httpx.AsyncClient, app: FastAPI) -> None:
    async with McpTestServer() as server:
        app.state.settings.egress_allow = server.allow
        h = await _owner(client, [mcp(server.url, server.token)])
        r = await client.get("/api/ai-characters/support-bot/tools/orders/mcp-tools/", headers=h)
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["ok"] is True and out["error"] is None
        names = {t["name"]: t for t in out["tools"]}
        assert set(names) == {"lookup_order", "add", "slow", "explode"}
        assert names["add"]["input_schema"]["required"] == ["a", "b"]
        assert "Add two integers" in names["add"]["description"]
        assert server.token not in r.text

        r = await client.post(
            _test_url("orders"), headers=h, json={"mcp_tool": "add", "arguments": {"a": 2, "b": 3}}
        )
        assert r.status_code == 200 and r.json()["ok"] is True, r.text
        assert '"sum": 5' in r.json()["body"]
        assert server.tool_calls[-1] == ("add", {"a": 2, "b": 3})
        r = await client.post(
            _test_url("orders"), headers=h, json={"mcp_tool": "explode", "arguments": {}}
        )
        assert r.json()["ok"] is False and r.json()["error"]["code"] == "tool_error"
        r = await client.post(
            _test_url("orders"), headers=h, json={"mcp_tool": "add", "arguments": {"a": "x"}}
        )
        assert r.status_code == 400 and r.json()["errors"][0]["field"].startswith("arguments")
        r = await client.post(_test_url("orders"), headers=h, json={"arguments": {}})
        assert r.status_code == 400 and r.json()["errors"][0]["field"] == "mcp_tool"
        r = await client.post(_test_url("orders"), headers=h, json={"mcp_tool": "nope"})
        assert r.status_code == 400 and "nope" in r.json()["errors"][0]["message"]


async def test_mcp_errors_are_exact(client: httpx.AsyncClient, app: FastAPI) -> None:
    async with McpTestServer() as server:
        app.state.settings.egress_allow = ""
        h = await _owner(client, [mcp(server.url, "wrong-token")])
        url = "/api/ai-characters/support-bot/tools/orders/mcp-tools/"
        out = (await client.get(url, headers=h)).json()
        assert out["ok"] is False and out["error"]["code"] == "blocked_address"
        assert f"OSHARA_EGRESS_ALLOW=127.0.0.1:{server.port}" in out["error"]["message"]
        app.state.settings.egress_allow = server.allow
        out = (await client.get(url, headers=h)).json()
        assert out["ok"] is False and out["error"]["code"] == "http_401", out
        assert "401" in out["error"]["message"] and "wrong-token" not in str(out)


class TestRateLimit:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"tool_test_limit_per_org": "2/minute"}

    async def test_third_run_in_a_minute_is_429(self, client: httpx.AsyncClient) -> None:
        h = await _owner(client, [{"name": "docs", "kind": "kb"}])
        for _ in range(2):
            r = await client.post(_test_url("docs"), headers=h, json={"arguments": {"query": "x"}})
            assert r.status_code == 200, r.text
        r = await client.post(_test_url("docs"), headers=h, json={"arguments": {"query": "x"}})
        assert r.status_code == 429 and "Retry-After" in r.headers
