"""A whole VoiceSession on the loopback transport: Silero VAD on Piper speech, fake STT/TTS with
fixed latency, the scripted OpenAI-compatible LLM on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from oshara.providers.registry import ProviderSettings, create_llm
from oshara.voice.agent import TIME_UP, AgentServices
from oshara.voice.loopback import LoopbackTransport
from oshara.voice.pipeline import VoiceOptions, VoiceSession
from oshara.voice.spec import InMemoryRecorder, SessionSpec

from .fakes import FakeSTTService, FakeTTSService
from .scripted_llm import ScriptedLLM
from .speech import wait_until


@dataclass
class Call:
    session: VoiceSession
    transport: LoopbackTransport
    recorder: InMemoryRecorder
    tts: FakeTTSService
    task: asyncio.Task[str]

    async def until(self, predicate: Callable[[], bool], limit: float = 10.0) -> None:
        await wait_until(predicate, limit)

    async def finish(self, limit: float = 15.0) -> str:
        return await asyncio.wait_for(self.task, limit)


def _spec(**kw: object) -> SessionSpec:
    base: dict[str, object] = dict(
        session_id="sess_test",
        character_slug="ava",
        character_name="Ava",
        system_prompt="You are Ava. The caller is {{user_name}}{{missing}}.",
        greeting="Hello, I am Ava.",
        llm_model="gpt-4o-mini",
        metadata={"user_name": "Bob"},
    )
    base.update(kw)
    return SessionSpec(**base)  # type: ignore[arg-type]


async def _start(
    settings: ProviderSettings,
    transcripts: list[str],
    *,
    connect: bool = True,
    options: VoiceOptions | None = None,
    **spec_kw: object,
) -> Call:
    spec = _spec(**spec_kw)
    recorder = InMemoryRecorder()
    transport = LoopbackTransport()
    tts = FakeTTSService(latency=0.03, secs_per_word=0.25)
    services = AgentServices(
        llm=create_llm(spec.llm_model, settings),
        stt=FakeSTTService(transcripts, latency=0.05),
        tts=tts,
    )
    session = VoiceSession(
        spec,
        recorder,
        transport,
        services=services,
        options=options or VoiceOptions(enable_rtvi=False, end_grace_secs=8.0),
    )
    task = asyncio.create_task(session.run())
    call = Call(session, transport, recorder, tts, task)
    if connect:
        await asyncio.sleep(0.3)
        await transport.connect()
    return call


async def test_greeting_first_then_turn_with_latency_and_prompt(
    scripted_llm: ScriptedLLM, scripted_settings: ProviderSettings, speech: Callable[[str], bytes]
) -> None:
    scripted_llm.reply("It is sunny today.")
    call = await _start(scripted_settings, ["what is the weather"])
    await call.until(lambda: call.recorder.status == "active")
    await call.until(lambda: len(call.recorder.turns) >= 1)
    assert call.recorder.turns[0].role == "agent"
    assert call.recorder.turns[0].text == "Hello, I am Ava."
    assert call.tts.spoken[0] == "Hello, I am Ava."

    call.transport.say(speech("What is the weather like today?"))
    said = await call.transport.wait_said()
    await call.until(lambda: len(call.recorder.turns) >= 3)
    first_audio = call.transport.first_audio_after(said)
    assert first_audio is not None and first_audio - said < 2.0

    await call.transport.hangup()
    assert await call.finish() == "client_hangup"
    rec = call.recorder
    assert [t.role for t in rec.turns] == ["agent", "user", "agent"]
    assert rec.turns[1].text == "what is the weather"
    agent = rec.turns[2]
    assert agent.text == "It is sunny today." and not agent.interrupted
    assert agent.latency_ms is not None and 200 < agent.latency_ms < 2000
    assert rec.status == "ended" and rec.end_reason == "client_hangup"
    assert rec.metrics["latency_ms"]["count"] == 1
    assert {"stt", "llm", "tts"} <= set(rec.metrics["ttfb_ms"])
    parts = rec.metrics["turns"][0]["parts_ms"]
    assert parts["vad"] == pytest.approx(200, abs=30)
    assert rec.metrics["greeting_latency_ms"] is not None
    system = scripted_llm.requests[0]["messages"][0]
    assert system["role"] == "system"
    assert system["content"].startswith('You are Ava. The caller is "Bob".')
    assert "Always answer in English." in system["content"]


async def test_barge_in_stops_agent_and_keeps_only_spoken_text(
    scripted_llm: ScriptedLLM, scripted_settings: ProviderSettings, speech: Callable[[str], bytes]
) -> None:
    long_reply = " ".join(f"This is sentence number {n} of a long answer." for n in range(1, 9))
    scripted_llm.reply(long_reply).reply("Sure, go ahead.")
    call = await _start(scripted_settings, ["tell me everything", "wait a second"], greeting="")
    call.transport.say(speech("Tell me everything you know."))
    said = await call.transport.wait_said()
    await call.until(lambda: call.transport.first_audio_after(said) is not None)
    await asyncio.sleep(3.0)  # sentence 1 (2.25 s) has been played, sentence 2 is playing
    call.transport.say(speech("Wait a second please."))
    await call.transport.wait_said()
    await call.until(lambda: any(t.text == "Sure, go ahead." for t in call.recorder.turns))
    await call.transport.hangup()
    await call.finish()

    agent_turns = [t for t in call.recorder.turns if t.role == "agent"]
    cut = agent_turns[0]
    assert cut.interrupted
    assert cut.text and long_reply.startswith(cut.text)
    assert cut.text.startswith("This is sentence number 1")
    assert len(cut.text) < len(long_reply) / 2
    assert [t.text for t in call.recorder.turns if t.role == "user"] == [
        "tell me everything",
        "wait a second",
    ]


async def test_end_call_tool_ends_after_goodbye(
    scripted_llm: ScriptedLLM, scripted_settings: ProviderSettings, speech: Callable[[str], bytes]
) -> None:
    scripted_llm.tool_call("end_call", {}, text="Goodbye Bob.")
    call = await _start(scripted_settings, ["bye"], greeting="")
    call.transport.say(speech("Goodbye, thanks."))
    assert await call.finish() == "end_call"
    assert call.tts.spoken[-1] == "Goodbye Bob."
    assert [c.name for c in call.recorder.tool_calls] == ["end_call"]
    assert call.recorder.end_reason == "end_call"
    assert call.recorder.texts("agent") == ["Goodbye Bob."]
    tools = scripted_llm.requests[0].get("tools") or []
    assert [t["function"]["name"] for t in tools] == ["end_call"]


async def test_idle_timeout_prompts_then_ends_politely(scripted_settings: ProviderSettings) -> None:
    call = await _start(scripted_settings, [], greeting="Hi.", limits={"idle_timeout_seconds": 1})
    assert await call.finish(20) == "idle_timeout"
    assert "Are you still there?" in call.tts.spoken
    assert call.recorder.end_reason == "idle_timeout"
    assert ("ending", {"reason": "idle_timeout"}) in call.recorder.events


async def test_max_duration_ends_with_last_words(scripted_settings: ProviderSettings) -> None:
    call = await _start(scripted_settings, [], greeting="", limits={"max_session_seconds": 1.5})
    assert await call.finish(20) == "max_duration"
    assert call.tts.spoken[-1] == TIME_UP
    assert call.recorder.status == "ended"


async def test_client_never_connects_is_cancelled(scripted_settings: ProviderSettings) -> None:
    options = VoiceOptions(enable_rtvi=False, connect_timeout_secs=0.5)
    call = await _start(scripted_settings, [], connect=False, options=options)
    assert await call.finish() == "connect_timeout"
    assert call.recorder.status == "ended" and call.recorder.active_at is None


async def test_llm_failure_is_recorded_and_call_goes_on(
    scripted_llm: ScriptedLLM, scripted_settings: ProviderSettings, speech: Callable[[str], bytes]
) -> None:
    scripted_llm.error(400).reply("Now I can answer.")
    call = await _start(scripted_settings, ["first try", "second try"], greeting="")
    call.transport.say(speech("Hello, are you there?"))
    await call.until(lambda: any(kind == "error" for kind, _ in call.recorder.events))
    await asyncio.sleep(0.5)
    call.transport.say(speech("Can you hear me now?"))
    await call.until(lambda: "Now I can answer." in call.recorder.texts("agent"))
    await call.transport.hangup()
    await call.finish()
    errors = [data for kind, data in call.recorder.events if kind == "error"]
    assert errors[0]["processor"].startswith("OpenAILLMService")
