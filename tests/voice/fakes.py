"""Fake speech providers with fixed latency, for pipeline tests without models."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Iterable

import numpy as np
from pipecat.frames.frames import Frame, TranscriptionFrame
from pipecat.services.settings import STTSettings, TTSSettings
from pipecat.services.stt_service import SegmentedSTTService
from pipecat.services.tts_service import TTSService
from pipecat.utils.time import time_now_iso8601


def tone(seconds: float, sample_rate: int = 16000, freq: float = 220.0, amp: float = 0.3) -> bytes:
    """A harmonic-rich tone loud enough for Silero to call it speech (16-bit mono PCM)."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    wave = sum(np.sin(2 * np.pi * freq * k * t) / k for k in range(1, 8))
    envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 3.0 * t)  # syllable-like modulation
    samples = (amp * 32767 * wave / 2.0 * envelope).clip(-32767, 32767).astype(np.int16)
    return samples.tobytes()


class FakeSTTService(SegmentedSTTService):
    """Returns scripted transcripts, one per VAD segment, after ``latency`` seconds."""

    def __init__(self, transcripts: Iterable[str], latency: float = 0.05, **kwargs: object):
        settings = STTSettings(model=None, language=None)
        super().__init__(settings=settings, **kwargs)  # type: ignore[arg-type]
        self.transcripts: deque[str] = deque(transcripts)
        self.latency = latency

    @property
    def wants_wav_segments(self) -> bool:
        return False

    def can_generate_metrics(self) -> bool:
        return True

    async def run_stt(self, audio: bytes) -> AsyncGenerator[Frame, None]:
        await self.start_processing_metrics()
        await asyncio.sleep(self.latency)
        await self.stop_processing_metrics()
        text = self.transcripts.popleft() if self.transcripts else "hello"
        yield TranscriptionFrame(text, "", time_now_iso8601())


class FakeTTSService(TTSService):
    """Speaks every sentence as a tone of ``secs_per_word`` per word after ``latency``."""

    def __init__(self, latency: float = 0.03, secs_per_word: float = 0.3, **kwargs: object):
        settings = TTSSettings(model=None, voice=None, language=None)
        super().__init__(
            push_start_frame=True,
            push_stop_frames=True,
            settings=settings,
            **kwargs,  # type: ignore[arg-type]
        )
        self.latency = latency
        self.secs_per_word = secs_per_word
        self.spoken: list[str] = []

    def can_generate_metrics(self) -> bool:
        return True

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[Frame, None]:
        self.spoken.append(text)
        await asyncio.sleep(self.latency)
        audio = tone(max(1, len(text.split())) * self.secs_per_word, self.sample_rate, 330.0)

        async def chunks() -> AsyncGenerator[bytes, None]:
            step = self.sample_rate * 2 // 10  # 100 ms
            for i in range(0, len(audio), step):
                yield audio[i : i + step]

        async for frame in self._stream_audio_frames_from_iterator(
            chunks(), in_sample_rate=self.sample_rate, context_id=context_id
        ):
            await self.stop_ttfb_metrics()
            yield frame
