"""The in-process agent runtime as the platform sees it: one object on ``app.state.voice``.

Wraps :class:`oshara.voice.runner.VoiceRunner` and :class:`oshara.voice.webrtc.WebRTCSignaling`
and turns their errors into HTTP errors. The voice packages are imported lazily, so the API
still runs (answering 503 on the live routes) where they are not installed.
"""

from __future__ import annotations

import logging
from typing import Any

from oshara.config import Settings
from oshara.errors import BadRequest, Conflict, OsharaError, TooManyRequests

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
            drain_timeout=settings.drain_timeout_seconds,
            tool_deps=tool_deps(settings, sessionmaker),
        )
        return cls(runner, WebRTCSignaling(runner))

    def is_live(self, session_id: str) -> bool:
        return self.runner.get(session_id) is not None

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
            raise TooManyRequests("This server runs as many calls as it can", 15) from exc
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
