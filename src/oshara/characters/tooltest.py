"""The dashboard's **Test** button: run one of a character's tools once, as a call would.

``POST /api/ai-characters/{slug}/tools/{name}/test/`` with ``{arguments, mcp_tool?}`` runs the
tool through the same code a call uses (:class:`oshara.voice.tools.http.HttpTool`,
:class:`~oshara.voice.tools.kb.KbTool`, :class:`~oshara.voice.tools.mcp.McpServer`), the same
SSRF-safe egress client with the server's ``OSHARA_EGRESS_ALLOW``, the decrypted headers and
the webhook signature. Arguments are checked against the tool's ``input_schema`` first (400
naming the field). The answer says whether the agent would have got a result (``ok``), the
HTTP status, the time, the body as text (at most 16 KB, secret header values redacted) and the
exact error the agent would have seen; a refused private address says which setting allows it.

``GET …/tools/{name}/mcp-tools/`` connects to an ``mcp`` tool's server and lists its tools.

Header values are decrypted here and never returned or logged: the body is passed through the
same :class:`~oshara.voice.tools.base.Redactor` a call uses. Requests carry the usual context
headers with ``X-Oshara-Session: test`` so the owner's endpoint can tell a test run apart.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from oshara.auth.subject import AuthSubject
from oshara.characters.models import Character
from oshara.characters.repository import CharacterRepository
from oshara.characters.tools import CharacterTool, McpToolConfig, unseal_tools
from oshara.characters.webhooks import unseal_webhook_secret
from oshara.config import Settings
from oshara.crypto import SecretBox, SecretBoxError
from oshara.egress import EgressClient, EgressError, parse_url
from oshara.errors import BadRequest, Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:  # the voice runtime (pipecat) is imported on first use, not with the app
    from oshara.voice.spec import SessionSpec
    from oshara.voice.tools.base import Redactor, Tool, ToolError
    from oshara.voice.tools.http import HttpTool

__all__ = ["McpToolInfo", "McpToolsOut", "ToolTestError", "ToolTestIn", "ToolTestOut", "ToolTester"]

log = logging.getLogger(__name__)

TEST_SESSION_ID = "test"
MAX_BODY_CHARS = 16_384


class ToolTestIn(BaseModel):
    """A test run: the arguments the agent would send (checked against ``input_schema``)."""

    model_config = ConfigDict(extra="forbid")
    arguments: dict[str, Any] = Field(default_factory=dict)
    mcp_tool: str | None = Field(
        default=None,
        max_length=200,
        description="mcp tools only: which of the server's tools to call (see mcp-tools/)",
    )


class ToolTestError(BaseModel):
    """The error the agent would have been told about."""

    code: str = Field(description="http_error, timeout, blocked_address, tool_error, …")
    message: str
    status: int | None = None
    details: list[dict[str, str]] | None = None


class ToolTestOut(BaseModel):
    """The outcome of one test run."""

    ok: bool = Field(description="The agent would have received a result (not an error)")
    kind: str
    status: int | None = Field(default=None, description="HTTP status (http tools)")
    duration_ms: float
    body: str | None = Field(
        default=None,
        description="The answer as text (http: the response body; kb/mcp: the result as "
        "JSON), secret header values replaced by [redacted]",
    )
    truncated: bool = False
    content_type: str | None = None
    error: ToolTestError | None = None


class McpToolInfo(BaseModel):
    """One tool an MCP server offers."""

    name: str
    description: str | None = None
    input_schema: dict[str, Any] = Field(default_factory=dict)


class McpToolsOut(BaseModel):
    """The tools of an ``mcp`` tool's server, or why it could not be listed."""

    ok: bool
    duration_ms: float
    tools: list[McpToolInfo] = Field(default_factory=list)
    error: ToolTestError | None = None


def _allow_hint(url: str) -> str:
    try:
        _, target = parse_url(url)
    except EgressError:
        return ""
    host = f"[{target.host}]" if target.address is not None and ":" in target.host else target.host
    return (
        "; calls to it are refused unless the server's OSHARA_EGRESS_ALLOW admits it "
        f"(e.g. OSHARA_EGRESS_ALLOW={host}:{target.port})"
    )


def _error(exc: ToolError, url: str | None) -> ToolTestError:
    message = exc.message
    if exc.code == "blocked_address" and url:
        message += _allow_hint(url)
    return ToolTestError(code=exc.code, message=message, status=exc.status, details=exc.details)


def _body(text: str) -> tuple[str, bool]:
    return text[:MAX_BODY_CHARS], len(text) > MAX_BODY_CHARS


def _elapsed(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 1)


