"""Transcript recording on Pipecat's aggregators, driven with ``run_test``."""

from __future__ import annotations

from pipecat.frames.frames import (
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    TTSTextFrame,
)
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
from pipecat.tests.utils import SleepFrame, run_test
from pipecat.utils.text.base_text_aggregator import TextType

from oshara.voice.recording import TranscriptRecording, percentile, summarize
from oshara.voice.spec import InMemoryRecorder


def _pair(recorder: InMemoryRecorder) -> tuple[LLMContextAggregatorPair, TranscriptRecording]:
    pair = LLMContextAggregatorPair(LLMContext())
    recording = TranscriptRecording(recorder)
    recording.attach(pair.user(), pair.assistant())
    return pair, recording


def _tts(text: str) -> TTSTextFrame:
    return TTSTextFrame(text, text_type=TextType.SENTENCE)


async def test_agent_turn_recorded_when_response_ends() -> None:
    recorder = InMemoryRecorder()
    pair, recording = _pair(recorder)
    await run_test(
        pair.assistant(),
        frames_to_send=[
            LLMFullResponseStartFrame(),
            _tts("Hello there."),
            _tts("How can I help?"),
            LLMFullResponseEndFrame(),
            SleepFrame(0.1),
        ],
    )
    await recording.queue.flush()
    assert [(t.role, t.text, t.interrupted) for t in recorder.turns] == [
        ("agent", "Hello there. How can I help?", False)
    ]


async def test_interrupted_agent_turn_holds_only_what_was_spoken() -> None:
    recorder = InMemoryRecorder()
    pair, recording = _pair(recorder)
    await run_test(
        pair.assistant(),
        frames_to_send=[
            LLMFullResponseStartFrame(),
            _tts("First sentence was played."),
            SleepFrame(0.1),
            InterruptionFrame(),
            SleepFrame(0.1),
        ],
    )
    await recording.queue.flush()
    assert len(recorder.turns) == 1
    turn = recorder.turns[0]
    assert turn.role == "agent" and turn.interrupted
    assert turn.text == "First sentence was played."


def test_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.5
    assert round(percentile(values, 95), 2) == 95.05
    assert summarize([])["count"] == 0
    assert summarize([3.0])["p95"] == 3.0


async def _greeting_turns(frames: list[object], greeting: str) -> list[tuple[str, str, bool]]:
    recorder = InMemoryRecorder()
    pair, recording = _pair(recorder)
    recording.expect_greeting(greeting)
    await run_test(pair.assistant(), frames_to_send=frames)  # type: ignore[arg-type]
    await recording.queue.flush()
    return [(t.role, t.text, t.interrupted) for t in recorder.turns]


async def test_greeting_cut_before_its_text_arrived_is_recorded_whole() -> None:
    """The greeting's one sentence reaches the aggregator only after its audio: cut midway,
    the turn used to be recorded as ""."""
    greeting = "Hello, I am Ava, how can I help you today?"
    turns = await _greeting_turns(
        [LLMFullResponseStartFrame(), SleepFrame(0.1), InterruptionFrame(), SleepFrame(0.1)],
        greeting,
    )
    assert turns == [("agent", greeting, True)]


async def test_greeting_cut_in_its_second_sentence_is_recorded_whole() -> None:
    greeting = "Hello, I am Ava. Ask me about orders, returns and invoices."
    turns = await _greeting_turns(
        [
            LLMFullResponseStartFrame(),
            _tts("Hello, I am Ava."),
            SleepFrame(0.1),
            InterruptionFrame(),
            SleepFrame(0.1),
        ],
        greeting,
    )
    assert turns == [("agent", greeting, True)]


async def test_greeting_played_in_full_and_later_turns_are_unchanged() -> None:
    greeting = "Hello there."
    turns = await _greeting_turns(
        [
            LLMFullResponseStartFrame(),
            _tts(greeting),
            LLMFullResponseEndFrame(),
            SleepFrame(0.1),
            LLMFullResponseStartFrame(),  # a reply cut before any of it played
            SleepFrame(0.1),
            InterruptionFrame(),
            SleepFrame(0.1),
        ],
        greeting,
    )
    assert turns == [("agent", greeting, False), ("agent", "", True)]
