"""The in-process agent runtime as the platform sees it: one object on ``app.state.voice``.

Wraps :class:`oshara.voice.runner.VoiceRunner` and :class:`oshara.voice.webrtc.WebRTCSignaling`
and turns their errors into HTTP errors. The voice packages are imported lazily, so the API
still runs (answering 503 on the live routes) where they are not installed.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from oshara.config import Settings
from oshara.errors import BadRequest, Conflict, OsharaError

log = logging.getLogger(__name__)


def provider_settings(settings: Settings) -> Any:
    """The runtime's provider settings from ours (so ``.env`` values reach the providers)."""
    from oshara.providers.registry import ProviderSettings

    ps = ProviderSettings(
        openai_base_url=settings.openai_base_url,
        openai_api_key=settings.openai_api_key,
        deepgram_api_key=settings.deepgram_api_key,
        elevenlabs_api_key=settings.elevenlabs_api_key,
        cartesia_api_key=settings.cartesia_api_key,
    )
    if settings.models_dir is not None:
        ps.models_dir = settings.models_dir
    if settings.llm_threads:
        ps.llm_threads = settings.llm_threads
    if settings.stt_threads:
        ps.stt_threads = settings.stt_threads
    return ps


class RuntimeUnavailable(OsharaError):
    status_code = 503


class GatewayTimeout(OsharaError):
    status_code = 504


class ServerBusy(OsharaError):
    """This process already runs ``OSHARA_MAX_LIVE_SESSIONS`` sessions (a capacity refusal
    of the server, not of the caller: 503, with ``Retry-After``)."""

    status_code = 503

    def __init__(self, detail: str, retry_after: int) -> None:
        retry_after = max(1, int(retry_after))
        super().__init__(
            detail, extra={"retry_after": retry_after}, headers={"Retry-After": str(retry_after)}
        )


BUSY_RETRY_SECONDS = 15
_MB = 1024 * 1024


def default_max_live(cpus: int | None = None, memory_bytes: int | None = None) -> int:
    """``OSHARA_MAX_LIVE_SESSIONS`` when unset: 8 per CPU core, at most one per 64 MB of
    physical memory, at least 4. A text session holds ~1-2 MB once released cleanly, a
    voice call far more CPU than memory: on 2 cores with local models a handful of calls
    already share the CPU, so the cap is about not running out of memory on a burst."""
    cpus = cpus or os.cpu_count() or 1
    if memory_bytes is None:
        try:
            memory_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            memory_bytes = 0
    cap = 8 * cpus
    if memory_bytes:
        cap = min(cap, memory_bytes // (64 * _MB))
    return max(4, cap)


class AgentRuntime:
    def __init__(self, runner: Any, signaling: Any) -> None:
        self.runner = runner
        self.signaling = signaling

    @classmethod
    def create(cls, settings: Settings, sessionmaker: Any = None) -> AgentRuntime | None:
        """Build the runtime, or ``None`` (with a log line) if voice packages are missing.

        ``sessionmaker`` lets ``kb`` tools search the knowledge base (without it they answer
        "unavailable"); tools reach the network only through the egress client."""
        try:
            from oshara.voice.runner import VoiceRunner
            from oshara.voice.webrtc import WebRTCSignaling
        except ImportError as exc:
            log.warning("agent runtime disabled: %s (run scripts/install)", exc)
            return None
        from oshara.sessions.runtime import tool_deps

        runner = VoiceRunner(
            provider_settings=provider_settings(settings),
            max_sessions=settings.max_live_sessions or default_max_live(),
            drain_timeout=settings.drain_timeout_seconds,
            tool_deps=tool_deps(settings, sessionmaker),
        )
        return cls(runner, WebRTCSignaling(runner))

    def is_live(self, session_id: str) -> bool:
        return self.runner.get(session_id) is not None

    def check_room(self) -> None:
        """Raise :class:`ServerBusy` (503) when no new session could run here now."""
        if not self.runner.has_room():
            raise ServerBusy(
                f"This server runs as many sessions as it can ({self.runner.max_sessions}); "
                "try again shortly",
                BUSY_RETRY_SECONDS,
            )

    async def _guard(self, call: Any) -> Any:
        from oshara.providers.registry import ProviderError, ProviderUnavailable
        from oshara.voice.models import ModelError
        from oshara.voice.runner import RunnerClosed, RunnerFull
        from oshara.voice.text import SessionClosed
        from oshara.voice.webrtc import SignalingError

        try:
            return await call
        except SignalingError as exc:
            err = OsharaError(exc.detail)
            err.status_code = exc.status
            raise err from exc
        except (ProviderUnavailable, ModelError) as exc:
            raise RuntimeUnavailable(f"The agent cannot start: {exc}") from exc
        except ProviderError as exc:
            raise BadRequest(f"The agent is misconfigured: {exc}") from exc
        except RunnerClosed as exc:
            raise RuntimeUnavailable("The server is shutting down; try again shortly") from exc
        except RunnerFull as exc:
            raise ServerBusy(
                "This server runs as many sessions as it can; try again shortly",
                BUSY_RETRY_SECONDS,
            ) from exc
        except SessionClosed as exc:
            raise Conflict(f"The session has ended ({exc})") from exc
        except TimeoutError as exc:
            raise GatewayTimeout("The agent took too long to answer") from exc

    async def offer(self, spec: Any, recorder: Any, body: Any) -> dict[str, str]:
        result: dict[str, str] = await self._guard(self.signaling.start_call(spec, recorder, body))
        return result

    async def patch(self, session_id: str, body: Any) -> None:
        await self._guard(self.signaling.patch(session_id, body))

    async def start_text(self, spec: Any, recorder: Any) -> str | None:
        await self._guard(self.runner.start_text(spec, recorder))
        return str(spec.greeting).strip() or None

    async def send_text(
        self, session_id: str, text: str, *, form_result: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        from oshara.voice.text import NoFormWaiting

        try:
            result: dict[str, Any] = await self._guard(
                self.runner.send_text(session_id, text, form_result=form_result)
            )
        except NoFormWaiting as exc:
            raise Conflict(
                f"No form {str(exc)!r} shown by the agent is waiting for a result in this "
                "conversation"
            ) from exc
        except KeyError as exc:
            raise Conflict("The session is not running on this server") from exc
        return result

    async def end(self, session_id: str, reason: str) -> bool:
        return bool(await self.runner.end(session_id, reason))

    async def shutdown(self) -> None:
        await self.runner.shutdown()
        await self.signaling.close()
        egress = getattr(getattr(self.runner, "tool_deps", None), "egress", None)
        if egress is not None:
            await egress.aclose()