def _arguments_failed(exc: ToolError) -> ValidationFailed:
    errors = []
    for detail in exc.details or [{"path": "(arguments)", "message": exc.message}]:
        path = detail.get("path", "")
        field = "arguments" if path in ("", "(arguments)") else f"arguments.{path}"
        errors.append({"field": field.replace(".[", "["), "message": detail["message"]})
    return ValidationFailed(errors)


class ToolTester:
    """Test calls of the caller's characters' tools (scoped by :class:`CharacterRepository`)."""

    def __init__(self, db: AsyncSession, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.box = SecretBox(settings.ensure_secret())

    async def _load(
        self, subject: AuthSubject, slug: str, name: str
    ) -> tuple[Character, CharacterTool]:
        character = await CharacterRepository(self.db).get_readable(subject, slug)
        stored = [t for t in character.tools or [] if t.get("name") == name]
        if not stored:
            raise NotFound(f"Character {slug!r} has no tool named {name!r}")
        try:
            raw = unseal_tools(stored, self.box)[0]
        except SecretBoxError:
            raise Conflict(
                f"The headers of tool {name!r} cannot be decrypted (was OSHARA_SECRET_KEY "
                "changed?); save the tool's header values again"
            ) from None
        try:
            tool = CharacterTool.model_validate(raw)
        except ValueError:
            raise Conflict(f"Tool {name!r} is not a valid definition; save it again") from None
        return character, tool

    def _spec(self, character: Character) -> SessionSpec:
        from oshara.voice.spec import SessionSpec

        return SessionSpec(
            session_id=TEST_SESSION_ID,
            character_slug=character.slug,
            character_name=character.name,
            system_prompt="",
            mode="text",
        )

    def _egress(self) -> EgressClient:
        return EgressClient(self.settings.egress_allow)

    async def run(
        self, subject: AuthSubject, slug: str, name: str, body: ToolTestIn
    ) -> ToolTestOut:
        """Run the tool once with ``body.arguments``; 400 when they do not fit its schema."""
        from oshara.voice.tools.base import Redactor, ToolError
        from oshara.voice.tools.http import HttpTool
        from oshara.voice.tools.kb import KbTool

        character, tool = await self._load(subject, slug, name)
        headers = dict(getattr(tool.config, "headers", None) or {})
        secret = unseal_webhook_secret(character, self.box) if tool.kind == "http" else None
        redactor = Redactor.of([*headers.values(), *([secret] if secret else [])])
        if tool.kind == "mcp":
            return await self._run_mcp(character, tool, body, redactor)
        if body.mcp_tool is not None:
            raise ValidationFailed([{"field": "mcp_tool", "message": "only for mcp tools"}])
        runner: Tool
        egress: EgressClient | None = None
        if tool.kind == "http":
            egress = self._egress()
            runner = HttpTool(
                tool, egress=egress, slug=slug, session_id=TEST_SESSION_ID, signing_secret=secret
            )
        else:
            db, character_id = self.db, character.id

            async def search(_spec: Any, query: str, top_k: int) -> list[dict[str, Any]]:
                from oshara.knowledge.search import kb_search

                return await kb_search(db, character_id, query, top_k)

            runner = KbTool(tool, spec=self._spec(character), search=search)
        try:
            runner.check(body.arguments)
        except ToolError as exc:
            if egress is not None:
                await egress.aclose()
            raise _arguments_failed(exc) from None
        started = time.perf_counter()
        try:
            if isinstance(runner, HttpTool):
                return await self._run_http(runner, body.arguments, redactor, started)
            return await self._run_result(runner, body.arguments, redactor, started)
        finally:
            if egress is not None:
                await egress.aclose()

    async def _run_http(
        self, tool: HttpTool, arguments: dict[str, Any], redactor: Redactor, started: float
    ) -> ToolTestOut:
        from oshara.voice.tools.base import ToolError

        try:
            response = await tool.send(arguments)
        except ToolError as exc:
            log.info("tool test %s (http): %s", tool.name, exc.code)
            return ToolTestOut(
                ok=False, kind="http", duration_ms=_elapsed(started),
                error=_error(exc, tool.config.url),
            )  # fmt: skip
        duration = _elapsed(started)
        text, cut = _body(redactor.text(response.text))
        out = ToolTestOut(
            ok=True,
            kind="http",
            status=response.status,
            duration_ms=duration,
            body=text,
            truncated=cut or response.truncated,
            content_type=response.headers.get("content-type"),
        )
        try:
            tool.result_of(response)
        except ToolError as exc:
            out.ok = False
            out.error = ToolTestError.model_validate(redactor.apply(_error(exc, None).model_dump()))
        log.info("tool test %s (http): status %s", tool.name, response.status)
        return out

    async def _run_result(
        self, tool: Tool, arguments: dict[str, Any], redactor: Redactor, started: float
    ) -> ToolTestOut:
        from oshara.voice.tools.base import ToolCall, ToolError, ToolEvents

        try:
            call = ToolCall(params=None, events=ToolEvents(), mode="text")  # type: ignore[arg-type]
            result = await tool.run(arguments, call)
        except ToolError as exc:
            log.info("tool test %s (%s): %s", tool.name, tool.kind, exc.code)
            error = ToolTestError.model_validate(redactor.apply(_error(exc, None).model_dump()))
            return ToolTestOut(ok=False, kind=tool.kind, duration_ms=_elapsed(started), error=error)
        duration = _elapsed(started)
        dumped = json.dumps(redactor.apply(result), ensure_ascii=False, indent=2, default=str)
        text, cut = _body(dumped)
        log.info("tool test %s (%s): ok", tool.name, tool.kind)
        return ToolTestOut(
            ok=True, kind=tool.kind, duration_ms=duration, body=text, truncated=cut,
            content_type="application/json",
        )  # fmt: skip

    async def _connect(
        self, character: Character, tool: CharacterTool, egress: EgressClient
    ) -> Any:
        from oshara.voice.tools.http import context_headers
        from oshara.voice.tools.mcp import McpServer

        assert isinstance(tool.config, McpToolConfig)
        server = McpServer(
            tool,
            egress=egress,
            context_headers=context_headers(character.slug, TEST_SESSION_ID, tool.name),
            lifetime=tool.config.timeout_seconds * 2 + 5.0,
        )
        await server.start(tool.config.timeout_seconds)
        return server

    def _mcp_failure(self, server: Any, tool: CharacterTool, redactor: Redactor) -> ToolTestError:
        assert isinstance(tool.config, McpToolConfig)
        code = str(server.failure or "unavailable")
        message = str(server.failure_detail or f"the MCP server could not be reached ({code})")
        if code == "blocked_address":
            message += _allow_hint(tool.config.url)
        return ToolTestError(code=code, message=redactor.text(message))

    async def list_mcp(self, subject: AuthSubject, slug: str, name: str) -> McpToolsOut:
        """Connect to an ``mcp`` tool's server and list its tools (or say why not)."""
        from oshara.voice.tools.base import Redactor

        character, tool = await self._load(subject, slug, name)
        if tool.kind != "mcp":
            raise BadRequest(f"Tool {name!r} is a {tool.kind} tool, not an mcp tool")
        redactor = Redactor.of(dict(getattr(tool.config, "headers", None) or {}).values())
        started = time.perf_counter()
        async with self._egress() as egress:
            server = await self._connect(character, tool, egress)
            try:
                if not server.connected:
                    return McpToolsOut(
                        ok=False, duration_ms=_elapsed(started),
                        error=self._mcp_failure(server, tool, redactor),
                    )  # fmt: skip
                tools = [
                    McpToolInfo(
                        name=t.name,
                        description=t.description,
                        input_schema=dict(t.inputSchema or {}),
                    )
                    for t in server.tools
                ]
                return McpToolsOut(ok=True, duration_ms=_elapsed(started), tools=tools)
            finally:
                await server.aclose()

    async def _run_mcp(
        self, character: Character, tool: CharacterTool, body: ToolTestIn, redactor: Redactor
    ) -> ToolTestOut:
        from oshara.voice.tools.base import ToolError
        from oshara.voice.tools.mcp import McpTool

        if not body.mcp_tool:
            raise ValidationFailed(
                [{"field": "mcp_tool", "message": "name the MCP server's tool to call "
                  "(GET …/mcp-tools/ lists them)"}]
            )  # fmt: skip
        started = time.perf_counter()
        async with self._egress() as egress:
            server = await self._connect(character, tool, egress)
            try:
                if not server.connected:
                    return ToolTestOut(
                        ok=False, kind="mcp", duration_ms=_elapsed(started),
                        error=self._mcp_failure(server, tool, redactor),
                    )  # fmt: skip
                remote = next((t for t in server.tools if t.name == body.mcp_tool), None)
                if remote is None:
                    raise ValidationFailed(
                        [{"field": "mcp_tool", "message": f"the MCP server has no tool named "
                          f"{body.mcp_tool!r}"}]
                    )  # fmt: skip
                runner = McpTool(server, remote, remote.name)
                try:
                    runner.check(body.arguments)
                except ToolError as exc:
                    raise _arguments_failed(exc) from None
                return await self._run_result(runner, body.arguments, redactor, started)
            finally:
                await server.aclose()
