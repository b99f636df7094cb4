"""End-to-end fixtures: the real ``oshara serve`` process, a scripted LLM, Piper speech, Chromium.

- ``scripted_llm``: the OpenAI-compatible scripted LLM (``tests/voice/scripted_llm.py``) on
  127.0.0.1, in a thread of its own; unscripted requests get ``SCRIPTED_REPLY``. ``llm`` is
  the same server for a test that scripts it (its script emptied before and after).
- ``server``: ``oshara serve --demo`` as a subprocess on a free port (fresh data dir and
  SQLite file, real migrations, the in-process agent, the demo account and character), with
  ``OSHARA_OPENAI_BASE_URL`` pointing at the scripted LLM and the installed models
  (``OSHARA_MODELS_DIR``, else the repo's ``data/models`` where ``scripts/install`` puts them;
  whole-file models resolve from their packages). An owner account and the characters of
  ``CHARACTERS`` are created over the API. ``OSHARA_EGRESS_ALLOW`` admits exactly the
  ``ticket_desk`` (``tests/e2e/tickets.py``), the support desk's HTTP tool server.
  ``Server.warm_up(slug)`` makes a short aiortc call so a character's models are loaded
  before the browser calls. One server per package run.
- ``question_wav``: the visitor's question spoken by Piper at test time, as the WAV file the
  fake microphone plays.

Needs Node.js with ``npm ci`` done in ``web/``, Debian's ``chromium`` and the local models
``whisper-tiny.en``, ``piper-joe`` and ``smollm2-135m`` (``scripts/install`` installs them).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from oshara.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.tickets import TicketDesk, running
from tests.voice.scripted_llm import ScriptedLLM
from tests.web.browser import REPO, WEB
from tests.web.conftest import web_build  # noqa: F401  (rebuilds widget.js when stale)

SCREENSHOTS = REPO / "artifacts" / "screenshots"
PROBE = WEB / "tests-browser" / "call-probe.js"
PASSWORD = "correct horse battery"
QUESTION = "What are your opening hours?"
SCRIPTED_REPLY = "We are open from nine to five, Monday to Friday."
GREETING = "Hi! I'm Ada from Acme. How can I help?"
FAKE_MIC_RATE = 48_000
LEAD_SILENCE_S = 8.0  # the greeting plays first; the visitor asks after it
TAIL_SILENCE_S = 1.0

#: slug → llm_model of the characters the tests call.
CHARACTERS = {
    "e2e-scripted": "openai-compatible:scripted-model",
    "e2e-smollm": "local:smollm2-135m",
    "e2e-qwen": "local:qwen2.5-0.5b",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: end to end: the real server, models and a headless Chromium"
    )


def models_dir() -> Path:
    explicit = os.environ.get("OSHARA_MODELS_DIR")
    return Path(explicit).expanduser() if explicit else REPO / "data" / "models"


def require_models(*names: str) -> None:
    from oshara.voice.models import is_installed

    missing = [n for n in names if not is_installed(n, models_dir())]
    if missing:
        pytest.skip(f"models not installed: {' '.join(missing)} (oshara models install …)")


# ----------------------------------------------------------------------------- scripted LLM


class BackgroundLLM:
    """``ScriptedLLM`` served from its own event loop thread, for a server in another process."""

    def __init__(self, server: ScriptedLLM) -> None:
        self.server = server
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="scripted-llm")

    def __enter__(self) -> ScriptedLLM:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@pytest.fixture(scope="package")
def scripted_llm() -> Iterator[ScriptedLLM]:
    with BackgroundLLM(ScriptedLLM(default_reply=SCRIPTED_REPLY)) as llm:
        yield llm


@pytest.fixture
def llm(scripted_llm: ScriptedLLM) -> Iterator[ScriptedLLM]:
    """The package's scripted LLM with an empty script, left empty for the next test."""
    scripted_llm.script.clear()
    yield scripted_llm
    scripted_llm.script.clear()


@pytest.fixture(scope="package")
def ticket_desk() -> Iterator[TicketDesk]:
    """The support desk's ticket endpoint (an ``http`` tool's URL), in a thread of its own."""
    with running(TicketDesk()) as desk:
        yield desk


