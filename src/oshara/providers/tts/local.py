"""Local text-to-speech: Piper (packaged Joe voice) and espeak-ng as the fallback.

Pipecat's ``PiperTTSService`` loads (or downloads) a voice in its constructor. Here the voice
is loaded once per process from the packaged file and shared by every session (ONNX Runtime
sessions are safe to run concurrently); Pipecat's ``run_tts`` does the synthesis. espeak-ng
(Debian package ``espeak-ng``) is run as a subprocess when Piper is unavailable.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import Any

from pipecat.frames.frames import ErrorFrame, Frame
from pipecat.services.tts_service import TTSService

log = logging.getLogger(__name__)

_voices: dict[str, Any] = {}
_voices_lock = threading.Lock()


def piper_available() -> bool:
    try:
        import piper  # noqa: F401
    except ImportError:
        return False
    return True


def shared_piper_voice(model_path: Path) -> Any:
    from piper import PiperVoice

    with _voices_lock:
        voice = _voices.get(str(model_path))
        if voice is None:
            log.info("loading Piper voice %s", model_path.name)
            voice = PiperVoice.load(str(model_path))
            _voices[str(model_path)] = voice
        return voice


def _piper_service_class() -> type[TTSService]:
    from pipecat.services.piper.tts import PiperTTSService

    class LocalPiperTTSService(PiperTTSService):
        """Pipecat's Piper service on a voice loaded once per process."""

        def __init__(self, *, model_path: Path, **kwargs: Any) -> None:
            settings = PiperTTSService.Settings(model=None, voice=model_path.stem, language=None)
            TTSService.__init__(
                self, push_start_frame=True, push_stop_frames=True, settings=settings, **kwargs
            )
            self._voice = shared_piper_voice(model_path)

    return LocalPiperTTSService


def create_piper_tts(model_path: Path, **kwargs: Any) -> TTSService:
    cls: Any = _piper_service_class()
    service: TTSService = cls(model_path=model_path, **kwargs)
    return service


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng") or shutil.which("espeak")


class EspeakTTSService(TTSService):
    """espeak-ng in a subprocess: robotic but always available offline."""

    def __init__(self, *, voice: str = "en-us", rate_wpm: int = 170, **kwargs: Any) -> None:
        binary = espeak_binary()
        if binary is None:
            raise RuntimeError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
        self._binary = binary
        self._espeak_voice = voice
        self._rate = rate_wpm
        super().__init__(push_start_frame=True, push_stop_frames=True, **kwargs)

    def can_generate_metrics(self) -> bool:
        return True

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[Frame, None]:
        proc = await asyncio.create_subprocess_exec(
            self._binary,
            "--stdout",
            "-v",
            self._espeak_voice,
            "-s",
            str(self._rate),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(text.encode() + b"\n")
        await proc.stdin.drain()
        proc.stdin.close()
        stdout = proc.stdout

        async def chunks() -> AsyncIterator[bytes]:
            while block := await stdout.read(8192):
                yield block

        try:
            await self.start_tts_usage_metrics(text)
            async for frame in self._stream_audio_frames_from_iterator(
                chunks(), strip_wav_header=True, context_id=context_id
            ):
                await self.stop_ttfb_metrics()
                yield frame
        except Exception as exc:
            yield ErrorFrame(error=f"espeak-ng failed: {type(exc).__name__}")
        finally:
            if proc.returncode is None:
                proc.kill()
            await proc.wait()
            await self.stop_ttfb_metrics()
