"""``mcp`` tools: a real MCP server (the ``mcp`` SDK's FastMCP) on both transports, reached
through the egress client; dead and hung servers degrade to "tool unavailable"."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

pytest.importorskip("mcp", reason="the mcp SDK is not installed (pyproject: mcp>=1.30,<2)")

from oshara.egress import EgressClient
from oshara.providers.registry import ProviderSettings
from oshara.voice.runner import VoiceRunner
from oshara.voice.spec import InMemoryRecorder
from oshara.voice.tools import ToolDeps, prepare_tools
from oshara.voice.tools.mcp import function_name
from tests.tools.helpers import AnsweringLLM, http_tool, last_tool_result, make_spec, offered_tools
from tests.tools.http_server import SilentServer, ToolServer
from tests.tools.mcp_server import McpTestServer

RunnerFor = Callable[..., VoiceRunner]


@pytest.fixture
async def llm() -> AsyncIterator[AnsweringLLM]:
    async with AnsweringLLM() as server:
        yield server


@pytest.fixture
async def runner_for(llm: AnsweringLLM) -> AsyncIterator[RunnerFor]:
    settings = ProviderSettings(openai_base_url=llm.base_url, openai_api_key="test-key")
    runners: list[VoiceRunner] = []

    def make(*allow: str, budget: float = 5.0) -> VoiceRunner:
        deps = ToolDeps(egress=EgressClient(",".join(allow)), mcp_discovery_seconds=budget)
        runners.append(VoiceRunner(provider_settings=settings, tool_deps=deps))
        return runners[-1]

    yield make
    for runner in runners:
        await runner.shutdown(drain=2)


def mcp_tool(name: str, url: str, transport: str, token: str, **config: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "mcp",
        "description": "Order system",
        "config": {
            "url": url,
            "transport": transport,
            "headers": {"Authorization": f"Bearer {token}"},
            **config,
        },
    }


@pytest.mark.parametrize("transport", ["streamable-http", "sse"])
async def test_mcp_tools_are_listed_and_called(
    transport: str, llm: AnsweringLLM, runner_for: RunnerFor
) -> None:
    async with McpTestServer(transport) as server:  # type: ignore[arg-type]
        llm.tool_call("orders__lookup_order", {"order_id": "A-1001"}).answer(
            lambda m: f"Your order: {last_tool_result(m)['result']}"
        )
        llm.tool_call("orders__add", {"a": 2, "b": 40}).answer(
            lambda m: f"The sum is {last_tool_result(m)['sum']}."
        )
        runner = runner_for(server.allow)
        recorder = InMemoryRecorder()
        spec = make_spec(
            tools=[mcp_tool("orders", server.url, transport, server.token)], session_id="sess_mcp"
        )
        await runner.start_text(spec, recorder)
        first = await runner.send_text("sess_mcp", "Where is my order A-1001?")
        second = await runner.send_text("sess_mcp", "What is 2 plus 40?")
        await runner.end("sess_mcp")

        assert first["reply"] == "Your order: Order A-1001 is shipped on 2026-11-20."
        assert second["reply"] == "The sum is 42."
        assert server.tool_calls == [
            ("lookup_order", {"order_id": "A-1001"}),
            ("add", {"a": 2, "b": 40}),
        ]
        assert set(offered_tools(llm.requests[0])) >= {
            "orders__lookup_order",
            "orders__add",
            "orders__slow",
            "orders__explode",
        }
        lookup = next(
            t["function"]
            for t in llm.requests[0]["tools"]
            if t["function"]["name"] == "orders__lookup_order"
        )
        assert "shipping status" in lookup["description"]
        assert lookup["parameters"]["required"] == ["order_id"]
        # The configured headers and the context headers reached the server.
        assert all(h["authorization"] == f"Bearer {server.token}" for h in server.seen_headers)
        assert {h.get("x-oshara-session") for h in server.seen_headers} == {"sess_mcp"}
        assert [c.status for c in recorder.tool_calls] == ["ok", "ok"]
        assert recorder.tool_calls[1].result == {"sum": 42}
        assert ("mcp_connected", {"tool": "orders", "tools": 4}) in recorder.events
        if transport == "streamable-http":  # the session's end closed the MCP session
            assert server.methods[-1] == "DELETE"


async def test_mcp_errors_timeouts_and_bad_arguments(
    llm: AnsweringLLM, runner_for: RunnerFor
) -> None:
    async with McpTestServer() as server:
        tool = mcp_tool("orders", server.url, "streamable-http", server.token, timeout_seconds=0.5)
        llm.tool_call("orders__explode", {}).reply("Sorry.")
        llm.tool_call("orders__slow", {"seconds": 3}).reply("Still sorry.")
        llm.tool_call("orders__add", {"a": "two", "b": 2}).tool_call(
            "orders__add", {"a": 2, "b": 2}
        ).reply("Four.")
        runner = runner_for(server.allow)
        recorder = InMemoryRecorder()
        await runner.start_text(make_spec(tools=[tool], session_id="sess_mcpe"), recorder)
        failed = await runner.send_text("sess_mcpe", "explode")
        started = time.monotonic()
        slow = await runner.send_text("sess_mcpe", "slow")
        slow_took = time.monotonic() - started
        retried = await runner.send_text("sess_mcpe", "add")
        await runner.end("sess_mcpe")

    error = failed["tool_calls"][0]["result"]["error"]
    assert error["code"] == "tool_error" and "kaboom" in error["message"]
    assert slow["tool_calls"][0]["result"]["error"]["code"] == "timeout"
    assert slow_took < 2.5 and slow["reply"] == "Still sorry."
    assert retried["reply"] == "Four."
    bad, good = retried["tool_calls"]
    assert bad["result"]["error"]["code"] == "invalid_arguments"
    assert bad["result"]["error"]["details"][0]["path"] == "a"
    assert good["result"] == {"sum": 4}
    # The invalid call never reached the server.
    assert [c for c in server.tool_calls if c[0] == "add"] == [("add", {"a": 2, "b": 2})]
    assert [c.status for c in recorder.tool_calls] == ["error", "error", "error", "ok"]


async def test_dead_hung_and_forbidden_mcp_servers_leave_the_session_working(
    llm: AnsweringLLM, runner_for: RunnerFor
) -> None:
    async with (
        SilentServer() as hung,
        ToolServer() as tool_server,
        McpTestServer() as forbidden,
        McpTestServer() as wrong_token,
    ):
        dead_port = hung.port + 1 if hung.port < 65535 else hung.port - 1
        tools = [
            mcp_tool("dead", f"http://127.0.0.1:{dead_port}/mcp", "streamable-http", "t"),
            mcp_tool("hung", f"http://127.0.0.1:{hung.port}/mcp", "streamable-http", "t"),
            mcp_tool("hidden", forbidden.url, "streamable-http", forbidden.token),
            mcp_tool("denied", wrong_token.url, "sse", "not-the-token"),
            http_tool(
                "echo",
                tool_server.url("/echo"),
                input_schema={"type": "object", "properties": {}},
            ),
        ]
        allow = [
            f"127.0.0.1:{dead_port}",
            f"127.0.0.1:{hung.port}",
            tool_server.allow,
            wrong_token.allow,
        ]
        runner = runner_for(*allow, budget=1.0)
        recorder = InMemoryRecorder()
        llm.tool_call("echo", {}).reply("The other tools still work.")
        started = time.monotonic()
        await runner.start_text(make_spec(tools=tools, session_id="sess_dead"), recorder)
        took = time.monotonic() - started
        out = await runner.send_text("sess_dead", "hello")
        await runner.end("sess_dead")

    assert took < 3.0  # the hung server cost at most the discovery budget
    assert out["reply"] == "The other tools still work."
    assert offered_tools(llm.requests[0]) == ["end_call", "echo"]
    unavailable = {d["tool"]: d["reason"] for k, d in recorder.events if k == "tool_unavailable"}
    assert unavailable == {
        "dead": "connect_error",
        "hung": "timeout",
        "hidden": "blocked_address",
        "denied": "http_401",
    }
    assert forbidden.seen_headers == []  # never contacted: not on the allow-list
    assert hung.connections >= 1


async def test_mcp_connection_is_closed_at_session_end() -> None:
    async with McpTestServer() as server:
        spec = make_spec(tools=[mcp_tool("orders", server.url, "streamable-http", server.token)])
        tools = await prepare_tools(spec, ToolDeps(egress=EgressClient(server.allow)))
        (connection,) = tools.servers
        assert connection.connected and len(tools.tools) == 4
        await tools.aclose()
        assert not connection.connected and tools.servers == []
        await tools.aclose()  # idempotent
        assert server.methods[-1] == "DELETE"  # the MCP session was terminated


def test_function_names_are_safe_short_and_unique() -> None:
    taken: set[str] = {"ticket_lookup"}
    assert function_name("orders", "lookup_order", taken) == "orders__lookup_order"
    assert function_name("orders", "get.status v2", taken) == "orders__get_status_v2"
    long = function_name("a" * 40, "b" * 40, taken)
    assert len(long) == 64 and long.startswith("a" * 40 + "__")
    again = function_name("orders", "get_status_v2", taken)  # collides after sanitizing
    assert again != "orders__get_status_v2" and again.startswith("orders__get_status_v2_")
    assert len(taken) == 5
