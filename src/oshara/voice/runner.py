"""The agent runner: owns every live session of this process.

``oshara serve`` creates one :class:`VoiceRunner`; the platform starts sessions through it
(voice through :mod:`oshara.voice.webrtc`, text directly) and calls :meth:`shutdown` on
SIGTERM: live calls hear a short goodbye and get ``drain_timeout`` seconds to finish (their
transcripts are saved as they go), then whatever is left is cancelled.
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
from oshara.voice.text import TextSession
from oshara.voice.tools import ToolDeps, offered_forms, prepare_tools

log = logging.getLogger(__name__)

SHUTDOWN_WORDS = "Sorry, I have to hang up now. Goodbye!"


class RunnerClosed(RuntimeError):
    """The runner is shutting down and takes no new sessions."""


class RunnerFull(RuntimeError):
    """``max_sessions`` live sessions already run in this process."""


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
        self._closing = False

    # ---------------------------------------------------------------- start

    def _admit(self, spec: SessionSpec) -> None:
        if self._closing:
            raise RunnerClosed("the agent runner is shutting down")
        if spec.session_id in self.sessions:
            raise ValueError(f"session {spec.session_id} is already running")
        if self.max_sessions is not None and len(self.sessions) >= self.max_sessions:
            raise RunnerFull("too many live sessions on this runner")

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
        before an SDP answer is sent (raises ProviderUnavailable / ProviderError)."""
        self._admit(spec)
        return await self._services(spec, audio=audio)

    async def start_voice(
        self,
        spec: SessionSpec,
        recorder: SessionRecorder,
        transport: Any,
        services: AgentServices | None = None,
    ) -> VoiceSession:
        """Build the call's pipeline on ``transport`` and run it in the background."""
        self._admit(spec)
        if services is None:
            services = await self._services(spec, audio=True)
        else:
            services = await self._with_tools(spec, services)
        session = VoiceSession(spec, recorder, transport, services=services, options=self.options)
        live = LiveSession(spec, session)
        self.sessions[spec.session_id] = live
        live.task = asyncio.create_task(self._run_voice(live), name=f"voice-{spec.session_id}")
        return session

    async def _run_voice(self, live: LiveSession) -> None:
        try:
            session = live.session
            assert isinstance(session, VoiceSession)
            await session.run()
        finally:
            self.sessions.pop(live.spec.session_id, None)

    async def start_text(self, spec: SessionSpec, recorder: SessionRecorder) -> TextSession:
        self._admit(spec)
        services = await self._services(spec, audio=False)
        session = TextSession(spec, recorder, services=services)
        self.sessions[spec.session_id] = LiveSession(spec, session)
        try:
            await session.start()
        except BaseException:
            self.sessions.pop(spec.session_id, None)
            if services.tools is not None:
                await services.tools.aclose()
            raise
        return session

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
        try:
            if form_result is not None:
                out = await session.send_form_result(form_result)
            else:
                out = await session.send(text)
        finally:
            if session.closed:
                self.sessions.pop(session_id, None)
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
            await live.session.close(reason)
            self.sessions.pop(session_id, None)
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
                self.sessions.pop(live.spec.session_id, None)
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
