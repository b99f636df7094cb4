"""A greeting the visitor talks over is recorded with what was spoken, marked interrupted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from oshara.providers.registry import ProviderSettings

from .scripted_llm import ScriptedLLM
from .test_voice_session import _start

GREETING = (
    "Hello and welcome to Acme support, I am Ava, your assistant for orders, returns, "
    "invoices and anything else about your account, so tell me how I can help you today"
)


async def test_interrupted_greeting_is_recorded_with_its_text(
    scripted_llm: ScriptedLLM, scripted_settings: ProviderSettings, speech: Callable[[str], bytes]
) -> None:
    """As found: the turn was recorded as "" (the greeting is one sentence; its text reaches
    the transcript only once all of its audio has played)."""
    scripted_llm.reply("Sure, go ahead.")
    call = await _start(scripted_settings, ["wait a second"], greeting=GREETING)
    await call.until(lambda: call.recorder.status == "active")
    await call.until(lambda: call.transport.first_audio_after(0) is not None)
    await asyncio.sleep(1.5)  # about 6 of its 30 words (0.25 s each) have played
    call.transport.say(speech("Wait a second please."))
    await call.transport.wait_said()
    await call.until(lambda: "Sure, go ahead." in call.recorder.texts("agent"))
    await call.transport.hangup()
    await call.finish()

    turns = [(t.role, t.text, t.interrupted) for t in call.recorder.turns]
    assert turns == [
        ("agent", GREETING, True),  # was ("agent", "", True)
        ("user", "wait a second", False),
        ("agent", "Sure, go ahead.", False),
    ]
    assert call.tts.spoken[0] == GREETING
