"""Every way a session ends releases it: gone from the runner, its tools closed, its end
recorded with the reason (timer, idle, end_call, owner, error, shutdown, failed start), and
the local LLM's saved KV caches of its conversation dropped."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pytest

from oshara.providers.registry import ProviderSettings
from oshara.voice.runner import RunnerFull, VoiceRunner
from oshara.voice.spec import InMemoryRecorder, SessionSpec
from oshara.voice.text import SessionClosed, TextSession

from .scripted_llm import ScriptedLLM


def _spec(session_id: str, **limits: float) -> SessionSpec:
    return SessionSpec(
        session_id=session_id,
        character_slug="ava",
        character_name="Ava",
        system_prompt="You are Ava.",
        greeting="Hi!",
        llm_model="gpt-4o-mini",
        limits=dict(limits),
        mode="text",
    )


async def _until(check: Callable[[], bool], within: float = 15.0) -> None:
    """Wait (generously) for ``check``; the assertion after it says what was expected."""
    for _ in range(int(within / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)


def _released(runner: VoiceRunner, session: TextSession, recorder: InMemoryRecorder) -> bool:
    return not runner.sessions and runner.load == 0 and recorder.end_reason is not None


def _assert_freed(runner: VoiceRunner, session: TextSession) -> None:
    assert runner.sessions == {} and runner.load == 0
    assert session.closed
    assert session.services.tools is not None and session.services.tools._closed
    assert session._task is not None and session._task.done()


async def test_timer_releases_the_session(scripted_settings: ProviderSettings) -> None:
    runner = VoiceRunner(provider_settings=scripted_settings)
    recorder = InMemoryRecorder()
    spec = _spec("sess_timer", max_session_seconds=0.4, idle_timeout_seconds=60)
    session = await runner.start_text(spec, recorder)
    await _until(lambda: _released(runner, session, recorder))
    _assert_freed(runner, session)
    assert (recorder.status, recorder.end_reason) == ("ended", "max_duration")


async def test_idle_text_session_ends_with_reason_idle(
    scripted_settings: ProviderSettings,
) -> None:
    runner = VoiceRunner(provider_settings=scripted_settings)
    recorder = InMemoryRecorder()
    spec = _spec("sess_idle", max_session_seconds=600, idle_timeout_seconds=1.0)
    session = await runner.start_text(spec, recorder)
    # Messages keep it alive past its idle timeout...
    for _ in range(4):
        await asyncio.sleep(0.4)
        assert (await runner.send_text("sess_idle", "still here"))["reply"]
    assert "sess_idle" in runner.sessions and recorder.end_reason is None
    # ...silence ends it.
    await _until(lambda: _released(runner, session, recorder))
    _assert_freed(runner, session)
    assert (recorder.status, recorder.end_reason) == ("ended", "idle")
    with pytest.raises(KeyError):
        await runner.send_text("sess_idle", "hello?")


async def test_end_call_releases_the_session(
    scripted_llm: ScriptedLLM, scripted_settings: ProviderSettings
) -> None:
    scripted_llm.tool_call("end_call", {}, text="Bye.")
    runner = VoiceRunner(provider_settings=scripted_settings)
    recorder = InMemoryRecorder()
    session = await runner.start_text(_spec("sess_bye"), recorder)
    out = await runner.send_text("sess_bye", "bye")
    assert out["ended"]
    _assert_freed(runner, session)
    assert recorder.end_reason == "end_call"


async def test_owner_end_releases_the_session(scripted_settings: ProviderSettings) -> None:
    runner = VoiceRunner(provider_settings=scripted_settings)
    recorder = InMemoryRecorder()
    session = await runner.start_text(_spec("sess_owner"), recorder)
    assert await runner.end("sess_owner", "ended_by_owner")
    _assert_freed(runner, session)
    assert recorder.end_reason == "ended_by_owner"


async def test_shutdown_releases_text_sessions(scripted_settings: ProviderSettings) -> None:
    runner = VoiceRunner(provider_settings=scripted_settings)
    recorders = [InMemoryRecorder() for _ in range(3)]
    sessions = [
        await runner.start_text(_spec(f"sess_sd{i}"), rec) for i, rec in enumerate(recorders)
    ]
    await runner.shutdown(drain=5)
    for session in sessions:
        _assert_freed(runner, session)
    assert {r.end_reason for r in recorders} == {"server_shutdown"}


async def test_pipeline_error_releases_the_session_as_failed(
    scripted_settings: ProviderSettings,
) -> None:
    runner = VoiceRunner(provider_settings=scripted_settings)
    recorder = InMemoryRecorder()
    session = await runner.start_text(_spec("sess_err"), recorder)
    assert session._task is not None
    session._task.cancel()  # the pipeline dies under the session
    await _until(lambda: _released(runner, session, recorder))
    _assert_freed(runner, session)
    assert (recorder.status, recorder.end_reason) == ("failed", "error")


async def test_close_during_a_turn_answers_at_once(
    scripted_llm: ScriptedLLM, scripted_settings: ProviderSettings
) -> None:
    # A turn that outlasts the wait below (the scripted server's teardown waits it out, so
    # not longer than needed: 30 s here cost the test run 30 s).
    scripted_llm.first_token_delay = 8.0
    runner = VoiceRunner(provider_settings=scripted_settings)
    recorder = InMemoryRecorder()
    session = await runner.start_text(_spec("sess_mid"), recorder)
    turn = asyncio.create_task(runner.send_text("sess_mid", "hi"))
    await asyncio.sleep(0.3)
    assert await runner.end("sess_mid", "ended_by_owner")
    with pytest.raises(SessionClosed):
        await asyncio.wait_for(turn, timeout=3)
    _assert_freed(runner, session)


async def test_failed_start_gives_the_slot_back(scripted_settings: ProviderSettings) -> None:
    runner = VoiceRunner(provider_settings=scripted_settings, max_sessions=1)
    recorder = InMemoryRecorder()
    bad = _spec("sess_bad")
    bad.llm_model = "no-such-provider:x"
    with pytest.raises(Exception):  # noqa: B017 - whichever provider error it is
        await runner.start_text(bad, recorder)
    assert runner.sessions == {} and runner.load == 0
    session = await runner.start_text(_spec("sess_ok"), InMemoryRecorder())
    with pytest.raises(RunnerFull):
        await runner.start_text(_spec("sess_2"), InMemoryRecorder())
    await session.close()
    assert runner.load == 0


def test_local_llm_forgets_a_finished_conversation() -> None:
    from oshara.providers.llm.local import SharedLlama

    model = SharedLlama.__new__(SharedLlama)
    model.lock = threading.Lock()
    model._saved = OrderedDict()
    prefill = list(range(100))  # system prompt, tools, greeting: shared by the character
    mine = [*prefill, *range(1000, 1080)]  # this session's last prompt
    theirs = [*prefill, *range(2000, 2080)]
    for key in (prefill, mine[:150], [*mine, 7, 8, 9], theirs):
        model._saved[tuple(key)] = (object(), len(key))

    def tokens(messages: list[dict[str, Any]], _tools: Any) -> tuple[list[int], list[str]]:
        return (prefill if messages[0]["content"] == "prefill" else mine), []

    model.prompt_tokens = tokens  # type: ignore[method-assign]
    gone = model.forget_conversation(([{"content": "turn"}], []), ([{"content": "prefill"}], []))
    assert gone == 2  # its earlier state and the state after its last reply
    assert set(model._saved) == {tuple(prefill), tuple(theirs)}
