"""The dashboard's Tools page in headless Chromium against the real server, on SQLite and
PostgreSQL: add an http tool (property list, JSON view, a write-only header) pointing at an
HTTP server on 127.0.0.1 that ``egress_allow`` admits, save, Test it (status 200 and the body);
edit it keeping the stored header; an API field error on its field; a refused private address
with the OSHARA_EGRESS_ALLOW hint on save and on Test; an MCP server's tools listed and one
called; remove a tool. axe finds no serious or critical violation."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.tools.mcp_server import McpTestServer
from tests.web.axe import assert_accessible
from tests.web.browser import Browser
from tests.web.test_dashboard_browser import (
    Server,
    _shots,
    button,
    label,
    server,  # noqa: F401 (the fixture)
)
from tests.web.test_dashboard_knowledge import owner_with_agent, sign_in

SECRET = "tool-secret-7731"
SLUG = "acme-tools"


@dataclass
class TicketApi:
    """The owner's ticket endpoint: 401 without the right X-Api-Key, else the ticket as JSON."""

    url: str = ""
    seen: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def ticket_api() -> Iterator[TicketApi]:
    api = TicketApi()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            api.seen.append(
                {"headers": dict(self.headers.items()), "body": json.loads(raw or b"null")}
            )
            if self.headers.get("X-Api-Key") != SECRET:
                status, out = 401, {"error": "bad api key"}
            else:
                body = api.seen[-1]["body"] or {}
                status, out = 200, {"id": body.get("ticket_id"), "subject": "Printer on fire"}
            data = json.dumps(out).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api.url = f"http://127.0.0.1:{http.server_address[1]}"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        http.shutdown()
        http.server_close()


@contextmanager
def mcp_server() -> Iterator[McpTestServer]:
    """tests/tools/mcp_server.py's MCP server, on its own event loop in a thread."""
    started = threading.Event()
    state: dict[str, Any] = {}

    async def main() -> None:
        async with McpTestServer() as s:
            state.update(server=s, loop=asyncio.get_running_loop(), stop=asyncio.Event())
            started.set()
            await state["stop"].wait()

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    assert started.wait(15), "the MCP test server did not start"
    try:
        yield state["server"]
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(10)


def in_group(name: str, inner: str) -> str:
    return f'role=group[name="{name}"] >> {inner}'


