"""A real MCP server built with the ``mcp`` SDK (FastMCP), on 127.0.0.1, for tests.

    async with McpTestServer(transport="streamable-http") as server:
        server.url                # http://127.0.0.1:PORT/mcp  (or /sse for "sse")

Tools: ``lookup_order(order_id)`` (text), ``add(a, b)`` (structured result), ``slow(seconds)``,
``explode()`` (a tool error). Requests without ``Authorization: Bearer <token>`` get 401, so a
test can check that the tool's configured headers reach the server. ``tool_calls`` lists the
calls the server executed; ``seen_headers`` and ``methods`` the headers and method of each
HTTP request.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Literal

import uvicorn
from mcp.server.fastmcp import FastMCP
from starlette.types import ASGIApp, Receive, Scope, Send

ORDERS = {"A-1001": "shipped on 2026-11-20", "A-1002": "waiting for payment"}


class _RequireToken:
    def __init__(self, app: ASGIApp, server: McpTestServer) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
            self.server.seen_headers.append(headers)
            self.server.methods.append(str(scope.get("method")))
            if headers.get("authorization") != f"Bearer {self.server.token}":
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": b'{"error":"unauthorized"}'})
                return
        await self.app(scope, receive, send)


class McpTestServer:
    def __init__(
        self,
        transport: Literal["streamable-http", "sse"] = "streamable-http",
        token: str = "mcp-token-123",
    ) -> None:
        self.transport = transport
        self.token = token
        self.tool_calls: list[tuple[str, dict[str, Any]]] = []
        self.seen_headers: list[dict[str, str]] = []
        self.methods: list[str] = []
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.mcp = self._build()

    def _build(self) -> FastMCP:
        mcp = FastMCP("orders", log_level="WARNING")
        calls = self.tool_calls

        @mcp.tool(description="Look up an order's shipping status by its id, e.g. A-1001.")
        def lookup_order(order_id: str) -> str:
            calls.append(("lookup_order", {"order_id": order_id}))
            status = ORDERS.get(order_id)
            if status is None:
                raise ValueError(f"no order {order_id}")
            return f"Order {order_id} is {status}."

        @mcp.tool(description="Add two integers.")
        def add(a: int, b: int) -> dict[str, int]:
            calls.append(("add", {"a": a, "b": b}))
            return {"sum": a + b}

        @mcp.tool(description="Wait, then answer.")
        async def slow(seconds: float) -> str:
            calls.append(("slow", {"seconds": seconds}))
            await asyncio.sleep(seconds)
            return "done"

        @mcp.tool(description="Always fails.")
        def explode() -> str:
            calls.append(("explode", {}))
            raise RuntimeError("kaboom")

        return mcp

    @property
    def url(self) -> str:
        path = "/sse" if self.transport == "sse" else "/mcp"
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def allow(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def __aenter__(self) -> McpTestServer:
        app = self.mcp.sse_app() if self.transport == "sse" else self.mcp.streamable_http_app()
        config = uvicorn.Config(
            _RequireToken(app, self),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        for _ in range(500):
            if self._server.started:
                break
            await asyncio.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._task, 5)
            if not self._task.done():
                self._server.force_exit = True  # type: ignore[union-attr]
                self._task.cancel()
