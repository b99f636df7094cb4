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
