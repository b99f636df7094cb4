"""A session's tools and the one dispatcher every call goes through.

    tools = await prepare_tools(spec, deps)     # http / kb built, MCP servers connected
    services = AgentServices(llm=..., tools=tools)
    # build_context() registers each tool on the LLM service (``llm.register_function``)
    # and binds the session's tool-call and event recorders.

For every call the dispatcher: checks the arguments against the tool's ``input_schema``
(invalid → ``{"error": {"code": "invalid_arguments", ...}}``: the LLM may fix them and call
again), runs the tool (voice mode: the filler phrase if it takes longer than
``ToolDeps.filler_after``), turns a :class:`ToolError` into a structured error for the LLM and
any other exception into a generic "internal error" (the call goes on), replaces secret values
(header values, the signing secret) wherever they appear in what comes back, and records the
call (``add_tool_call``: name, arguments, ok/error, duration, result or error). Log lines name
the tool and the outcome only, never arguments or results.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pipecat.frames.frames import TTSSpeakFrame
from pipecat.services.llm_service import FunctionCallParams
from pydantic import ValidationError

from oshara.characters.tools import CharacterTool, HttpToolConfig, McpToolConfig
from oshara.voice.spec import SessionSpec
from oshara.voice.tools.base import (
    Redactor,
    Tool,
    ToolCall,
    ToolDeps,
    ToolError,
    ToolEvents,
    cancel_quietly,
    json_size,
)
from oshara.voice.tools.forms import ShowFormTool, parse_spec_forms
from oshara.voice.tools.http import HttpTool, context_headers
from oshara.voice.tools.kb import KbTool

if TYPE_CHECKING:
    from oshara.voice.tools.mcp import McpServer

__all__ = ["INTERNAL_ERROR", "SessionTools", "prepare_tools"]

log = logging.getLogger(__name__)

INTERNAL_ERROR = {
    "error": {"code": "internal_error", "message": "The tool failed with an internal error."}
}
MAX_RECORDED_RESULT = 65_536

ToolObserver = Callable[[str, dict[str, Any], bool, float, Any, str | None], None]
EventSink = Callable[[str, dict[str, Any]], None]


class _Handler:
    """The Pipecat function handler of one tool; carries the session's cleanup, which the LLM
    service awaits at pipeline teardown (``_pipecat_cleanup``)."""

    def __init__(self, owner: SessionTools, tool: Tool) -> None:
        self.owner = owner
        self.tool = tool
        self._pipecat_cleanup = owner.aclose

    async def __call__(self, params: FunctionCallParams) -> None:
        await self.owner.dispatch(self.tool, params)


class SessionTools:
    """The tools of one session (built from ``spec.tools``, ``spec.forms``, ``spec.builtins``).

    ``end_call`` stays with :class:`oshara.voice.agent.Builtins`; everything else is here.
    """

    def __init__(
        self,
        spec: SessionSpec,
        deps: ToolDeps | None = None,
        *,
        webhook_secret: str | None = None,
    ) -> None:
        self.spec = spec
        self.deps = deps or ToolDeps()
        self.mode = spec.mode
        self.webhook_secret = webhook_secret or getattr(spec, "webhook_secret", None)
        self.tools: dict[str, Tool] = {}
        self.servers: list[McpServer] = []
        self.events = ToolEvents()
        self.redactor = Redactor.of(self._secret_values())
        self._observer: ToolObserver | None = None
        self._pending_mcp: list[CharacterTool] = []
        self._closed = False
        self._build()

    # ------------------------------------------------------------------ building

    def _secret_values(self) -> list[str]:
        values: list[str] = []
        for raw in self.spec.tools:
            config = raw.get("config") if isinstance(raw, Mapping) else None
            headers = config.get("headers") if isinstance(config, Mapping) else None
            if isinstance(headers, Mapping):
                values.extend(str(v) for v in headers.values())
        if self.webhook_secret:
            values.append(self.webhook_secret)
        return values

    def _unavailable(self, name: str, kind: str, reason: str) -> None:
        self.events("tool_unavailable", {"tool": name, "kind": kind, "reason": reason})

    def _build(self) -> None:
        spec = self.spec
        for raw in spec.tools:
            try:
                tool = CharacterTool.model_validate(raw)
            except ValidationError:
                name = raw.get("name") if isinstance(raw, Mapping) else None
                self._unavailable(str(name or "?"), "unknown", "invalid_definition")
                continue
            if not tool.enabled:
                continue
            if tool.kind == "http":
                assert isinstance(tool.config, HttpToolConfig)
                self._add(
                    HttpTool(
                        tool,
                        egress=self.deps.egress_client(),
                        slug=spec.character_slug,
                        session_id=spec.session_id,
                        signing_secret=self.webhook_secret,
                    )
                )
            elif tool.kind == "kb":
                self._add(KbTool(tool, spec=spec, search=self.deps.kb_search))
            else:
                self._pending_mcp.append(tool)
        forms = parse_spec_forms(spec.forms)
        if spec.builtin_enabled("show_form") and forms:
            self._add(ShowFormTool(forms, mode=spec.mode, timeout=self.deps.form_timeout))

    def _add(self, tool: Tool) -> None:
        if tool.name in self.tools:
            self._unavailable(tool.name, tool.kind, "duplicate_name")
            return
        self.tools[tool.name] = tool

    async def connect(self) -> None:
        """Connect the MCP servers (in parallel, within ``deps.mcp_discovery_seconds``) and
        add their tools. A server that fails or is slow is left out: a ``tool_unavailable``
        event, never a failed session."""
        pending, self._pending_mcp = self._pending_mcp, []
        if not pending:
            return
        try:  # the SDK is imported only when a character has MCP tools
            from oshara.voice.tools.mcp import (
                MAX_TOOLS_PER_SERVER,
                McpServer,
                McpTool,
                function_name,
            )
        except ImportError:
            for tool in pending:
                self._unavailable(tool.name, "mcp", "mcp_sdk_missing")
            return
        servers = []
        for tool in pending:
            assert isinstance(tool.config, McpToolConfig)
            servers.append(
                McpServer(
                    tool,
                    egress=self.deps.egress_client(),
                    context_headers=context_headers(
                        self.spec.character_slug, self.spec.session_id, tool.name
                    ),
                    lifetime=self.spec.max_session_seconds + 60.0,
                )
            )
        budget = self.deps.mcp_discovery_seconds
        started = await asyncio.gather(
            *(s.start(min(budget, s.timeout)) for s in servers), return_exceptions=True
        )
        taken = set(self.tools) | {"end_call", "show_form"}
        for server, ok in zip(servers, started, strict=True):
            if ok is not True:
                reason = server.failure or type(ok).__name__
                self._unavailable(server.name, "mcp", reason)
                continue
            self.servers.append(server)
            listed = server.tools[:MAX_TOOLS_PER_SERVER]
            for remote in listed:
                name = function_name(server.name, remote.name, taken)
                self.tools[name] = McpTool(server, remote, name)
            self.events("mcp_connected", {"tool": server.name, "tools": len(listed)})

    # ------------------------------------------------------------------ wiring

    def bind(self, on_tool_call: ToolObserver | None, on_event: EventSink | None) -> None:
        """Where calls and events are recorded (the session's ``TranscriptRecording``)."""
        self._observer = on_tool_call
        self.events.bind(on_event)

    def register(self, llm: Any) -> list[Any]:
        """Register every tool on the LLM service; returns their schemas for the context."""
        for pending in self._pending_mcp:  # built without prepare_tools(): never connected
            self._unavailable(pending.name, "mcp", "not_connected")
        self._pending_mcp = []
        schemas = []
        for tool in self.tools.values():
            asynchronous = self.mode == "voice" and tool.asynchronous
            llm.register_function(
                tool.name, _Handler(self, tool), cancel_on_interruption=not asynchronous
            )
            schemas.append(tool.schema())
        return schemas

    # ------------------------------------------------------------------ calls

    async def dispatch(self, tool: Tool, params: FunctionCallParams) -> None:
        started = time.perf_counter()
        raw = params.arguments
        arguments = dict(raw) if isinstance(raw, Mapping) else {}
        filler: asyncio.Task[None] | None = None
        ok = False
        error: str | None = None
        code = "ok"
        result: Any
        try:
            tool.check(arguments)
            if self.mode == "voice" and tool.filler and self.deps.filler_after > 0:
                filler = asyncio.create_task(self._filler(params))
            result = await tool.run(arguments, ToolCall(params, self.events, self.mode))
            ok = True
        except ToolError as exc:
            result, error, code = exc.as_result(), exc.message, exc.code
        except asyncio.CancelledError:
            self._record(tool, arguments, started, None, "cancelled", "cancelled")
            raise
        except Exception as exc:
            log.error("tool %s (%s) failed: %s", tool.name, tool.kind, type(exc).__name__)
            result, error, code = INTERNAL_ERROR, "internal error", "internal_error"
        finally:
            await cancel_quietly(filler)
        if not result:
            # Pipecat runs the LLM again only after a truthy result: "{}", "[]", "null"…
            # from an endpoint would otherwise leave the agent silent.
            result = {"ok": True, "result": result}
        result = self.redactor.apply(result)
        error = self.redactor.text(error) if error else None
        self._record(tool, arguments, started, result if ok else None, error, code)
        await params.result_callback(result)

    async def _filler(self, params: FunctionCallParams) -> None:
        await asyncio.sleep(self.deps.filler_after)
        await params.llm.push_frame(TTSSpeakFrame(self.deps.filler_text, append_to_context=False))

    def _record(
        self,
        tool: Tool,
        arguments: dict[str, Any],
        started: float,
        result: Any,
        error: str | None,
        code: str,
    ) -> None:
        """Log the outcome (tool, kind, code, time: never arguments or results) and report
        the call to the session's recorder."""
        elapsed = round((time.perf_counter() - started) * 1000.0, 1)
        log.info("tool %s (%s): %s in %.0f ms", tool.name, tool.kind, code, elapsed)
        if self._observer is None:
            return
        if result is not None and json_size(result) > MAX_RECORDED_RESULT:
            result = {"truncated": True, "size": json_size(result)}
        ok = code == "ok"
        self._observer(tool.name, self.redactor.apply(arguments), ok, elapsed, result, error)

    # ------------------------------------------------------------------ end

    async def aclose(self) -> None:
        """Close the MCP connections (idempotent; the LLM service calls it at teardown)."""
        if self._closed:
            return
        self._closed = True
        servers, self.servers = self.servers, []
        await asyncio.gather(*(s.aclose() for s in servers), return_exceptions=True)


async def prepare_tools(
    spec: SessionSpec, deps: ToolDeps | None = None, *, webhook_secret: str | None = None
) -> SessionTools:
    """Build a session's tools and connect its MCP servers (never raises for a tool)."""
    tools = SessionTools(spec, deps, webhook_secret=webhook_secret)
    await tools.connect()
    return tools
