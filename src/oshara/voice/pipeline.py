"""One live voice call: SessionSpec + recorder + transport → a Pipecat pipeline, run to the end.

    transport.input → STT → user context aggregator (Silero VAD, turn end, barge-in)
      → LLM (streaming) → TTS (sentence aggregation) → transport.output → assistant aggregator

Turn end defaults to a short fixed silence after Silero's stop (``turn_detection="timeout"``);
``"smart-turn"`` uses Pipecat's Smart Turn v3, slower on CPU (see docs/voice.md). The greeting is
spoken when the client connects. Max duration and idle timeout end the call politely (a spoken
line, then a flushed end); ``end_call`` ends it from the agent's side; a client hang-up ends it
at once. The recorder's ``end`` is called exactly once, whatever ended the call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import EndWorkerFrame, Frame, TTSSpeakFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.turns.user_start import TranscriptionUserTurnStartStrategy, VADUserTurnStartStrategy
from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.workers.runner import WorkerRunner

from oshara.providers.registry import ProviderSettings
from oshara.voice.agent import (
    IDLE_PROMPT,
    TIME_UP,
    AgentServices,
    Builtins,
    build_context,
    create_services,
)
from oshara.voice.guard import PromptGuard
from oshara.voice.recording import TranscriptRecording
from oshara.voice.spec import SessionRecorder, SessionSpec

log = logging.getLogger(__name__)

TurnDetection = Literal["timeout", "smart-turn"]


@dataclass
class VoiceOptions:
    """Tuning knobs of the audio pipeline (defaults measured on 2 CPU cores)."""

    turn_detection: TurnDetection = "timeout"
    user_speech_timeout: float = 0.3
    """Silence after Silero's stop before the turn ends (runs alongside transcription)."""
    vad_start_secs: float = 0.2
    vad_stop_secs: float = 0.2
    vad_confidence: float = 0.7
    audio_in_sample_rate: int = 16000
    audio_out_sample_rate: int = 24000
    idle_prompts: int = 1
    """How many "are you still there?" prompts before an idle call is ended."""
    connect_timeout_secs: float = 30.0
    """A call whose client never connects (ICE failure, closed tab) is cancelled after this."""
    end_grace_secs: float = 20.0
    """How long a polite end may take (speaking the last line) before the call is cancelled."""
    enable_rtvi: bool = True


def _turn_strategies(options: VoiceOptions) -> UserTurnStrategies:
    start = [VADUserTurnStartStrategy(), TranscriptionUserTurnStartStrategy()]
    if options.turn_detection == "smart-turn":
        from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3
        from pipecat.turns.user_stop import TurnAnalyzerUserTurnStopStrategy

        return UserTurnStrategies(
            start=start,
            stop=[TurnAnalyzerUserTurnStopStrategy(turn_analyzer=LocalSmartTurnAnalyzerV3())],
        )
    return UserTurnStrategies(
        start=start,
        stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=options.user_speech_timeout)],
    )


