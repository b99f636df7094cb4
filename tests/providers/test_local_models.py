"""Real local models: Whisper hears Piper, SmolLM2 answers, Piper speaks (no network)."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from pipecat.frames.frames import (
    InputAudioRawFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.pipeline.worker import PipelineParams
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.tests.utils import SleepFrame, run_test

from oshara.providers.registry import ProviderSettings, create_llm, create_stt, create_tts
from oshara.voice.models import is_installed

from ..voice.speech import piper_pcm16k


def _need(*names: str) -> None:
    missing = [n for n in names if not is_installed(n)]
    if missing:
        pytest.skip(f"models not installed: {missing} (oshara models install ...)")


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


@pytest.mark.parametrize(
    "sentence",
    ["What is the weather like today?", "Please book a table for two people tomorrow evening."],
)
async def test_whisper_transcribes_piper_speech(sentence: str) -> None:
    _need("whisper-tiny.en", "piper-joe")
    stt = create_stt("local:whisper-tiny.en", "en", ProviderSettings())
    pcm = piper_pcm16k(sentence)
    step = 16000 * 2 // 50  # 20 ms
    frames = [VADUserStartedSpeakingFrame(start_secs=0.2, timestamp=time.time())]
    frames += [
        InputAudioRawFrame(audio=pcm[i : i + step], sample_rate=16000, num_channels=1)
        for i in range(0, len(pcm), step)
    ]
    frames += [
        VADUserStoppedSpeakingFrame(stop_secs=0.2, timestamp=time.time()),
        SleepFrame(2.5),
    ]
    down, _ = await run_test(
        stt, frames_to_send=frames, pipeline_params=PipelineParams(audio_in_sample_rate=16000)
    )
    texts = [f.text for f in down if isinstance(f, TranscriptionFrame)]
    assert len(texts) == 1
    expected = _words(sentence)
    heard = _words(texts[0])
    assert len(expected & heard) >= len(expected) * 0.7, texts[0]


async def test_smollm2_replies_in_process() -> None:
    _need("smollm2-135m")
    llm = create_llm("local:smollm2-135m", ProviderSettings(llm_max_tokens=40))
    llm.append_system_instruction("You are a helpful assistant. Answer in one short sentence.")
    context = LLMContext(messages=[{"role": "user", "content": "What is the capital of France?"}])
    down, _ = await run_test(llm, frames_to_send=[LLMContextFrame(context=context)])
    text = "".join(f.text for f in down if isinstance(f, LLMTextFrame))
    assert text.strip()
    assert isinstance(down[-1], LLMFullResponseEndFrame)


async def test_piper_speaks_non_silent_audio() -> None:
    _need("piper-joe")
    tts = create_tts("local:piper", None, "en", ProviderSettings())
    down, _ = await run_test(
        tts,
        frames_to_send=[
            TTSSpeakFrame("Hello, this is a test of the local voice."),
            SleepFrame(1.0),
        ],
        pipeline_params=PipelineParams(audio_out_sample_rate=24000),
    )
    audio = b"".join(f.audio for f in down if isinstance(f, TTSAudioRawFrame))
    samples = np.frombuffer(audio, dtype=np.int16).astype(np.float32)
    assert len(samples) / 24000 > 1.0  # more than a second of speech
    assert float(np.sqrt(np.mean(samples**2))) > 500


@pytest.mark.slow
async def test_qwen_text_session_answers() -> None:
    _need("qwen2.5-0.5b")
    from oshara.voice.spec import InMemoryRecorder, SessionSpec
    from oshara.voice.text import TextSession

    spec = SessionSpec(
        session_id="sess_q",
        character_slug="ava",
        character_name="Ava",
        system_prompt="You are a friendly assistant for {{user_name}}.",
        llm_model="local:qwen2.5-0.5b",
        metadata={"user_name": "Bob"},
        mode="text",
    )
    session = TextSession(spec, InMemoryRecorder())
    await session.start()
    out = await session.send("What is the capital of France? Answer in one word.")
    await session.close()
    assert "paris" in out["reply"].lower()
