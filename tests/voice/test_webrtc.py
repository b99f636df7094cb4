"""SmallWebRTC signaling with a real aiortc peer on 127.0.0.1: offer/answer, trickle ICE,
the greeting heard by the peer, a spoken turn answered, hang-up ending the session."""

from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from av import AudioFrame

from oshara.providers.registry import ProviderSettings
from oshara.voice.pipeline import VoiceOptions
from oshara.voice.runner import VoiceRunner
from oshara.voice.spec import InMemoryRecorder, SessionSpec
from oshara.voice.webrtc import SignalingError, WebRTCSignaling

from .scripted_llm import ScriptedLLM
from .speech import rms, wait_until

RATE = 16000
SAMPLES = RATE // 50  # 20 ms


class MicTrack(MediaStreamTrack):
    """A microphone that plays queued PCM in real time, silence otherwise."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.pending = bytearray()
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._pts / RATE
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        chunk = bytes(self.pending[: SAMPLES * 2]).ljust(SAMPLES * 2, b"\x00")
        del self.pending[: SAMPLES * 2]
        frame = AudioFrame.from_ndarray(
            np.frombuffer(chunk, dtype=np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, RATE)
        self._pts += SAMPLES
        return frame


class Peer:
    def __init__(self) -> None:
        self.pc = RTCPeerConnection()
        self.mic = MicTrack()
        self.pc.addTrack(self.mic)
        self.pc.createDataChannel("chat")
        self.heard: list[tuple[float, float]] = []  # (time, rms)
        self._readers: list[asyncio.Task[None]] = []

        @self.pc.on("track")
        def on_track(track: Any) -> None:
            if track.kind == "audio":
                self._readers.append(asyncio.ensure_future(self._read(track)))

    async def _read(self, track: Any) -> None:
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            pcm = frame.to_ndarray().astype(np.int16).tobytes()
            self.heard.append((time.time(), rms(pcm)))

    async def offer(self) -> dict[str, Any]:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        desc = self.pc.localDescription
        return {"sdp": desc.sdp, "type": desc.type, "pc_id": None, "restart_pc": False}

    async def accept(self, answer: dict[str, str]) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))

    def loud_since(self, t: float, level: float = 300.0) -> bool:
        return any(at >= t and value >= level for at, value in self.heard)

    async def close(self) -> None:
        await self.pc.close()
        for task in self._readers:
            task.cancel()


async def _until(predicate: Callable[[], bool], limit: float = 15.0) -> None:
    await wait_until(predicate, limit)


@pytest.fixture
def local_speech_models() -> None:
    from oshara.voice.models import is_installed

    if not (is_installed("whisper-tiny.en") and is_installed("piper-joe")):
        pytest.skip("local speech models not installed")


def _spec(session_id: str = "sess_rtc") -> SessionSpec:
    return SessionSpec(
        session_id=session_id,
        character_slug="ava",
        character_name="Ava",
        system_prompt="You are Ava.",
        greeting="Hello, this is Ava. How can I help you today?",
        llm_model="gpt-4o-mini",
    )


async def test_call_over_smallwebrtc(
    scripted_llm: ScriptedLLM,
    scripted_settings: ProviderSettings,
    speech: Callable[[str], bytes],
    local_speech_models: None,
) -> None:
    scripted_llm.reply("The weather is sunny and warm.")
    runner = VoiceRunner(provider_settings=scripted_settings, options=VoiceOptions())
    signaling = WebRTCSignaling(runner)
    recorder = InMemoryRecorder()
    peer = Peer()
    try:
        t0 = time.time()
        answer = await signaling.start_call(_spec(), recorder, await peer.offer())
        assert answer["type"] == "answer" and answer["pc_id"] and "m=audio" in answer["sdp"]
        assert signaling.session_for_pc(answer["pc_id"]) == "sess_rtc"
        await peer.accept(answer)
        # trickle ICE: an end-of-candidates marker is accepted for our pc only
        end_marker = {"candidate": "", "sdp_mid": "0", "sdp_mline_index": 0}
        await signaling.patch("sess_rtc", {"pc_id": answer["pc_id"], "candidates": [end_marker]})
        with pytest.raises(SignalingError) as err:
            await signaling.patch("sess_other", {"pc_id": answer["pc_id"], "candidates": []})
        assert err.value.status == 404

        await _until(lambda: recorder.status == "active")
        await _until(lambda: peer.loud_since(t0))  # the greeting reached the peer
        await _until(lambda: recorder.texts("agent") == [_spec().greeting])

        peer.mic.pending += speech("What is the weather like today?")
        await _until(lambda: "The weather is sunny and warm." in recorder.texts("agent"), 20)
        user = recorder.texts("user")
        assert len(user) == 1 and "weather" in user[0].lower()
        agent = [t for t in recorder.turns if t.role == "agent"][-1]
        assert agent.latency_ms is not None and agent.latency_ms < 3000
    finally:
        await peer.close()
    await _until(lambda: recorder.end_reason is not None, 15)
    assert recorder.end_reason == "client_hangup"
    assert not runner.sessions
    await signaling.close()


async def test_signaling_rejects_bad_input(scripted_settings: ProviderSettings) -> None:
    signaling = WebRTCSignaling(VoiceRunner(provider_settings=scripted_settings))

    async def never(_connection: Any) -> None:
        raise AssertionError("no connection expected")

    bad = [
        ([], 400),
        ({"type": "offer"}, 400),
        ({"sdp": "v=0", "type": "answer"}, 400),
        ({"sdp": "v=0\r\n" + "x" * 70_000, "type": "offer"}, 413),
        ({"sdp": "v=0", "type": "offer", "pc_id": 5}, 400),
    ]
    for body, status in bad:
        with pytest.raises(SignalingError) as err:
            await signaling.offer("s", body, never)
        assert err.value.status == status
    with pytest.raises(SignalingError) as err:
        await signaling.offer("s", {"sdp": "v=0\r\ngarbage", "type": "offer"}, never)
    assert err.value.status == 400
    for body in ({"pc_id": "nope", "candidates": []}, {"pc_id": "x", "candidates": "no"}):
        with pytest.raises(SignalingError) as err:
            await signaling.patch("s", body)
        assert err.value.status in (400, 404)
    await signaling.close()
