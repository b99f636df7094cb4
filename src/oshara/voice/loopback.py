"""An in-process transport: a scripted microphone in, a real-time paced speaker out.

Used by tests and benchmarks to drive a real :class:`~oshara.voice.pipeline.VoiceSession`
without WebRTC: ``say(pcm)`` plays speech into the pipeline at real-time pace (with silence
in between, as a microphone would), and every audio frame the agent sends is kept with the
time it was played.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from pipecat.frames.frames import (
    ClientConnectedFrame,
    InputAudioRawFrame,
    OutputAudioRawFrame,
    StartFrame,
)
from pipecat.transports.base_input import BaseInputTransport
from pipecat.transports.base_output import BaseOutputTransport
from pipecat.transports.base_transport import BaseTransport, TransportParams

CHUNK_MS = 20


@dataclass
class PlayedAudio:
    at: float
    audio: bytes
    sample_rate: int


@dataclass
class Microphone:
    sample_rate: int = 16000
    pending: bytearray = field(default_factory=bytearray)
    said_until: float = 0.0


class LoopbackInputTransport(BaseInputTransport):
    def __init__(self, transport: LoopbackTransport, params: TransportParams) -> None:
        super().__init__(params)
        self._owner = transport
        self._mic_task: asyncio.Task[None] | None = None

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)
        if self._mic_task is None:
            self._mic_task = self.create_task(self._mic(), "loopback-mic")

    async def _stop_mic(self) -> None:
        if self._mic_task is not None:
            await self.cancel_task(self._mic_task)
            self._mic_task = None

    async def stop(self, frame: Any) -> None:
        await self._stop_mic()
        await super().stop(frame)

    async def cancel(self, frame: Any) -> None:
        await self._stop_mic()
        await super().cancel(frame)

    async def _mic(self) -> None:
        mic = self._owner.mic
        rate = mic.sample_rate
        size = rate * 2 * CHUNK_MS // 1000
        next_at = time.monotonic()
        while True:
            if mic.pending:
                chunk = bytes(mic.pending[:size])
                del mic.pending[:size]
                if not mic.pending:
                    mic.said_until = time.time()
                chunk = chunk.ljust(size, b"\x00")
            else:
                chunk = bytes(size)
            await self.push_audio_frame(
                InputAudioRawFrame(audio=chunk, sample_rate=rate, num_channels=1)
            )
            next_at += CHUNK_MS / 1000
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))


class LoopbackOutputTransport(BaseOutputTransport):
    def __init__(self, transport: LoopbackTransport, params: TransportParams) -> None:
        super().__init__(params)
        self._owner = transport
        self._next_play = 0.0

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        now = time.monotonic()
        start = max(now, self._next_play)
        if start > now:
            await asyncio.sleep(start - now)
        duration = len(frame.audio) / (2 * frame.sample_rate * frame.num_channels)
        self._next_play = start + duration
        self._owner.played.append(PlayedAudio(time.time(), frame.audio, frame.sample_rate))
        return True


class LoopbackTransport(BaseTransport):
    """A transport whose "client" is the test: ``connect()``, ``say()``, ``hangup()``."""

    def __init__(self, sample_rate: int = 16000) -> None:
        super().__init__()
        self.params = TransportParams(audio_in_enabled=True, audio_out_enabled=True)
        self.mic = Microphone(sample_rate=sample_rate)
        self.played: list[PlayedAudio] = []
        self._input = LoopbackInputTransport(self, self.params)
        self._output = LoopbackOutputTransport(self, self.params)
        self._register_event_handler("on_client_connected")
        self._register_event_handler("on_client_disconnected")

    def input(self) -> LoopbackInputTransport:
        return self._input

    def output(self) -> LoopbackOutputTransport:
        return self._output

    async def connect(self) -> None:
        await self._input.push_frame(ClientConnectedFrame())
        await self._call_event_handler("on_client_connected", "loopback")

    async def hangup(self) -> None:
        await self._call_event_handler("on_client_disconnected", "loopback")

    def say(self, pcm16: bytes) -> None:
        """Queue speech (16-bit mono PCM at the mic's rate) to play into the pipeline."""
        self.mic.pending += pcm16

    async def wait_said(self, limit: float = 30.0) -> float:
        """Wait until queued speech has been played in; returns when it ended."""
        deadline = time.monotonic() + limit
        while self.mic.pending:
            if time.monotonic() > deadline:
                raise TimeoutError("speech was not consumed")
            await asyncio.sleep(0.01)
        return self.mic.said_until

    def audio_since(self, t: float) -> bytes:
        return b"".join(p.audio for p in self.played if p.at >= t)

    def first_audio_after(self, t: float, min_rms: float = 200.0) -> float | None:
        """When the first non-silent frame after ``t`` was played."""
        import numpy as np

        for p in self.played:
            if p.at >= t and p.audio:
                samples = np.frombuffer(p.audio, dtype=np.int16).astype(np.float32)
                if float(np.sqrt(np.mean(samples**2))) >= min_rms:
                    return p.at
        return None