# ----------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    owner_headers: dict[str, str]
    log_path: Path
    demo_headers: dict[str, str] = field(default_factory=dict)

    def as_demo_owner(self) -> Server:
        """The same server seen by the demo account (``oshara serve --demo``)."""
        return replace(self, owner_headers=self.demo_headers)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers=self.owner_headers, timeout=10, **kwargs)

    def session(self, session_id: str) -> dict[str, Any]:
        r = self.get(f"/api/sessions/{session_id}/")
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()
        return data

    def session_ids(self, agent: str) -> set[str]:
        r = self.get("/api/sessions/", params={"agent": agent})
        assert r.status_code == 200, r.text
        return {s["id"] for s in r.json()}

    def wait_session(
        self, session_id: str, predicate: Any, timeout: float = 15.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            data = self.session(session_id)
            if predicate(data):
                return data
            if time.monotonic() > deadline:
                raise AssertionError(f"session never reached the expected state: {data}")
            time.sleep(0.2)

    def warm_up(self, slug: str) -> None:
        """Make one short call from Python (aiortc) so the character's models are loaded.

        The first call of a process loads Whisper, Piper and a local LLM while the browser
        waits to connect; the fake microphone is already playing by then, so a cold start could
        push the question into the greeting. The warm-up session is hung up once connected."""
        asyncio.run(_warm_up(self.url, slug))

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


async def _warm_up(url: str, slug: str) -> None:
    from aiortc import RTCPeerConnection, RTCSessionDescription
    from aiortc.mediastreams import AudioStreamTrack

    async with httpx.AsyncClient(timeout=60) as client:
        # As the server's own /try page would (its origin may use any character).
        r = await client.post(
            f"{url}/api/agents/agent-session/", json={"agent": slug}, headers={"Origin": url}
        )
        assert r.status_code == 200, r.text
        grant = r.json()
        pc = RTCPeerConnection()
        connected = asyncio.Event()

        @pc.on("connectionstatechange")
        def _state() -> None:
            if pc.connectionState == "connected":
                connected.set()

        try:
            pc.addTrack(AudioStreamTrack())  # silence
            pc.createDataChannel("chat")
            await pc.setLocalDescription(await pc.createOffer())
            offer = {"sdp": pc.localDescription.sdp, "type": "offer", "pc_id": None}
            r = await client.post(
                grant["webrtc_url"],
                json=offer,
                headers={"Authorization": f"Bearer {grant['token']}"},
            )
            assert r.status_code == 200, r.text
            answer = r.json()
            await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
            await asyncio.wait_for(connected.wait(), 20)
        finally:
            await pc.close()


def _character(slug: str, llm_model: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": "Acme Assistant",
        "system_prompt": (
            "You are Ada, Acme's shop assistant. Acme is open from nine to five, Monday to "
            "Friday. Answer in one short sentence."
        ),
        "greeting": GREETING,
        "language": "en",
        "llm_model": llm_model,
        "allowed_origins": [],  # the server's own /try page may use any character
        "widget_appearance": {"name": "Ada", "theme": {"primary_color": "#0F766E"}},
    }


@pytest.fixture(scope="package")
def server(
    web_build: Path,  # noqa: F811
    scripted_llm: ScriptedLLM,
    ticket_desk: TicketDesk,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    require_models("whisper-tiny.en", "piper-joe")
    tmp = tmp_path_factory.mktemp("oshara-e2e")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "OSHARA_ENV": "test",
        "OSHARA_DATA_DIR": str(tmp),
        "OSHARA_SECRET_KEY": "e2e-secret-" + "x" * 40,
        "OSHARA_PUBLIC_URL": url,
        "OSHARA_MODELS_DIR": str(models_dir()),
        "OSHARA_OPENAI_BASE_URL": scripted_llm.base_url,
        "OSHARA_OPENAI_API_KEY": "test-key",
        "OSHARA_LOG_LEVEL": os.environ.get("OSHARA_E2E_LOG_LEVEL", "INFO"),
        "OSHARA_EGRESS_ALLOW": ticket_desk.allow,  # that address and port only
    }
    env.pop("OSHARA_DATABASE_URL", None)
    log_path = tmp / "server.log"
    code = "import sys; from oshara.cli import main; sys.exit(main())"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            # --demo: the demo account and character, as `scripts/start` serves them.
            [
                sys.executable,
                "-c",
                code,
                "serve",
                "--demo",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=tmp,  # no developer .env is read
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/health/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"oshara serve did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        r = httpx.post(
            f"{url}/api/auth/register/",
            json={"email": "owner@acme.test", "password": PASSWORD},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        headers = {"Authorization": f"Bearer {r.json()['access']}"}
        for slug, model in CHARACTERS.items():
            r = httpx.post(
                f"{url}/api/ai-characters/",
                json=_character(slug, model),
                headers=headers,
                timeout=10,
            )
            assert r.status_code == 201, r.text
        r = httpx.post(
            f"{url}/api/auth/login/",
            json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        demo_headers = {"Authorization": f"Bearer {r.json()['access']}"}
        yield Server(url=url, owner_headers=headers, log_path=log_path, demo_headers=demo_headers)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ----------------------------------------------------------------------------- speech


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype(np.int16).tobytes())
    return path


@pytest.fixture(scope="package")
def question_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The question spoken by Piper, padded with silence, at the fake microphone's rate."""
    require_models("piper-joe")
    import soxr

    from tests.voice.speech import piper_pcm16k

    speech = np.frombuffer(piper_pcm16k(QUESTION), dtype=np.int16)
    speech = np.asarray(soxr.resample(speech, 16_000, FAKE_MIC_RATE)).astype(np.int16)
    lead = np.zeros(int(LEAD_SILENCE_S * FAKE_MIC_RATE), dtype=np.int16)
    tail = np.zeros(int(TAIL_SILENCE_S * FAKE_MIC_RATE), dtype=np.int16)
    path = tmp_path_factory.mktemp("speech") / "question.wav"
    return write_wav(path, np.concatenate([lead, speech, tail]), FAKE_MIC_RATE)


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
