"""Text mode: the same agent (LLM service, context, prompt, built-in tools) without audio.

    session = TextSession(spec, recorder)
    await session.start()                   # greeting recorded as the first agent turn
    out = await session.send("Hello")       # {"reply": "...", "tool_calls": [...], "ended": False}
                                            # each call: {name, arguments, status, duration_ms,
                                            # result, error?} (results: not for visitors)
    await session.close()

A session ends by ``end_call``, its ``max_session_seconds``, ``idle_timeout_seconds`` without a
message (reason ``idle``), ``close()`` (owner, shutdown) or a pipeline error; every way runs
:meth:`TextSession.close`, which frees the session's pipeline, tools (MCP connections) and the
LLM's per-session state, records the end, then calls ``on_closed`` (the runner forgets it).

Runs a small Pipecat pipeline (user aggregator → LLM → prompt guard → collector → assistant
aggregator) so streaming, tool calls and context handling are Pipecat's, exactly as in a voice
call. When the guard blocks a response (it started to leak the system prompt), the turn's reply
is the guard's refusal alone: nothing has reached the visitor yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pipecat.frames.frames import (
    Frame,
    FunctionCallCancelFrame,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    FunctionCallsStartedFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMMessagesAppendFrame,
    LLMTextFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators import async_tool_messages
from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.workers.runner import WorkerRunner

from oshara.providers.registry import ProviderSettings
from oshara.voice.agent import (
    AgentServices,
    Builtins,
    build_context,
    create_services,
)
from oshara.voice.guard import PromptGuard
from oshara.voice.recording import TranscriptRecording, _ms
from oshara.voice.spec import SessionRecorder, SessionSpec
from oshara.voice.tools.forms import ShowFormTool, clean_outcome

log = logging.getLogger(__name__)


class SessionClosed(RuntimeError):
    """The text session has ended (``end_call``, limits or ``close()``)."""


class NoFormWaiting(LookupError):
    """A form result for a form the agent has not shown (or whose result already came)."""


class ReplyCollector(FrameProcessor):
    """Collects one turn's reply text and tool calls; knows when the turn is complete."""

    def __init__(self) -> None:
        super().__init__()
        self._reset()

    def _reset(self) -> None:
        self.parts: list[str] = []
        self.calls: dict[str, dict[str, Any]] = {}
        self._started: dict[str, float] = {}
        self._pending: set[str] = set()
        self._follow_up = False
        self._response_open = False
        self._seen_end = False
        self.first_token_at: float | None = None
        self.done = asyncio.Event()

    def begin(self) -> None:
        self._reset()

    def _check(self) -> None:
        if self._seen_end and not self._response_open and not self._pending and not self._follow_up:
            self.done.set()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMFullResponseStartFrame):
            self._response_open = True
            self._follow_up = False
        elif isinstance(frame, LLMTextFrame):
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
            self.parts.append(frame.text)
        elif isinstance(frame, FunctionCallsStartedFrame):
            # Announced before the response ends; each call's in-progress frame comes from its
            # own task and may arrive after the end of the response.
            for fc in frame.function_calls:
                self._pending.add(fc.tool_call_id)
                self._started.setdefault(fc.tool_call_id, time.perf_counter())
                self.calls.setdefault(
                    fc.tool_call_id,
                    {"name": fc.function_name, "arguments": dict(fc.arguments or {})},
                )
        elif isinstance(frame, FunctionCallCancelFrame):
            self._pending.discard(frame.tool_call_id)
            call = self.calls.setdefault(frame.tool_call_id, {"name": frame.function_name})
            call["error"] = "cancelled"
        elif isinstance(frame, FunctionCallInProgressFrame):
            self._pending.add(frame.tool_call_id)
            self._started.setdefault(frame.tool_call_id, time.perf_counter())
            self.calls[frame.tool_call_id] = {
                "name": frame.function_name,
                "arguments": dict(frame.arguments or {}),
            }
        elif isinstance(frame, FunctionCallResultFrame):
            self._pending.discard(frame.tool_call_id)
            call = self.calls.setdefault(frame.tool_call_id, {"name": frame.function_name})
            call["result"] = frame.result
            started = self._started.get(frame.tool_call_id)
            if started is not None:
                call["duration_ms"] = round((time.perf_counter() - started) * 1000.0, 1)
            if frame.error:
                call["error"] = frame.error
            run_llm = frame.run_llm
            if frame.properties is not None and frame.properties.run_llm is not None:
                run_llm = frame.properties.run_llm
            if run_llm is not False:
                self._follow_up = True
        elif isinstance(frame, LLMFullResponseEndFrame):
            self._response_open = False
            self._seen_end = True
        await self.push_frame(frame, direction)
        self._check()

    def reply(self) -> str:
        return "".join(self.parts).strip()


