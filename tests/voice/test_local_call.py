"""A fully local call on the loopback transport: Silero + Whisper tiny.en + SmolLM2 + Piper."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from oshara.providers.registry import ProviderSettings
from oshara.voice.loopback import LoopbackTransport
from oshara.voice.models import is_installed
from oshara.voice.pipeline import VoiceOptions
from oshara.voice.runner import VoiceRunner
from oshara.voice.spec import InMemoryRecorder, SessionSpec

from .speech import rms, wait_until


async def test_fully_local_call_answers_a_spoken_question(speech: Callable[[str], bytes]) -> None:
    needed = ("whisper-tiny.en", "piper-joe", "smollm2-135m")
    if not all(is_installed(n) for n in needed):
        pytest.skip(f"needs local models {needed}")
    settings = ProviderSettings(llm_max_tokens=40)
    runner = VoiceRunner(provider_settings=settings, options=VoiceOptions(enable_rtvi=False))
    spec = SessionSpec(
        session_id="sess_local",
        character_slug="ava",
        character_name="Ava",
        system_prompt="You are Ava, a helpful assistant for {{user_name}}.",
        greeting="Hi, I am Ava.",
        llm_model="local:smollm2-135m",
        metadata={"user_name": "Bob"},
    )
    recorder = InMemoryRecorder()
    transport = LoopbackTransport()
    session = await runner.start_voice(spec, recorder, transport)
    await asyncio.sleep(0.3)
    await transport.connect()
    await wait_until(lambda: len(recorder.texts("agent")) == 1, 15)
    transport.say(speech("What is the capital of France?"))
    said = await transport.wait_said()
    await wait_until(lambda: len(recorder.texts("agent")) >= 2, 30)
    assert "capital" in recorder.texts("user")[0].lower()
    agent = [t for t in recorder.turns if t.role == "agent"][1]
    assert agent.text and agent.latency_ms is not None
    assert rms(transport.audio_since(said)) > 100
    await session.end_politely("test_done")
    await asyncio.wait_for(session.wait(), 30)
    assert recorder.end_reason == "test_done"
    assert recorder.metrics["ttfb_ms"]["llm"]["count"] >= 1
