"""Transcript and metrics recording: Pipecat events → :class:`SessionRecorder` calls.

Turns come from the context aggregators (``on_user_turn_stopped`` and
``on_assistant_turn_stopped``; the assistant side aggregates what the output transport has
actually sent, so an interrupted agent turn holds only what was spoken). A sentence's text
reaches the aggregator only once its audio has played, so a greeting cut in its first
sentence would be an empty turn: the greeting is recorded whole instead, marked interrupted
(the owner wrote it; how much of the cut sentence was heard is not known). Latency comes from
Pipecat's ``UserBotLatencyObserver``: user stopped speaking → bot started speaking, with its
per-part breakdown and per-service TTFB.

Recorder calls go through one ordered queue so a slow store never stalls the audio pipeline;
a failing call is logged by exception type only (never content) and skipped.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pipecat.observers.user_bot_latency_observer import LatencyBreakdown, UserBotLatencyObserver
from pipecat.processors.aggregators.llm_response_universal import (
    AssistantTurnStoppedMessage,
    LLMAssistantAggregator,
    LLMUserAggregator,
    UserTurnStoppedMessage,
)

from oshara.voice.spec import Role, SessionRecorder, ToolStatus

log = logging.getLogger(__name__)

# Contribution keys of Pipecat's latency breakdown, grouped into the parts we report.
PART_OF_KEY: dict[str, str] = {
    "endpointing_wait": "vad",
    "transcription": "stt",
    "turn_detection": "turn",
    "llm_inference": "llm",
    "sentence_aggregation": "sentence",
    "awaiting_speakable_text": "llm",
    "speech_synthesis": "tts",
    "output_transport": "transport",
}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000.0, 1)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank-interpolated percentile (q in 0..100)."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarize(values: list[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "mean": round(statistics.fmean(values), 1) if values else 0.0,
        "max": round(max(values), 1) if values else 0.0,
    }


def _iso_to_unix(value: str | None, default: float) -> float:
    if not value:
        return default
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return default


class RecorderQueue:
    """Runs recorder calls one after another in the background, in order."""

    def __init__(self, recorder: SessionRecorder) -> None:
        self.recorder = recorder
        self._queue: asyncio.Queue[Callable[[], Awaitable[None]] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def submit(self, call: Callable[[], Awaitable[None]]) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._drain(), name="session-recorder")
        self._queue.put_nowait(call)

    async def _drain(self) -> None:
        while (call := await self._queue.get()) is not None:
            try:
                await call()
            except Exception as exc:
                log.error("session recorder call failed: %s", type(exc).__name__)

    async def flush(self) -> None:
        if self._task is None:
            return
        self._queue.put_nowait(None)
        await self._task
        self._task = None


class TranscriptRecording:
    """Wires a session's aggregators and latency observer to a :class:`SessionRecorder`."""

    def __init__(self, recorder: SessionRecorder, service_roles: dict[str, str] | None = None):
        self.queue = RecorderQueue(recorder)
        self.latency_observer = UserBotLatencyObserver()
        self._roles = service_roles or {}
        self._agent_started_at: float | None = None
        self._pending_latency: float | None = None
        self.turn_metrics: list[dict[str, Any]] = []
        self.greeting_latency_ms: float | None = None
        self._ttfb: dict[str, list[float]] = {}
        self.agent_turns = 0
        self.user_turns = 0
        self.last_activity = time.time()
        self._greeting = ""

    # -------------------------------------------------------------- wiring

    def attach(self, user: LLMUserAggregator, assistant: LLMAssistantAggregator) -> None:
        user.add_event_handler("on_user_turn_stopped", self._on_user_turn_stopped)
        assistant.add_event_handler("on_assistant_turn_started", self._on_assistant_started)
        assistant.add_event_handler("on_assistant_turn_stopped", self._on_assistant_stopped)
        obs = self.latency_observer
        obs.add_event_handler("on_latency_measured", self._on_latency)
        obs.add_event_handler("on_latency_breakdown", self._on_breakdown)
        obs.add_event_handler("on_first_bot_speech_latency", self._on_first_speech)

    def set_service_roles(self, roles: dict[str, str]) -> None:
        self._roles = roles

    def expect_greeting(self, text: str) -> None:
        """The greeting is about to be spoken: if the visitor cuts it before all of it has
        played, the turn records ``text`` (marked interrupted) rather than the part whose
        audio had finished (often nothing)."""
        self._greeting = text.strip()

    # -------------------------------------------------------------- turns

    def _turn(self, role: Role, text: str, started: float, ended: float, **kw: Any) -> None:
        rec = self.queue.recorder
        self.queue.submit(lambda: rec.add_turn(role, text, started, ended, **kw))

    async def _on_user_turn_stopped(
        self, _agg: Any, _strategy: Any, message: UserTurnStoppedMessage
    ) -> None:
        now = time.time()
        self.last_activity = now
        text = (message.content or "").strip()
        if not text:
            return
        self.user_turns += 1
        self._turn("user", text, _iso_to_unix(message.timestamp, now), now)

    async def _on_assistant_started(self, _agg: Any) -> None:
        self._agent_started_at = time.time()

    async def _on_assistant_stopped(self, _agg: Any, message: AssistantTurnStoppedMessage) -> None:
        now = time.time()
        self.last_activity = now
        started = self._agent_started_at or _iso_to_unix(message.timestamp, now)
        self._agent_started_at = None
        latency, self._pending_latency = self._pending_latency, None
        text = (message.content or "").strip()
        greeting, self._greeting = self._greeting, ""
        if message.interrupted and len(text) < len(greeting):
            text = greeting
        if not text and not message.interrupted:
            return
        self.agent_turns += 1
        self._turn(
            "agent",
            text,
            started,
            now,
            interrupted=bool(message.interrupted),
            latency_ms=_ms(latency),
        )

    def record_text_turn(
        self, role: Role, text: str, started: float, ended: float, latency_ms: float | None = None
    ) -> None:
        """Text mode records turns directly (no aggregator events needed)."""
        self._turn(role, text, started, ended, latency_ms=latency_ms)

    # -------------------------------------------------------------- metrics

    async def _on_latency(self, _obs: Any, latency: float) -> None:
        self._pending_latency = latency

    async def _on_first_speech(self, _obs: Any, latency: float) -> None:
        self.greeting_latency_ms = _ms(latency)

    async def _on_breakdown(self, _obs: Any, breakdown: LatencyBreakdown) -> None:
        ttfb: dict[str, float] = {}
        for item in breakdown.ttfb:
            role = self._roles.get(item.processor, item.processor)
            ttfb.setdefault(role, round(item.duration_secs * 1000.0, 1))
        for role, value in ttfb.items():
            self._ttfb.setdefault(role, []).append(value)
        if breakdown.measured_from is None or breakdown.measured_from.value != "user_silence":
            self._publish()
            return
        parts: dict[str, float] = {}
        for c in breakdown.contributions:
            part = PART_OF_KEY.get(c.key, "other")
            parts[part] = round(parts.get(part, 0.0) + c.duration_secs * 1000.0, 1)
        self.turn_metrics.append(
            {
                "latency_ms": round(breakdown.total_secs * 1000.0, 1),
                "parts_ms": parts,
                "ttfb_ms": ttfb,
            }
        )
        self._publish()

    def metrics(self) -> dict[str, Any]:
        latencies = [t["latency_ms"] for t in self.turn_metrics]
        return {
            "latency_ms": summarize(latencies),
            "ttfb_ms": {role: summarize(v) for role, v in self._ttfb.items()},
            "greeting_latency_ms": self.greeting_latency_ms,
            "turns": self.turn_metrics[-200:],
            "user_turns": self.user_turns,
            "agent_turns": self.agent_turns,
        }

    def _publish(self) -> None:
        rec = self.queue.recorder
        snapshot = self.metrics()
        self.queue.submit(lambda: rec.set_metrics(snapshot))

    # -------------------------------------------------------------- passthrough

    def event(self, kind: str, data: dict[str, Any] | None = None) -> None:
        rec = self.queue.recorder
        payload = dict(data or {})
        self.queue.submit(lambda: rec.add_event(kind, payload))

    def tool_call(
        self,
        name: str,
        arguments: dict[str, Any],
        ok: bool,
        duration_ms: float,
        result: Any = None,
        error: str | None = None,
    ) -> None:
        rec = self.queue.recorder
        status: ToolStatus = "ok" if ok else "error"
        self.queue.submit(
            lambda: rec.add_tool_call(name, arguments, status, duration_ms, result, error)
        )

    async def finish(self, reason: str, status: str = "ended") -> None:
        rec = self.queue.recorder
        final = self.metrics()
        self.queue.submit(lambda: rec.set_metrics(final))
        self.queue.submit(lambda: rec.end(reason, "failed" if status == "failed" else "ended"))
        await self.queue.flush()