class TextSession:
    def __init__(
        self,
        spec: SessionSpec,
        recorder: SessionRecorder,
        *,
        services: AgentServices | None = None,
        provider_settings: ProviderSettings | None = None,
        turn_timeout: float = 120.0,
        on_closed: Callable[[TextSession], Awaitable[None]] | None = None,
    ) -> None:
        self.spec = spec
        self.on_closed = on_closed
        self.services = services or create_services(spec, provider_settings, audio=False)
        self.recording = TranscriptRecording(recorder, self.services.roles())
        self._outcomes: list[tuple[str, bool, float]] = []
        self.builtins = Builtins(spec, on_tool_call=self._tool_call, on_event=self.recording.event)
        self.builtins.on_end_call = _no_op
        self.context = build_context(spec, self.services, self.builtins)
        self.turn_timeout = turn_timeout
        self.collector = ReplyCollector()
        self.guard = PromptGuard.for_session(spec)
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.end_reason: str | None = None
        self.started_at = time.time()
        self._limit_task: asyncio.Task[None] | None = None
        self._last_activity = time.monotonic()
        self._closing: asyncio.Task[None] | None = None
        pair = LLMContextAggregatorPair(self.context)
        self.worker = PipelineWorker(
            Pipeline(
                [
                    pair.user(),
                    self.guard.listener(),
                    self.services.llm,
                    self.guard,
                    self.collector,
                    pair.assistant(),
                ]
            ),
            params=PipelineParams(enable_metrics=True),
            idle_timeout_secs=None,
            cancel_on_idle_timeout=False,
            enable_rtvi=False,
            conversation_id=spec.session_id,
        )
        self.worker.add_event_handler("on_pipeline_error", self._on_pipeline_error)

    @property
    def closed(self) -> bool:
        return self._closed

    async def start(self) -> None:
        started = asyncio.Event()

        async def on_started(*_: Any) -> None:
            started.set()

        self.worker.add_event_handler("on_pipeline_started", on_started)
        runner = WorkerRunner(handle_sigint=False, handle_sigterm=False)
        await runner.add_workers(self.worker)
        self._task = asyncio.create_task(runner.run(), name=f"text-{self.spec.session_id}")
        self._task.add_done_callback(self._pipeline_done)
        await asyncio.wait_for(started.wait(), timeout=30)
        await self.recording.queue.recorder.mark_active()
        greeting = self.spec.greeting.strip()
        if greeting:
            self.context.add_message({"role": "assistant", "content": greeting})
            now = time.time()
            self.recording.record_text_turn("agent", greeting, now, now)
        warm = getattr(self.services.llm, "warm_context", None)
        if warm is not None:  # local models: load and prefill prompt, tools and greeting now
            await warm(self.context)
        self._last_activity = time.monotonic()
        self._limit_task = asyncio.create_task(
            self._watch_limits(), name=f"text-limits-{self.spec.session_id}"
        )

    async def _watch_limits(self) -> None:
        """End the session at ``max_session_seconds``, or after ``idle_timeout_seconds``
        without a message (a turn in progress is not idle)."""
        deadline = time.monotonic() + self.spec.max_session_seconds
        idle = self.spec.idle_timeout_seconds
        while not self._closed:
            now = time.monotonic()
            if now >= deadline:
                await self.close("max_duration")
                return
            busy = self._lock.locked()
            if not busy and now >= self._last_activity + idle:
                await self.close("idle")
                return
            wake = min(deadline, now + 0.5 if busy else self._last_activity + idle)
            await asyncio.sleep(max(0.01, wake - now))

    def _close_soon(self, reason: str, status: str) -> None:
        """Close from a callback that must not wait for the pipeline it runs in."""
        if self._closed or self._closing is not None:
            return
        self._closing = asyncio.ensure_future(self.close(reason, status))

    def _pipeline_done(self, _task: asyncio.Task[None]) -> None:
        if not self._closed:  # the pipeline stopped on its own: nothing can answer any more
            self._close_soon("error", "failed")

    async def _on_pipeline_error(self, _worker: Any, frame: Any) -> None:
        # Error texts can quote provider responses: record where, not what.
        processor = getattr(frame, "processor", None)
        usable = bool(getattr(processor, "is_usable", True))
        name = getattr(processor, "name", None) or "pipeline"
        self.recording.event("error", {"processor": name, "usable": usable})
        if getattr(frame, "fatal", False) or not usable:
            self._close_soon("error", "failed")

    async def send(self, text: str) -> dict[str, Any]:
        """One user message → the agent's reply and the tool calls made during the turn."""
        text = text.strip()
        if not text:
            raise ValueError("text must not be empty")
        async with self._lock:
            if self._closed:
                raise SessionClosed(self.end_reason or "closed")
            sent_at = time.time()
            t0 = time.perf_counter()
            self.collector.begin()
            self._outcomes.clear()
            blocked = self.guard.blocked_replies
            await self.worker.queue_frame(
                LLMMessagesAppendFrame(messages=[{"role": "user", "content": text}], run_llm=True)
            )
            await self._wait_turn()
            reply = self._reply(blocked)
            first = self.collector.first_token_at
            latency = _ms(first - t0) if first is not None else None
            self.recording.record_text_turn("user", text, sent_at, sent_at)
            if reply:
                self.recording.record_text_turn("agent", reply, sent_at, time.time(), latency)
            calls = [self._with_outcome(c) for c in self.collector.calls.values()]
            ended = self.builtins.end_requested
            self._last_activity = time.monotonic()
        if ended:
            await self.close("end_call")
        return {"reply": reply, "tool_calls": calls, "ended": ended}

    async def send_form_result(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The visitor's outcome of a form the agent showed (``{form_id, status, values?,
        response_id?, error?}``) → the agent's answer, like :meth:`send`.

        Text mode has no data channel, so the page posts the outcome afterwards. The agent is
        told it the way Pipecat tells a late asynchronous tool result (the ``developer``
        message of ``async_tool_messages`` naming the ``show_form`` call that offered the
        form), cleaned as in voice mode (known fields only, bounded sizes)."""
        form_id = str(raw.get("form_id") or "")
        async with self._lock:
            if self._closed:
                raise SessionClosed(self.end_reason or "closed")
            tool = self.services.tools.tools.get("show_form") if self.services.tools else None
            offer = tool.take_offer(form_id) if isinstance(tool, ShowFormTool) else None
            if offer is None:
                raise NoFormWaiting(form_id)
            call_id, form = offer
            outcome = clean_outcome(form, raw)
            event: dict[str, Any] = {"form_id": form.id, "status": outcome["status"]}
            if "response_id" in outcome:
                event["response_id"] = outcome["response_id"]
            self.recording.event("form_result", event)
            sent_at = time.time()
            t0 = time.perf_counter()
            self.collector.begin()
            self._outcomes.clear()
            blocked = self.guard.blocked_replies
            message = async_tool_messages.build_final_result_message(
                call_id, json.dumps(outcome, ensure_ascii=False)
            )
            await self.worker.queue_frame(LLMMessagesAppendFrame(messages=[message], run_llm=True))
            await self._wait_turn()
            reply = self._reply(blocked)
            first = self.collector.first_token_at
            latency = _ms(first - t0) if first is not None else None
            if reply:
                self.recording.record_text_turn("agent", reply, sent_at, time.time(), latency)
            calls = [self._with_outcome(c) for c in self.collector.calls.values()]
            ended = self.builtins.end_requested
            self._last_activity = time.monotonic()
        if ended:
            await self.close("end_call")
        return {"reply": reply, "tool_calls": calls, "ended": ended}

    async def _wait_turn(self) -> None:
        try:
            await asyncio.wait_for(self.collector.done.wait(), timeout=self.turn_timeout)
        except TimeoutError:
            self.recording.event("turn_timeout", {})
            raise
        if self._closed:  # closed during the turn (limit, owner, error): no reply is coming
            raise SessionClosed(self.end_reason or "closed")

    def _reply(self, blocked_before: int) -> str:
        """The turn's reply; just the guard's refusal when it blocked a response of the turn.

        In voice mode the words said before a block are already spoken; here nothing has reached
        the visitor yet, so none of a reply that started to leak the prompt is shown."""
        if self.guard.blocked_replies > blocked_before:
            return self.guard.refusal
        return self.collector.reply()

    def _tool_call(
        self,
        name: str,
        arguments: dict[str, Any],
        ok: bool,
        duration_ms: float,
        result: Any = None,
        error: str | None = None,
    ) -> None:
        """Every finished tool call: recorded, and its outcome kept for this turn's answer."""
        self._outcomes.append((name, ok, duration_ms))
        self.recording.tool_call(name, arguments, ok, duration_ms, result, error)

    def _with_outcome(self, call: dict[str, Any]) -> dict[str, Any]:
        """A collected call with ``status`` (``ok``/``error``, as in the session's tool-call
        log) and ``duration_ms``: the dispatcher's own outcome for the call of that name, in
        order; without one (cancelled before it ran), judged from the frames."""
        out = dict(call)
        for index, (name, ok, duration_ms) in enumerate(self._outcomes):
            if name == call.get("name"):
                del self._outcomes[index]
                out["status"] = "ok" if ok else "error"
                out["duration_ms"] = duration_ms
                return out
        out["status"] = "error" if call.get("error") else "ok"
        out.setdefault("duration_ms", 0.0)
        return out

    async def close(self, reason: str = "completed", status: str = "ended") -> None:
        """End the session (idempotent): stop the pipeline, record the end, free the tools
        and the LLM's per-session state, then tell ``on_closed``."""
        if self._closed:
            return
        self._closed = True
        self.end_reason = reason
        self.collector.done.set()  # a turn waiting for its reply gives up at once
        if self._limit_task is not None and self._limit_task is not asyncio.current_task():
            self._limit_task.cancel()
        try:
            with contextlib.suppress(Exception):
                await self.worker.cancel(reason=reason)
            if self._task is not None:
                with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(self._task, timeout=10)
            await asyncio.shield(self.recording.finish(reason, status))
        finally:
            await release_services(self.services, self.spec.session_id)
            if self.on_closed is not None:
                await self.on_closed(self)


async def release_services(services: AgentServices, session_id: str) -> None:
    """Free what a session's services hold beyond its pipeline: the tools' MCP connections and
    the LLM's per-session state (a local model's saved KV caches). Never raises."""
    if services.tools is not None:
        try:
            await services.tools.aclose()
        except Exception as exc:
            log.warning("session %s: closing tools failed: %s", session_id, type(exc).__name__)
    release = getattr(services.llm, "release_session", None)
    if callable(release):
        try:
            await release()
        except Exception as exc:
            log.warning(
                "session %s: releasing LLM state failed: %s", session_id, type(exc).__name__
            )


async def _no_op() -> None:
    """``end_call`` in text mode: the session is closed after the turn instead."""
