"""The runner: live sessions, text sessions, drain on shutdown."""

from __future__ import annotations

import asyncio

import pytest

from oshara.providers.registry import ProviderSettings, create_llm
from oshara.voice.agent import AgentServices
from oshara.voice.loopback import LoopbackTransport
from oshara.voice.pipeline import VoiceOptions
from oshara.voice.runner import SHUTDOWN_WORDS, RunnerClosed, RunnerFull, VoiceRunner
from oshara.voice.spec import InMemoryRecorder, SessionSpec
from oshara.voice.text import SessionClosed

from .fakes import FakeSTTService, FakeTTSService
from .scripted_llm import ScriptedLLM


def _spec(session_id: str, mode: str = "voice") -> SessionSpec:
    return SessionSpec(
        session_id=session_id,
        character_slug="ava",
        character_name="Ava",
        system_prompt="You are Ava, helping {{user_name}}.",
        greeting="Hi!",
        llm_model="gpt-4o-mini",
        metadata={"user_name": "Bob"},
        mode=mode,  # type: ignore[arg-type]
    )


async def test_shutdown_drains_live_calls(scripted_settings: ProviderSettings) -> None:
    runner = VoiceRunner(
        provider_settings=scripted_settings,
        options=VoiceOptions(enable_rtvi=False),
        max_sessions=2,
    )
    calls = []
    for i in range(2):
        spec = _spec(f"sess_{i}")
        tts = FakeTTSService()
        services = AgentServices(
            llm=create_llm(spec.llm_model, scripted_settings), stt=FakeSTTService([]), tts=tts
        )
        transport = LoopbackTransport()
        recorder = InMemoryRecorder()
        await runner.start_voice(spec, recorder, transport, services=services)
        calls.append((transport, recorder, tts))
    with pytest.raises(RunnerFull):
        await runner.start_voice(_spec("sess_x"), InMemoryRecorder(), LoopbackTransport())
    await asyncio.sleep(0.3)
    for transport, _, _ in calls:
        await transport.connect()
    await asyncio.sleep(0.5)
    await runner.shutdown(drain=10)
    assert not runner.sessions
    for _, recorder, tts in calls:
        assert recorder.end_reason == "server_shutdown" and recorder.status == "ended"
        assert tts.spoken[-1] == SHUTDOWN_WORDS
        assert recorder.texts("agent")[0] == "Hi!"
    with pytest.raises(RunnerClosed):
        await runner.start_text(_spec("sess_late", "text"), InMemoryRecorder())


async def test_text_sessions_through_runner(
    scripted_llm: ScriptedLLM, scripted_settings: ProviderSettings
) -> None:
    scripted_llm.reply("Hello Bob!").tool_call("end_call", {}, text="Bye Bob.")
    runner = VoiceRunner(provider_settings=scripted_settings)
    recorder = InMemoryRecorder()
    await runner.start_text(_spec("sess_t", "text"), recorder)
    assert recorder.status == "active"
    first = await runner.send_text("sess_t", "hi")
    assert first == {"reply": "Hello Bob!", "tool_calls": [], "ended": False}
    second = await runner.send_text("sess_t", "bye")
    assert second["reply"] == "Bye Bob." and second["ended"]
    assert second["tool_calls"][0]["name"] == "end_call"
    assert "sess_t" not in runner.sessions
    assert recorder.end_reason == "end_call"
    assert [t.role for t in recorder.turns] == ["agent", "user", "agent", "user", "agent"]
    # the text-mode prompt carries the metadata but not the voice style
    system = scripted_llm.requests[0]["messages"][0]["content"]
    assert 'helping "Bob"' in system and "voice call" not in system  # quoted: untrusted
    with pytest.raises(KeyError):
        await runner.send_text("sess_t", "again")


async def test_text_session_closed_and_empty_input(scripted_settings: ProviderSettings) -> None:
    runner = VoiceRunner(provider_settings=scripted_settings)
    session = await runner.start_text(_spec("sess_c", "text"), InMemoryRecorder())
    with pytest.raises(ValueError):
        await session.send("   ")
    assert await runner.end("sess_c")
    with pytest.raises(SessionClosed):
        await session.send("hello")
    assert not await runner.end("sess_c")


async def test_chat_repl(scripted_llm: ScriptedLLM, scripted_settings: ProviderSettings) -> None:
    from oshara.voice.cli import chat_repl

    scripted_llm.reply("Hello Bob!").tool_call("end_call", {}, text="Bye.")
    lines = iter(["hi", "", "bye", "never read"])
    out: list[str] = []
    recorder = InMemoryRecorder()
    reason = await chat_repl(
        _spec("sess_chat", "text"),
        recorder,
        settings=scripted_settings,
        read=lambda _prompt: next(lines),
        write=out.append,
    )
    assert reason == "end_call"
    assert out == ["Ava: Hi!", "Ava: Hello Bob!", "  [tool end_call]", "Ava: Bye."]
    assert recorder.end_reason == "end_call"
