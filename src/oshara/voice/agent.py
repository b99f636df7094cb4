"""What voice and text sessions share: services, the LLM context, and the tools.

The session's tools (:class:`oshara.voice.tools.SessionTools`: ``http``, ``kb``, ``mcp``,
``show_form``) ride on :class:`AgentServices` (the runner prepares them, MCP servers
connected, before the session is built); ``end_call`` stays a :class:`Builtins` tool.
:func:`build_context` registers them all on the LLM service and binds the session's
recorders.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.frames.frames import EndWorkerFrame, FunctionCallResultProperties
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.llm_service import FunctionCallParams

from oshara.providers.registry import ProviderSettings, create_llm, create_stt, create_tts
from oshara.voice.prompt import render_system_prompt
from oshara.voice.spec import SessionSpec
from oshara.voice.tools import SessionTools

log = logging.getLogger(__name__)

GOODBYE = "Thanks for calling. Goodbye!"
IDLE_PROMPT = "Are you still there?"
TIME_UP = "We have reached the time limit for this call. Thanks for talking with me. Goodbye!"

ToolObserver = Callable[[str, dict[str, Any], bool, float, Any, str | None], None]
EventObserver = Callable[[str, dict[str, Any]], None]


@dataclass
class AgentServices:
    """The Pipecat services one session uses (``stt``/``tts`` are None in text mode)."""

    llm: Any
    stt: Any = None
    tts: Any = None
    tools: SessionTools | None = None
    """The session's tools (``None``: built without MCP by :func:`build_context`)."""

    def roles(self) -> dict[str, str]:
        """Processor name → role, to label per-service TTFB metrics."""
        out = {}
        for role in ("llm", "stt", "tts"):
            service = getattr(self, role)
            if service is not None:
                out[service.name] = role
        return out


def create_services(
    spec: SessionSpec, settings: ProviderSettings | None = None, *, audio: bool = True
) -> AgentServices:
    settings = settings or ProviderSettings.from_env()
    llm = create_llm(spec.llm_model, settings)
    if not audio:
        return AgentServices(llm=llm)
    stt = create_stt(spec.stt_model, spec.language, settings)
    tts = create_tts(spec.tts_model, spec.voice, spec.language, settings)
    return AgentServices(llm=llm, stt=stt, tts=tts)


def system_prompt(spec: SessionSpec, now: datetime | None = None) -> str:
    return render_system_prompt(
        spec.system_prompt,
        spec.metadata,
        language=spec.language,
        character_name=spec.character_name,
        mode=spec.mode,
        now=now,
        tools=bool(spec.tools) or any(spec.builtins.values()),
        metadata_trusted=spec.metadata_trusted,
    )


def _event_sink(on_tool_call: ToolObserver | None) -> EventObserver | None:
    """Sessions pass ``TranscriptRecording.tool_call``; its recording also takes events."""
    owner = getattr(on_tool_call, "__self__", None)
    sink = getattr(owner, "event", None)
    return sink if callable(sink) else None


class Builtins:
    """Built-in tools (``end_call``) and the hooks that record every call and event."""

    def __init__(
        self,
        spec: SessionSpec,
        on_tool_call: ToolObserver | None = None,
        on_event: EventObserver | None = None,
    ) -> None:
        self.spec = spec
        self.on_tool_call = on_tool_call
        self.on_event = on_event or _event_sink(on_tool_call)
        self.end_requested = False
        self.on_end_call: Callable[[], Awaitable[None]] | None = None

    def schemas(self) -> list[FunctionSchema]:
        out: list[FunctionSchema] = []
        if self.spec.builtin_enabled("end_call"):
            out.append(
                FunctionSchema(
                    name="end_call",
                    description=(
                        "End the conversation. Call it after saying goodbye, when the user "
                        "says goodbye or asks to hang up."
                    ),
                    properties={},
                    required=[],
                    handler=self._end_call,
                )
            )
        return out

    async def _end_call(self, params: FunctionCallParams) -> None:
        started = time.perf_counter()
        self.end_requested = True
        await params.result_callback(
            {"status": "ending"}, properties=FunctionCallResultProperties(run_llm=False)
        )
        self._observe("end_call", dict(params.arguments), True, started, {"status": "ending"})
        if self.on_end_call is not None:
            await self.on_end_call()
        else:
            # Flows down behind the agent's last words, then the worker ends the pipeline.
            await params.llm.push_frame(
                EndWorkerFrame(reason="end_call"), FrameDirection.DOWNSTREAM
            )

    def _observe(
        self,
        name: str,
        arguments: dict[str, Any],
        ok: bool,
        started: float,
        result: Any = None,
        error: str | None = None,
    ) -> None:
        if self.on_tool_call is not None:
            elapsed = (time.perf_counter() - started) * 1000.0
            self.on_tool_call(name, arguments, ok, round(elapsed, 1), result, error)


def build_context(
    spec: SessionSpec, services: AgentServices, builtins: Builtins, now: datetime | None = None
) -> LLMContext:
    """Conversation context with every tool of the session; the rendered system prompt goes to
    the LLM service as its system instruction (Pipecat's way since 1.9).

    The session's tools are registered on the LLM service (``register_function``), bound to
    the session's recorders, and closed with the LLM service at pipeline teardown."""
    services.llm.append_system_instruction(system_prompt(spec, now))
    if services.tools is None:
        services.tools = SessionTools(spec)
    services.tools.bind(builtins.on_tool_call, builtins.on_event)
    schemas: list[FunctionSchema] = builtins.schemas()
    schemas += services.tools.register(services.llm)
    if schemas:
        return LLMContext(tools=ToolsSchema(standard_tools=schemas))
    return LLMContext()
