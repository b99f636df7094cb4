"""The contract between the platform and the voice runtime.

The platform builds a :class:`SessionSpec` from a character and a session row and hands it, with
a :class:`SessionRecorder`, to the runtime. The runtime never touches the database: everything it
learns during a call (transcript turns, tool calls, events, metrics, the end) goes through the
recorder, as it happens.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Role = Literal["user", "agent"]
Mode = Literal["voice", "text"]
EndStatus = Literal["ended", "failed"]
ToolStatus = Literal["ok", "error"]

DEFAULT_LLM = "local:qwen2.5-0.5b"
DEFAULT_STT = "local:whisper-tiny.en"
DEFAULT_TTS = "local:piper"


@dataclass
class SessionSpec:
    """Everything the runtime needs to run one conversation. Plain data, no secrets logged."""

    session_id: str
    character_slug: str
    character_name: str
    system_prompt: str
    """Raw template: ``{{name}}`` variables are filled from ``metadata`` at session start."""
    greeting: str = ""
    language: str = "en"
    llm_model: str = DEFAULT_LLM
    stt_model: str = DEFAULT_STT
    tts_model: str = DEFAULT_TTS
    voice: str | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    """Validated tool definitions ``{name, kind, description, input_schema, config}``."""
    forms: list[dict[str, Any]] = field(default_factory=list)
    builtins: dict[str, bool] = field(default_factory=lambda: {"end_call": True})
    limits: dict[str, Any] = field(default_factory=dict)
    """``max_session_seconds`` and ``idle_timeout_seconds`` (missing → runtime defaults)."""
    metadata: dict[str, Any] = field(default_factory=dict)
    metadata_trusted: bool = False
    """The metadata came with the owner's JWT or API key: rendered inline in the prompt.
    Otherwise a visitor's page wrote it and it is quoted as data (``voice.prompt``)."""
    mode: Mode = "voice"
    webhook_secret: str | None = field(default=None, repr=False)
    """The character's Standard Webhooks secret (``whsec_…``): ``http`` tool requests are
    signed with it when set. A secret: never logged, never returned (kept out of ``repr``)."""

    @property
    def max_session_seconds(self) -> float:
        return float(self.limits.get("max_session_seconds") or 600)

    @property
    def idle_timeout_seconds(self) -> float:
        return float(self.limits.get("idle_timeout_seconds") or 30)

    def builtin_enabled(self, name: str) -> bool:
        return bool(self.builtins.get(name, name == "end_call"))


@runtime_checkable
class SessionRecorder(Protocol):
    """Where the runtime reports a session as it happens. Times are Unix seconds (UTC).

    Implementations must not raise for ordinary storage hiccups in a way that would end the
    call; the runtime logs (without content) and carries on when a method raises.
    """

    async def mark_active(self) -> None:
        """The media (or text) channel is up: status created → active."""

    async def add_turn(
        self,
        role: Role,
        text: str,
        started_at: float,
        ended_at: float,
        interrupted: bool = False,
        latency_ms: float | None = None,
    ) -> None:
        """One finished transcript turn. An interrupted agent turn holds only what was spoken
        (an interrupted greeting holds its whole text, see ``voice.recording``);
        ``latency_ms`` (agent turns) is user-stopped-speaking → first agent audio."""

    async def add_tool_call(
        self,
        name: str,
        arguments: dict[str, Any],
        status: ToolStatus,
        duration_ms: float,
        result: Any = None,
        error: str | None = None,
    ) -> None:
        """A tool the agent called during the session."""

    async def add_event(self, kind: str, data: dict[str, Any]) -> None:
        """Anything else worth a line on the session timeline (e.g. ``limit_reached``)."""

    async def set_metrics(self, metrics: dict[str, Any]) -> None:
        """Replace the session's metrics summary (called after each measured turn)."""

    async def end(self, reason: str, status: EndStatus = "ended") -> None:
        """The session is over. Called exactly once by the runtime."""


@dataclass
class RecordedTurn:
    role: Role
    text: str
    started_at: float
    ended_at: float
    interrupted: bool = False
    latency_ms: float | None = None


@dataclass
class RecordedToolCall:
    name: str
    arguments: dict[str, Any]
    status: ToolStatus
    duration_ms: float
    result: Any = None
    error: str | None = None


@dataclass
class InMemoryRecorder:
    """A :class:`SessionRecorder` that keeps everything in lists (tests, CLI chat, benches)."""

    turns: list[RecordedTurn] = field(default_factory=list)
    tool_calls: list[RecordedToolCall] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    status: str = "created"
    end_reason: str | None = None
    active_at: float | None = None
    ended_at: float | None = None

    async def mark_active(self) -> None:
        self.status = "active"
        self.active_at = time.time()

    async def add_turn(
        self,
        role: Role,
        text: str,
        started_at: float,
        ended_at: float,
        interrupted: bool = False,
        latency_ms: float | None = None,
    ) -> None:
        self.turns.append(RecordedTurn(role, text, started_at, ended_at, interrupted, latency_ms))

    async def add_tool_call(
        self,
        name: str,
        arguments: dict[str, Any],
        status: ToolStatus,
        duration_ms: float,
        result: Any = None,
        error: str | None = None,
    ) -> None:
        self.tool_calls.append(
            RecordedToolCall(name, arguments, status, duration_ms, result, error)
        )

    async def add_event(self, kind: str, data: dict[str, Any]) -> None:
        self.events.append((kind, data))

    async def set_metrics(self, metrics: dict[str, Any]) -> None:
        self.metrics = dict(metrics)

    async def end(self, reason: str, status: EndStatus = "ended") -> None:
        self.status = status
        self.end_reason = reason
        self.ended_at = time.time()

    def texts(self, role: Role | None = None) -> list[str]:
        return [t.text for t in self.turns if role is None or t.role == role]
