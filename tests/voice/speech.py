"""Test speech generated with Piper at test time (16 kHz mono 16-bit PCM)."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable

import numpy as np

from oshara.voice.models import resolve_model


@functools.lru_cache(maxsize=64)
def piper_pcm16k(text: str) -> bytes:
    import soxr

    from oshara.providers.tts.local import shared_piper_voice

    voice = shared_piper_voice(resolve_model("piper-joe"))
    pcm = b"".join(c.audio_int16_bytes for c in voice.synthesize(text))
    samples = np.frombuffer(pcm, dtype=np.int16)
    out = soxr.resample(samples, voice.config.sample_rate, 16000)
    return np.asarray(out).astype(np.int16).tobytes()


def rms(pcm16: bytes) -> float:
    if not pcm16:
        return 0.0
    samples = np.frombuffer(pcm16, dtype=np.int16).astype(np.float32)
    return float(np.sqrt(np.mean(samples**2)))


async def wait_until(predicate: Callable[[], bool], limit: float = 10.0) -> None:
    """Poll ``predicate`` (it watches state other tasks change) until true or ``limit`` s."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.02)
