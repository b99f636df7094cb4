"""Per-turn voice latency of the runtime, split by stage, p50/p95.

Drives a real VoiceSession over the in-process loopback transport: questions are spoken with
Piper at test time and played in at real-time pace, Silero VAD and the configured STT/LLM/TTS do
the rest. Each turn waits for the agent to finish before the next question.

    python bench/voice_latency.py                    # fully local: whisper, qwen2.5-0.5b, piper
    python bench/voice_latency.py --llm scripted     # instant scripted LLM: the speech stack alone
    python bench/voice_latency.py --turn smart-turn  # Smart Turn v3 instead of fixed silence
    python bench/voice_latency.py --turns 30 --llm local:qwen2.5-1.5b

Latency is "user stopped speaking → first agent audio", as Pipecat's UserBotLatencyObserver
measures it (VAD stop minus its stop_secs → bot started speaking), split into VAD wait, STT,
turn-end wait, LLM first token, sentence aggregation and TTS first audio. ``heard`` is an
independent check: end of the played question → first non-silent agent audio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

QUESTIONS = [
    "What time do you open tomorrow?",
    "Can I book a table for two people?",
    "Do you have any vegetarian dishes?",
    "How much does the large pizza cost?",
    "Where are you located?",
    "Is there parking near the restaurant?",
    "Can I pay with a credit card?",
    "Do you deliver to my area?",
    "What is the soup of the day?",
    "How long does delivery usually take?",
    "Are dogs allowed on the terrace?",
    "Can I change my reservation to Friday?",
    "Do you have gluten free bread?",
    "What desserts do you recommend?",
    "Is the kitchen open late on Sunday?",
    "Can you tell me about your wine list?",
    "Do you offer a lunch menu?",
    "How do I cancel my order?",
    "Is there a discount for students?",
    "Can I bring my own birthday cake?",
    "Do you have high chairs for children?",
    "What is your phone number?",
    "Thank you, that is all for now.",
    "Can you repeat the opening hours?",
]

PARTS = [
    ("vad", "VAD wait (silence before Silero's stop)"),
    ("stt", "STT (VAD stop → transcript)"),
    ("turn", "turn-end wait (after transcript)"),
    ("llm", "LLM first token"),
    ("sentence", "first sentence aggregated"),
    ("tts", "TTS first audio"),
    ("transport", "output transport"),
    ("other", "pipeline (frame hops)"),
]


def pct(values: list[float], q: float) -> float:
    from oshara.voice.recording import percentile

    return percentile(values, q)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="ERROR")

    from tests.voice.scripted_llm import ScriptedLLM
    from tests.voice.speech import piper_pcm16k

    from oshara.providers.registry import ProviderSettings
    from oshara.voice.loopback import LoopbackTransport
    from oshara.voice.pipeline import VoiceOptions
    from oshara.voice.runner import VoiceRunner
    from oshara.voice.spec import InMemoryRecorder, SessionSpec

    scripted: ScriptedLLM | None = None
    settings = ProviderSettings.from_env()
    settings.llm_max_tokens = args.max_tokens
    llm_model = args.llm
    if args.llm == "scripted":
        scripted = await ScriptedLLM(
            default_reply="Sure, I can help with that. Is there anything else?"
        ).start()
        settings.openai_base_url, settings.openai_api_key = scripted.base_url, "bench"
        llm_model = "openai-compatible:scripted"

    spec = SessionSpec(
        session_id="sess_bench",
        character_slug="bench",
        character_name="Mia",
        system_prompt="You are Mia, the friendly host of a small Italian restaurant.",
        greeting="Hello, this is Mia from the restaurant. How can I help?",
        llm_model=llm_model,
        stt_model=args.stt,
        tts_model=args.tts,
        limits={"max_session_seconds": 3600, "idle_timeout_seconds": 600},
    )
    options = VoiceOptions(
        turn_detection=args.turn,
        user_speech_timeout=args.speech_timeout,
        enable_rtvi=False,
    )
    runner = VoiceRunner(provider_settings=settings, options=options)
    recorder = InMemoryRecorder()
    transport = LoopbackTransport()
    print(f"loading models (llm={llm_model}, stt={args.stt}, tts={args.tts}) …", flush=True)
    t_load = time.perf_counter()
    session = await runner.start_voice(spec, recorder, transport)
    speech = [piper_pcm16k(q) for q in QUESTIONS]
    await asyncio.sleep(0.5)
    await transport.connect()
    print(f"ready in {time.perf_counter() - t_load:.1f} s; greeting …", flush=True)

    async def agent_done(count: int, limit: float = 60.0) -> None:
        deadline = time.monotonic() + limit
        while sum(1 for t in recorder.turns if t.role == "agent") < count:
            if time.monotonic() > deadline:
                raise TimeoutError("agent did not answer")
            await asyncio.sleep(0.05)

    await agent_done(1)
    heard: list[float] = []
    for i in range(args.turns):
        await asyncio.sleep(0.8)
        transport.say(speech[i % len(speech)])
        said = await transport.wait_said()
        await agent_done(i + 2)
        first = transport.first_audio_after(said)
        if first is not None:
            heard.append((first - said) * 1000.0)
        done = len(session.recording.turn_metrics)
        last = session.recording.turn_metrics[-1]["latency_ms"] if done else "?"
        print(f"  turn {i + 1:2d}: {last} ms", flush=True)
    await session.end_politely("bench_done")
    await asyncio.wait_for(session.wait(), 30)
    if scripted is not None:
        await scripted.stop()
    return {"metrics": recorder.metrics, "heard": heard, "turns": recorder.turns}


def row(label: str, values: list[float]) -> None:
    print(f"{label:<42} {pct(values, 50):8.0f} {pct(values, 95):8.0f}")


def report(result: dict[str, Any], args: argparse.Namespace) -> None:
    turns = result["metrics"]["turns"]
    print()
    print(
        f"{len(turns)} measured turns · turn end: {args.turn}"
        f" ({args.speech_timeout}s) · llm: {args.llm} · stt: {args.stt} · tts: {args.tts}"
        f" · {os.cpu_count()} CPU cores"
    )
    print(f"{'stage':<42} {'p50 ms':>8} {'p95 ms':>8}")
    for key, label in PARTS:
        values = [t["parts_ms"].get(key, 0.0) for t in turns]
        if any(values):
            row(label, values)
    row("TOTAL user stopped → first agent audio", [t["latency_ms"] for t in turns])
    if result["heard"]:
        row("(check) end of question → audible reply", result["heard"])
    print()
    print("service time-to-first-byte (Pipecat metrics):")
    for role, stats in result["metrics"]["ttfb_ms"].items():
        p50, p95, n = stats["p50"], stats["p95"], stats["count"]
        print(f"  {role:<5} p50 {p50:7.0f} ms   p95 {p95:7.0f} ms   n={n}")
    print(f"greeting: first audio {result['metrics']['greeting_latency_ms']} ms after connect")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--llm", default="local:qwen2.5-0.5b", help="provider string or 'scripted'")
    parser.add_argument("--stt", default="local:whisper-tiny.en")
    parser.add_argument("--tts", default="local:piper")
    parser.add_argument("--turn", choices=["timeout", "smart-turn"], default="timeout")
    parser.add_argument("--speech-timeout", type=float, default=0.3)
    parser.add_argument("--max-tokens", type=int, default=80)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    report(result, args)


if __name__ == "__main__":
    main()