def tools_of(base: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = httpx.get(f"{base}/api/ai-characters/{SLUG}/", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    tools: list[dict[str, Any]] = r.json()["tools"]
    return tools


def test_owner_adds_tests_edits_and_removes_tools(server: Server) -> None:  # noqa: F811
    base = server.url
    assert server.settings is not None
    email, headers = owner_with_agent(base, SLUG)
    with ticket_api() as tickets, mcp_server() as mcp, Browser.launch() as b:
        # The ticket API and the MCP server are admitted; 127.0.0.1:9 is not.
        server.settings.egress_allow = f"127.0.0.1:{tickets.url.rsplit(':', 1)[1]},{mcp.allow}"
        sign_in(b, base, email)
        b.goto(f"{base}/dashboard/agents/{SLUG}/tools")
        b.wait_text("h1", "Tools")
        b.wait_text("main", "No tools yet")

        # Add an http tool: URL, a header, two properties.
        b.click(button("Add tool"))
        b.wait_text("#tool-editor-title", "New tool")
        assert b.call("isChecked", selector='role=radio[name="HTTP API"]')
        b.fill(label("Tool name"), "lookup ticket")
        b.fill(label("Tool description"), "Find a support ticket by its id.")
        b.fill(label("URL"), tickets.url + "/ticket")
        b.click(button("Add header"))
        b.fill(in_group("Header 1", label("Header name")), "X-Api-Key")
        b.fill(in_group("Header 1", label("Value")), SECRET)
        b.click(button("Add property"))
        b.fill(in_group("Property 1", label("Name")), "ticket_id")
        b.fill(in_group("Property ticket_id", label("Description")), "e.g. TICKET-456")
        b.check(selector=in_group("Property ticket_id", label("Required")))
        b.click(button("Add property"))
        b.fill(in_group("Property 2", label("Name")), "priority")
        b.fill(in_group("Property priority", label("Allowed values")), "low, high")
        # A name the server would refuse is caught while typing.
        b.click(button("Save tool"))
        b.wait_text('[id="tool.name-error"]', "letters, digits")
        b.fill(label("Tool name"), "lookup_ticket")
        b.wait('[id="tool.name-error"]', state="detached")

        # The raw JSON view shows the same schema, and the list comes back from it.
        b.click(button("JSON"))
        schema = json.loads(b.call("value", selector=label("input_schema (JSON Schema)")))
        assert schema == {
            "type": "object",
            "properties": {
                "ticket_id": {"type": "string", "description": "e.g. TICKET-456"},
                "priority": {"type": "string", "enum": ["low", "high"]},
            },
            "required": ["ticket_id"],
        }
        b.click(button("Property list"))
        assert (
            b.call("value", selector=in_group("Property priority", label("Allowed values")))
            == "low, high"
        )
        _shots(b, "tools-editor", server.backend)
        b.click(button("Save tool"))
        b.wait_text("role=status >> text=Added", "Added lookup_ticket.")
        [saved] = tools_of(base, headers)
        assert saved["input_schema"] == schema
        assert saved["config"]["headers"] == {"X-Api-Key": "********"}
        assert saved["config"]["url"] == tickets.url + "/ticket"

        # Test: typed arguments, through the egress path, status 200 and the body.
        b.click(button("Test lookup_ticket"))
        b.fill(label("ticket_id"), "TICKET-456")
        b.call("select", selector=label("priority"), value="high")
        b.click(button("Run test"))
        summary = b.wait_text("#test-result", "HTTP 200")
        assert "Worked" in summary and " ms" in summary
        assert "Printer on fire" in b.text(".test-body")
        seen = tickets.seen[-1]
        assert seen["body"] == {"ticket_id": "TICKET-456", "priority": "high"}
        assert seen["headers"]["X-Api-Key"] == SECRET
        assert seen["headers"]["X-Oshara-Session"] == "test"
        assert SECRET not in b.text("main")
        _shots(b, "tools-test", server.backend)
        assert_accessible(b, "tools page with a test result")

        # Edit without retyping the header: the stored value is kept (the mask is sent back).
        b.click(button("Edit lookup_ticket"))
        assert b.call("value", selector=in_group("Header 1", label("Value"))) == ""
        placeholder = b.call(
            "attr", selector=in_group("Header 1", label("Value")), name="placeholder"
        )
        assert "saved" in placeholder
        b.fill(label("Tool description"), "Find a ticket.")
        b.click(button("Save tool"))
        b.wait_text("role=status >> text=Saved", "Saved lookup_ticket.")
        b.click(button("Run test"))
        b.wait_text("#test-result", "HTTP 200")
        assert tickets.seen[-1]["headers"]["X-Api-Key"] == SECRET

        # An error only the server finds lands on its field.
        b.click(button("Edit lookup_ticket"))
        b.click(button("JSON"))
        bad = {"type": "object", "properties": {"ticket_id": {"type": "strin"}}}
        b.fill(label("input_schema (JSON Schema)"), json.dumps(bad))
        b.click(button("Save tool"))
        b.wait_text('[id="tool.input_schema-error"]', "not a valid JSON Schema")
        attr = b.call("attr", selector=label("input_schema (JSON Schema)"), name="aria-invalid")
        assert attr == "true"
        b.click(button("Cancel"))
        assert tools_of(base, headers)[0]["input_schema"] == schema

        # A private address the server does not admit: a warning on save, the error on Test.
        b.click(button("Add tool"))
        b.fill(label("Tool name"), "internal")
        b.fill(label("URL"), "http://127.0.0.1:9/hook")
        b.click(button("Save tool"))
        warning = b.wait_text("role=status >> text=Added internal", "OSHARA_EGRESS_ALLOW")
        assert "OSHARA_EGRESS_ALLOW=127.0.0.1:9" in warning
        b.click(button("Test internal"))
        b.wait_text("main", "This tool takes no arguments")
        b.click(button("Run test"))
        result = b.wait_text("#test-result", "blocked_address")
        assert "Failed" in result and "OSHARA_EGRESS_ALLOW=127.0.0.1:9" in result
        _shots(b, "tools-blocked", server.backend)

        # An MCP server: its tools listed, one called with typed arguments.
        b.click(button("Add tool"))
        b.check(selector='role=radio[name="MCP server"]')
        b.fill(label("Tool name"), "orders")
        b.fill(label("URL"), mcp.url)
        b.click(button("Add header"))
        b.fill(in_group("Header 1", label("Header name")), "Authorization")
        b.fill(in_group("Header 1", label("Value")), f"Bearer {mcp.token}")
        b.click(button("Save tool"))
        b.wait_text("role=status >> text=Added", "Added orders.")
        b.click(button("Test orders"))
        b.wait_text(".server-tool-list", "lookup_order")
        assert "Add two integers." in b.text(".server-tool-list")
        b.call("select", selector=label("Tool to call"), value="add")
        b.fill(label("a"), "2")
        b.fill(label("b"), "x")
        b.click(button("Run test"))
        b.wait_text('[id="arg.1-error"]', "Enter a whole number")
        b.fill(label("b"), "3")
        b.click(button("Run test"))
        b.wait_text("#test-result", "Worked")
        assert '"sum": 5' in b.text(".test-body")
        assert ("add", {"a": 2, "b": 3}) in mcp.tool_calls
        _shots(b, "tools-mcp", server.backend)

        # Remove a tool, with confirmation.
        b.click(button("Remove internal"))
        b.click("role=dialog >> " + button("Remove"))
        b.wait_text("role=status >> text=Removed", "Removed internal.")
        assert [t["name"] for t in tools_of(base, headers)] == ["lookup_ticket", "orders"]
        assert_accessible(b, "tools page")
        console = [line for line in b.call("console") if line.startswith(("error", "pageerror"))]
        assert all("Failed to load resource" in line for line in console), console