class VoiceSession:
    """Owns one call's pipeline worker and reports it through a :class:`SessionRecorder`."""

    def __init__(
        self,
        spec: SessionSpec,
        recorder: SessionRecorder,
        transport: Any,
        *,
        services: AgentServices | None = None,
        provider_settings: ProviderSettings | None = None,
        options: VoiceOptions | None = None,
    ) -> None:
        self.spec = spec
        self.transport = transport
        self.options = options or VoiceOptions()
        self.services = services or create_services(spec, provider_settings, audio=True)
        self.recording = TranscriptRecording(recorder, self.services.roles())
        self.builtins = Builtins(spec, on_tool_call=self.recording.tool_call)
        self.context = build_context(spec, self.services, self.builtins)
        self.end_reason: str | None = None
        self.connected_at: float | None = None
        self._idle_count = 0
        self._limit_task: asyncio.Task[None] | None = None
        self._ending = False
        self._finished = asyncio.Event()
        self.worker = self._build_worker()

    # ------------------------------------------------------------------ build

    def _build_worker(self) -> PipelineWorker:
        o = self.options
        vad = SileroVADAnalyzer(
            params=VADParams(
                confidence=o.vad_confidence, start_secs=o.vad_start_secs, stop_secs=o.vad_stop_secs
            )
        )
        pair = LLMContextAggregatorPair(
            self.context,
            user_params=LLMUserAggregatorParams(
                vad_analyzer=vad,
                user_turn_strategies=_turn_strategies(o),
                user_idle_timeout=self.spec.idle_timeout_seconds,
            ),
        )
        user, assistant = pair.user(), pair.assistant()
        self.recording.attach(user, assistant)
        user.add_event_handler("on_user_turn_idle", self._on_user_idle)

        s = self.services
        self.guard = PromptGuard.for_session(self.spec)
        pipeline = Pipeline(
            [
                self.transport.input(),
                s.stt,
                user,
                self.guard.listener(),
                s.llm,
                self.guard,
                s.tts,
                self.transport.output(),
                assistant,
            ]
        )
        worker = PipelineWorker(
            pipeline,
            params=PipelineParams(
                audio_in_sample_rate=o.audio_in_sample_rate,
                audio_out_sample_rate=o.audio_out_sample_rate,
                enable_metrics=True,
            ),
            observers=[self.recording.latency_observer],
            idle_timeout_secs=None,
            cancel_on_idle_timeout=False,
            enable_rtvi=o.enable_rtvi,
            conversation_id=self.spec.session_id,
        )
        worker.add_event_handler("on_pipeline_error", self._on_pipeline_error)
        self.transport.add_event_handler("on_client_connected", self._on_client_connected)
        self.transport.add_event_handler("on_client_disconnected", self._on_client_disconnected)
        return worker

    # ------------------------------------------------------------------ events

    async def _on_client_connected(self, _transport: Any, _client: Any) -> None:
        if self.connected_at is not None:
            return
        self.connected_at = time.time()
        recorder = self.recording.queue.recorder
        self.recording.queue.submit(recorder.mark_active)
        self.recording.event("connected", {"transport": type(self.transport).__name__})
        if self.spec.greeting.strip():
            self.recording.expect_greeting(self.spec.greeting)
            await self.worker.queue_frame(TTSSpeakFrame(self.spec.greeting.strip()))
        self._limit_task = asyncio.create_task(self._max_duration_timer(), name="max-duration")

    async def _on_client_disconnected(self, _transport: Any, _client: Any) -> None:
        self._set_reason("client_hangup")
        await self.worker.cancel(reason="client_hangup")

    async def _on_pipeline_error(self, _worker: Any, frame: Any) -> None:
        # Error texts can quote provider responses: record where, not what.
        processor = getattr(frame, "processor", None)
        name = getattr(processor, "name", None) or "pipeline"
        usable = bool(getattr(processor, "is_usable", True))
        self.recording.event("error", {"processor": name, "usable": usable})

    async def _on_user_idle(self, _aggregator: Any) -> None:
        self._idle_count += 1
        if self._idle_count <= self.options.idle_prompts:
            await self.worker.queue_frame(TTSSpeakFrame(IDLE_PROMPT))
            return
        await self.end_politely("idle_timeout", "It seems you have stepped away. Goodbye!")

    async def _max_duration_timer(self) -> None:
        await asyncio.sleep(self.spec.max_session_seconds)
        await self.end_politely("max_duration", TIME_UP)

    def _set_reason(self, reason: str) -> None:
        if self.end_reason is None:
            self.end_reason = reason

    # ------------------------------------------------------------------ control

    async def end_politely(self, reason: str, last_words: str | None = None) -> None:
        """Say ``last_words`` (if any), then end once everything queued has been played."""
        if self._ending:
            return
        self._ending = True
        self._set_reason(reason)
        self.recording.event("ending", {"reason": reason})
        frames: list[Frame] = []
        if last_words:
            frames.append(TTSSpeakFrame(last_words, append_to_context=False))
        frames.append(EndWorkerFrame(reason=reason))
        await self.worker.queue_frames(frames)
        asyncio.get_running_loop().call_later(
            self.options.end_grace_secs,
            lambda: asyncio.ensure_future(self._cancel_if_running(reason)),
        )

    async def _cancel_if_running(self, reason: str) -> None:
        if not self._finished.is_set():
            await self.worker.cancel(reason=f"{reason} (grace period over)")

    async def _connect_timeout(self) -> None:
        if self.connected_at is None and not self._finished.is_set():
            await self.cancel("connect_timeout")

    async def cancel(self, reason: str) -> None:
        """End at once (no last words)."""
        self._set_reason(reason)
        await self.worker.cancel(reason=reason)

    async def run(self) -> str:
        """Run the call to its end; returns the end reason. Never raises for pipeline errors."""
        status = "ended"
        runner = WorkerRunner(handle_sigint=False, handle_sigterm=False)
        # Local models: load and prefill the system prompt and tools while the call connects
        # and the greeting plays, so the first turn only evaluates the caller's words.
        warm = getattr(self.services.llm, "warm_context", None)
        warm_task = asyncio.create_task(warm(self.context)) if warm is not None else None
        loop = asyncio.get_running_loop()
        connect_timer = loop.call_later(
            self.options.connect_timeout_secs,
            lambda: asyncio.ensure_future(self._connect_timeout()),
        )
        try:
            await runner.add_workers(self.worker)
            await runner.run()
        except asyncio.CancelledError:
            self._set_reason("cancelled")
            raise
        except Exception as exc:
            log.error("voice session %s failed: %s", self.spec.session_id, type(exc).__name__)
            self._set_reason("error")
            status = "failed"
        finally:
            self._finished.set()
            connect_timer.cancel()
            if warm_task is not None and not warm_task.done():
                # The prefill goes on after a quick hang-up: its KV cache is saved and the next
                # call of the same character starts from it (a caller who hung up after two
                # seconds used to leave the next one the whole prefill: 6.4 s for the demo's
                # 0.5B on a 2-core EPYC, during which that caller's first turn waited).
                _PREFILLS.add(warm_task)
                warm_task.add_done_callback(_prefill_done)
            if self._limit_task is not None:
                self._limit_task.cancel()
            if self.builtins.end_requested:
                self._set_reason("end_call")
            reason = self.end_reason or "completed"
            await asyncio.shield(self.recording.finish(reason, status))
        return reason

    async def wait(self) -> None:
        await self._finished.wait()


_PREFILLS: set[asyncio.Task[Any]] = set()
"""Prefills of ended calls still running (a strong reference keeps each task alive)."""


def _prefill_done(task: asyncio.Task[Any]) -> None:
    _PREFILLS.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.warning("prefill of an ended call failed: %s", type(task.exception()).__name__)
