"""``mcp`` tools: a remote MCP server's tools, listed at session start and offered to the LLM.

One :class:`McpServer` per ``kind: "mcp"`` tool: at session start it connects with the
official ``mcp`` client SDK (``config.transport``: ``streamable-http`` or ``sse``) with the
owner's ``config.headers`` plus the context headers, initializes, and lists the server's tools.
Each becomes an :class:`McpTool` named ``<tool name>__<mcp tool name>`` (characters outside
``[A-Za-z0-9_-]`` replaced, at most 64 characters, unique in the session).

Every HTTP request of the SDK goes through the egress guard: the SDK's httpx client is built
by :meth:`oshara.egress.EgressClient.httpx_client` (mcp 1.x talks httpx; 2.x talks ``httpx2``
and would need an ``httpcore2`` twin of the egress transport, hence ``mcp<2``).

The connection lives in its own task (the SDK's anyio contexts must be entered and left by the
same task) until the session ends or ``lifetime`` passes. A server that fails or does not
answer within the discovery budget is left out of the session (a ``tool_unavailable`` event);
a call to a server that went away, or a call that times out, is a tool error for the LLM.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from datetime import timedelta
from typing import Any

import httpx
from mcp import ClientSession, McpError, types
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from oshara.characters.tools import CharacterTool, McpToolConfig
from oshara.egress import EgressClient, EgressError
from oshara.voice.tools.base import Tool, ToolCall, ToolError, cancel_quietly, json_size

__all__ = ["MAX_TOOLS_PER_SERVER", "McpServer", "McpTool", "failure_message", "function_name"]

log = logging.getLogger(__name__)

MAX_TOOLS_PER_SERVER = 32
MAX_LIST_PAGES = 4
MAX_DESCRIPTION = 1_024
MAX_SCHEMA_CHARS = 32_768
MAX_TEXT_RESULT = 32_000
NAME_LIMIT = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")

# The SDK logs every JSON-RPC message (tool arguments and results) at DEBUG: keep it quiet
# unless an operator configured its logger on purpose.
_sdk_log = logging.getLogger("mcp")
if _sdk_log.level == logging.NOTSET:
    _sdk_log.setLevel(logging.WARNING)


def function_name(prefix: str, tool: str, taken: set[str]) -> str:
    """``<prefix>__<tool>`` made safe for every LLM API: ``[A-Za-z0-9_-]``, ≤ 64, unique."""
    base = _UNSAFE.sub("_", f"{prefix}__{tool}")
    name = base
    if len(name) > NAME_LIMIT or name in taken:
        digest = hashlib.sha256(f"{prefix}\0{tool}".encode()).hexdigest()
        for extra in range(100):
            suffix = "_" + digest[extra : extra + 8]
            name = base[: NAME_LIMIT - len(suffix)] + suffix
            if name not in taken:
                break
    taken.add(name)
    return name


def failure_message(exc: BaseException) -> str:
    """A readable, secret-free reason for a failed connection (shown to the owner)."""
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return failure_message(exc.exceptions[0])
    if isinstance(exc, EgressError):
        return exc.message
    if isinstance(exc, httpx.HTTPStatusError):
        code = exc.response.status_code
        return f"the MCP server answered HTTP {code} {exc.response.reason_phrase}".strip()
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return "the MCP server did not answer in time"
    if isinstance(exc, httpx.TransportError):
        return f"could not connect to the MCP server ({type(exc).__name__})"
    if isinstance(exc, McpError):
        return f"MCP error: {(exc.error.message or 'unknown')[:300]}"
    return f"the MCP connection failed ({type(exc).__name__})"


def _failure(exc: BaseException) -> str:
    """A short, content-free reason for a failed connection (for events and logs)."""
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return _failure(exc.exceptions[0])
    if isinstance(exc, EgressError):
        return exc.code
    if isinstance(exc, httpx.HTTPStatusError):
        return f"http_{exc.response.status_code}"
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return "timeout"
    if isinstance(exc, httpx.TransportError):
        return "connect_error"
    if isinstance(exc, McpError):
        return "mcp_error"
    return type(exc).__name__


class McpServer:
    """One MCP server connection for one session."""

    def __init__(
        self,
        tool: CharacterTool,
        *,
        egress: EgressClient,
        context_headers: dict[str, str],
        lifetime: float,
    ) -> None:
        assert isinstance(tool.config, McpToolConfig)
        self.name = tool.name
        self.description = tool.description
        self.config = tool.config
        self.egress = egress
        self.headers = {**tool.config.headers, **context_headers}
        self.lifetime = lifetime
        self.session: ClientSession | None = None
        self.tools: list[types.Tool] = []
        self.failure: str | None = None
        self.failure_detail: str | None = None
        """A readable reason for the failure (:func:`failure_message`), for the owner."""
        self._ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def timeout(self) -> float:
        return float(self.config.timeout_seconds)

    @property
    def connected(self) -> bool:
        return self.session is not None and self._task is not None and not self._task.done()

    async def start(self, budget: float) -> bool:
        """Connect and list tools within ``budget`` seconds; ``False`` (and closed) if not."""
        self._task = asyncio.create_task(self._run(), name=f"mcp-{self.name}")
        ready = asyncio.create_task(self._ready.wait())
        try:
            await asyncio.wait({ready, self._task}, timeout=budget, return_when="FIRST_COMPLETED")
        finally:
            await cancel_quietly(ready)
        if self._ready.is_set() and self.connected:
            return True
        self.failure = self.failure or "timeout"
        self._stop.set()
        await cancel_quietly(self._task, wait=1.0)
        return False

    def _transport(self) -> contextlib.AbstractAsyncContextManager[Any]:
        if self.config.transport == "sse":
            return sse_client(
                self.config.url,
                headers=self.headers,
                timeout=self.timeout,
                sse_read_timeout=self.lifetime,
                httpx_client_factory=self.egress.httpx_client,
            )
        return _streamable(self.egress, self.config.url, self.headers, self.timeout, self.lifetime)

    async def _run(self) -> None:
        try:
            async with contextlib.AsyncExitStack() as stack:
                streams = await stack.enter_async_context(self._transport())
                read, write = streams[0], streams[1]
                session = await stack.enter_async_context(
                    ClientSession(read, write, read_timeout_seconds=timedelta(seconds=self.timeout))
                )
                await session.initialize()
                self.tools = await self._list(session)
                self.session = session
                self._ready.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.lifetime)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.failure = _failure(exc)
            self.failure_detail = failure_message(exc)
            log.info("MCP server of tool %s: %s", self.name, self.failure)
        finally:
            self.session = None

    async def _list(self, session: ClientSession) -> list[types.Tool]:
        tools: list[types.Tool] = []
        cursor: str | None = None
        for _ in range(MAX_LIST_PAGES):
            params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
            page = await session.list_tools(params=params)
            tools.extend(page.tools)
            cursor = page.nextCursor
            if not cursor or len(tools) >= MAX_TOOLS_PER_SERVER:
                break
        return tools

    async def call(self, tool: str, arguments: dict[str, Any]) -> Any:
        session = self.session
        if session is None or not self.connected:
            raise ToolError("unavailable", f"The {self.name} tool server is not connected.")
        try:
            result = await asyncio.wait_for(
                session.call_tool(
                    tool, arguments, read_timeout_seconds=timedelta(seconds=self.timeout)
                ),
                self.timeout + 1.0,
            )
        except TimeoutError:
            raise self._timed_out() from None
        except McpError as exc:
            if exc.error.code == httpx.codes.REQUEST_TIMEOUT:
                raise self._timed_out() from None
            message = (exc.error.message or "The tool failed.")[:300]
            raise ToolError("tool_error", message) from None
        except (httpx.HTTPError, OSError, RuntimeError) as exc:
            raise ToolError(
                "unavailable", f"The {self.name} tool server could not be reached."
            ) from exc
        return _result(result)

    def _timed_out(self) -> ToolError:
        return ToolError("timeout", f"The tool did not answer within {self.timeout:g} s.")

    async def aclose(self, grace: float = 2.0) -> None:
        """End the MCP session (the SDK sends its DELETE), cancelling it after ``grace`` s."""
        self._stop.set()
        task = self._task
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=grace)
            await cancel_quietly(task, wait=1.0)


@contextlib.asynccontextmanager
async def _streamable(
    egress: EgressClient, url: str, headers: dict[str, str], seconds: float, lifetime: float
) -> Any:
    client = egress.httpx_client(headers=headers, timeout=httpx.Timeout(seconds, read=lifetime))
    async with client, streamable_http_client(url, http_client=client) as streams:
        yield streams


def _result(result: types.CallToolResult) -> Any:
    texts = [c.text for c in result.content if isinstance(c, types.TextContent)]
    text = "\n".join(texts)
    if result.isError:
        raise ToolError("tool_error", (text or "The tool reported an error.")[:300])
    if result.structuredContent is not None:
        return result.structuredContent
    out: dict[str, Any] = {"text": text[:MAX_TEXT_RESULT]}
    if len(text) > MAX_TEXT_RESULT:
        out["truncated"] = True
    omitted = sorted({c.type for c in result.content if not isinstance(c, types.TextContent)})
    if omitted:
        out["omitted_content"] = omitted
    return out


class McpTool(Tool):
    kind = "mcp"

    def __init__(self, server: McpServer, tool: types.Tool, name: str) -> None:
        description = (tool.description or server.description or tool.name)[:MAX_DESCRIPTION]
        schema: dict[str, Any] = dict(tool.inputSchema or {})
        if json_size(schema) > MAX_SCHEMA_CHARS:
            schema = {"type": "object", "properties": {}}
        super().__init__(name, description, schema)
        self.server = server
        self.remote_name = tool.name

    async def run(self, arguments: dict[str, Any], call: ToolCall) -> Any:
        return await self.server.call(self.remote_name, arguments)
