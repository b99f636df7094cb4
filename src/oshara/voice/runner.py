"""The agent runner: owns every live session of this process.

``oshara serve`` creates one :class:`VoiceRunner`; the platform starts sessions through it
(voice through :mod:`oshara.voice.webrtc`, text directly) and calls :meth:`shutdown` on
SIGTERM: live calls hear a short goodbye and get ``drain_timeout`` seconds to finish (their
transcripts are saved as they go), then whatever is left is cancelled.

Every way a session ends (its limits, idle, ``end_call``, the owner, an error, the client
gone, shutdown) removes it from :attr:`VoiceRunner.sessions` and frees its services (tools,
the LLM's per-session state): text sessions through ``TextSession.close``'s ``on_closed``,
voice sessions when their pipeline task finishes. ``max_sessions`` counts live sessions and
those being prepared, so concurrent starts cannot overshoot it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from oshara.providers.registry import ProviderSettings, split_provider
from oshara.voice.agent import AgentServices, create_services
from oshara.voice.pipeline import VoiceOptions, VoiceSession
from oshara.voice.spec import SessionRecorder, SessionSpec
from oshara.voice.text import TextSession, release_services
from oshara.voice.tools import ToolDeps, offered_forms, prepare_tools

log = logging.getLogger(__name__)

SHUTDOWN_WORDS = "Sorry, I have to hang up now. Goodbye!"


class RunnerClosed(RuntimeError):
    """The runner is shutting down and takes no new sessions."""


class RunnerFull(RuntimeError):
    """``max_sessions`` live sessions already run in this process."""

    retry_after = 15


@dataclass
class LiveSession:
    spec: SessionSpec
    session: VoiceSession | TextSession
    task: asyncio.Task[Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class VoiceRunner:
    def __init__(
        self,
        *,
        provider_settings: ProviderSettings | None = None,
        options: VoiceOptions | None = None,
        max_sessions: int | None = None,
        drain_timeout: float = 30.0,
        tool_deps: ToolDeps | None = None,
    ) -> None:
        self.provider_settings = provider_settings or ProviderSettings.from_env()
        self.tool_deps = tool_deps or ToolDeps()
        self.options = options or VoiceOptions()
        self.max_sessions = max_sessions
        self.drain_timeout = drain_timeout
        self.sessions: dict[str, LiveSession] = {}
        self._reserved: set[str] = set()
        """Sessions admitted and being prepared (services, signaling), not yet running."""
        self._closing = False

    # ---------------------------------------------------------------- start

    @property
    def load(self) -> int:
        """Live sessions plus those being started."""
        return len(self.sessions) + len(self._reserved)

    def has_room(self) -> bool:
        """Would a new session be admitted now?"""
        return not self._closing and (self.max_sessions is None or self.load < self.max_sessions)

    def _admit(self, spec: SessionSpec) -> None:
        """Take a slot for ``spec`` (held until it runs or :meth:`abandon` gives it back)."""
        if self._closing:
            raise RunnerClosed("the agent runner is shutting down")
        if spec.session_id in self.sessions or spec.session_id in self._reserved:
            raise ValueError(f"session {spec.session_id} is already running")
        if self.max_sessions is not None and self.load >= self.max_sessions:
            raise RunnerFull("too many live sessions on this runner")
        self._reserved.add(spec.session_id)

    async def abandon(self, session_id: str, services: AgentServices | None = None) -> None:
        """A prepared session that will not run (negotiation failed): give its slot back and
        free its services."""
        self._reserved.discard(session_id)
        if services is not None and session_id not in self.sessions:
            await release_services(services, session_id)

    async def _services(self, spec: SessionSpec, audio: bool) -> AgentServices:
        """Create services and the session's tools (MCP servers connected, within their
        budget); the first use of a local model loads it off the event loop."""
        settings = self.provider_settings
        await asyncio.to_thread(preload_models, spec, settings, audio)
        services = create_services(spec, settings, audio=audio)
        return await self._with_tools(spec, services)

    async def _with_tools(self, spec: SessionSpec, services: AgentServices) -> AgentServices:
        if services.tools is None:
            services.tools = await prepare_tools(spec, self.tool_deps)
        return services

    async def prepare(self, spec: SessionSpec, audio: bool = True) -> AgentServices:
        """Create a session's services ahead of signaling, so a missing model or key fails
        before an SDP answer is sent (raises ProviderUnavailable / ProviderError). The slot
        taken here is the one :meth:`start_voice` uses, or :meth:`abandon` gives back."""
        self._admit(spec)
        try:
            return await self._services(spec, audio=audio)
        except BaseException:
            self._reserved.discard(spec.session_id)
            raise

    async def start_voice(
        self,
        spec: SessionSpec,
        recorder: SessionRecorder,
        transport: Any,
        services: AgentServices | None = None,
    ) -> VoiceSession:
        """Build the call's pipeline on ``transport`` and run it in the background."""
        if spec.session_id not in self._reserved:  # not prepared: take a slot now
            self._admit(spec)
        try:
            if services is None:
                services = await self._services(spec, audio=True)
            else:
                services = await self._with_tools(spec, services)
            session = VoiceSession(
                spec, recorder, transport, services=services, options=self.options
            )
        except BaseException:
            await self.abandon(spec.session_id, services)
            raise
        live = LiveSession(spec, session)
        self.sessions[spec.session_id] = live
        self._reserved.discard(spec.session_id)
        live.task = asyncio.create_task(self._run_voice(live), name=f"voice-{spec.session_id}")
        return session

    async def _run_voice(self, live: LiveSession) -> None:
        try:
            session = live.session
            assert isinstance(session, VoiceSession)
            await session.run()
        finally:
            if self.sessions.get(live.spec.session_id) is live:
                del self.sessions[live.spec.session_id]
            await asyncio.shield(release_services(live.session.services, live.spec.session_id))

    async def start_text(self, spec: SessionSpec, recorder: SessionRecorder) -> TextSession:
        self._admit(spec)
        try:
            services = await self._services(spec, audio=False)
        except BaseException:
            self._reserved.discard(spec.session_id)
            raise
        session = TextSession(spec, recorder, services=services, on_closed=self._text_closed)
        live = LiveSession(spec, session)
        self.sessions[spec.session_id] = live
        self._reserved.discard(spec.session_id)
        try:
            await session.start()
        except BaseException:
            await asyncio.shield(session.close("error", "failed"))
            raise
        return session

    async def _text_closed(self, session: TextSession) -> None:
        live = self.sessions.get(session.spec.session_id)
        if live is not None and live.session is session:
            del self.sessions[session.spec.session_id]

    # ---------------------------------------------------------------- control

    def get(self, session_id: str) -> VoiceSession | TextSession | None:
        live = self.sessions.get(session_id)
        return live.session if live else None

    async def send_text(
        self, session_id: str, text: str, *, form_result: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """A visitor's message, or (``form_result``) the outcome of a form the agent showed."""
        session = self.get(session_id)
        if not isinstance(session, TextSession):
            raise KeyError(session_id)
        if form_result is not None:
            out = await session.send_form_result(form_result)
        else:
            out = await session.send(text)
        # Text mode has no data channel: forms the agent offered go to the text UI here.
        forms = offered_forms(session.spec.forms, out.get("tool_calls") or [])
        if forms:
            out["forms"] = forms
        return out

    async def end(self, session_id: str, reason: str = "ended_by_owner") -> bool:
        live = self.sessions.get(session_id)
        if live is None:
            return False
        if isinstance(live.session, TextSession):
            await live.session.close(reason)  # on_closed forgets it
        else:
            await live.session.end_politely(reason)
        return True

    async def shutdown(self, drain: float | None = None) -> None:
        """Stop taking sessions, end live ones politely, cancel what outlives ``drain``."""
        self._closing = True
        timeout = self.drain_timeout if drain is None else drain
        tasks = []
        for live in list(self.sessions.values()):
            if isinstance(live.session, TextSession):
                await live.session.close("server_shutdown")
            else:
                await live.session.end_politely("server_shutdown", SHUTDOWN_WORDS)
                if live.task is not None:
                    tasks.append(live.task)
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        for live in list(self.sessions.values()):
            if isinstance(live.session, VoiceSession) and live.task in pending:
                await live.session.cancel("server_shutdown")
        if pending:
            await asyncio.wait(pending, timeout=10)
        log.info("agent runner drained (%d calls needed cancelling)", len(pending))


def preload_models(spec: SessionSpec, settings: ProviderSettings, audio: bool = True) -> None:
    """Load the local models a session needs into the process-wide caches (blocking).

    Missing models are left for ``create_services`` to report (ProviderUnavailable)."""
    from oshara.voice.models import ModelError

    try:
        _preload(spec, settings, audio)
    except (ModelError, ImportError):
        return


def _preload(spec: SessionSpec, settings: ProviderSettings, audio: bool) -> None:
    from oshara.voice.models import resolve_model

    family, name = split_provider(spec.llm_model)
    if family == "local":
        from oshara.providers.llm.local import SharedLlama
        from oshara.providers.registry import llama_options

        SharedLlama.get(resolve_model(name, settings.models_dir), llama_options(settings))
    if not audio:
        return
    family, name = split_provider(spec.stt_model)
    if family == "local":
        from oshara.providers.stt.local import WhisperOptions, shared_whisper

        path = resolve_model(name, settings.models_dir)
        shared_whisper(path.parent, WhisperOptions(cpu_threads=settings.stt_threads))
    family, name = split_provider(spec.tts_model)
    if family == "local" and name.startswith("piper"):
        from oshara.providers.tts.local import piper_available, shared_piper_voice

        if piper_available():
            shared_piper_voice(resolve_model("piper-joe", settings.models_dir))
