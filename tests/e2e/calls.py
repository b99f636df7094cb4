"""Driving one real voice call through the widget on ``/try/{slug}`` and measuring it.

The fake microphone plays a WAV file (Chromium's ``--use-file-for-fake-audio-capture``);
``web/tests-browser/call-probe.js`` watches the page's peer connection from outside the widget:
RTVI messages on the data channel, and the levels of the local (microphone) and remote (agent)
audio tracks through Web Audio.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from tests.e2e.conftest import PROBE, Server
from tests.web.browser import REPO, Browser

START = ".controls .btn.primary"
END = ".controls .btn.danger"
METRICS_DIR = REPO / "artifacts" / "e2e"

# Recorded in the page from the widget's public API (window.Oshara.on), with page times.
RECORD_CAPTIONS = """
  const rec = (window.__captions = window.__captions || []);
  if (!window.__captionsHooked) {
    window.__captionsHooked = true;
    window.Oshara.on("caption", (c) => rec.push({ ...c, t: performance.now() }));
    window.Oshara.on("state", (s) => rec.push({ state: s, t: performance.now() }));
    // The panel's status line ("Listening…", "Speaking…") follows RTVI speaking events.
    const host = document.querySelector("[data-oshara-widget]");
    const status = host.shadowRoot.querySelector(".status");
    new MutationObserver(() => rec.push({ status: status.textContent, t: performance.now() }))
      .observe(status, { subtree: true, childList: true, characterData: true });
  }
  return true;
"""


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split())


def sounds_like(heard: str, said: str) -> bool:
    """A loose match for speech recognised by Whisper tiny."""
    a, b = normalise(heard), normalise(said)
    return bool(a) and (a == b or SequenceMatcher(None, a, b).ratio() >= 0.75)


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


@dataclass
class CallRun:
    """What one call left behind: page-side observations and the server's session record."""

    session_id: str
    probe: dict[str, Any]
    captions: list[dict[str, Any]]
    responses: list[dict[str, Any]]
    record_live: dict[str, Any]
    record: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ page-side views

    def rtvi(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.probe["rtvi"] if m["type"] == kind]

    def final_captions(self, role: str) -> list[str]:
        """The last text of each caption line of ``role`` (lines are updated in place)."""
        lines: dict[str, str] = {}
        for c in self.captions:
            if c.get("role") == role:
                lines[c["id"]] = c["text"]
        return list(lines.values())

    def statuses(self) -> list[str]:
        return [c["status"] for c in self.captions if "status" in c]

    def remote_segments(self) -> list[dict[str, float]]:
        return [s for track in self.probe["remote"] for s in track["segments"]]

    def local_segments(self) -> list[dict[str, float]]:
        return [s for track in self.probe["local"] for s in track["segments"]]


def _probe(b: Browser) -> dict[str, Any]:
    data: dict[str, Any] = b.call(
        "eval",
        expr=(
            "const p = window.__osharaProbe;"
            "return JSON.parse(JSON.stringify({pcs: p.pcs, rtvi: p.rtvi, remote: p.remote,"
            " local: p.local, marks: p.marks, errors: p.errors}));"
        ),
    )
    return data


def _replied(b: Browser, whole: bool) -> bool:
    """After the visitor's (final) transcript, the agent spoke its whole reply (``whole``) or
    at least one complete sentence of it."""
    done = (
        "x.type === 'bot-stopped-speaking'"
        if whole
        else "(x.type === 'bot-stopped-speaking' || (x.type === 'bot-output' && x.data"
        " && x.data.spoken_status === 'completed'))"
    )
    result: bool = b.call(
        "eval",
        expr=(
            "const m = window.__osharaProbe.rtvi;"
            "const u = m.findIndex(x => x.type === 'user-transcription' && x.data && x.data.final);"
            "if (u < 0) return false;"
            "const started = m.findIndex((x, i) => i > u && x.type === 'bot-started-speaking');"
            f"return started > u && m.some((x, i) => i > started && {done});"
        ),
    )
    return result


def run_call(
    b: Browser,
    server: Server,
    slug: str,
    *,
    greeting: str,
    reply_timeout: float = 40.0,
    whole_reply: bool = True,
    screenshot: Path | None = None,
    until: Callable[[Browser], bool] | None = None,
) -> CallRun:
    """Open ``/try/{slug}``, start a call with the widget, wait for the greeting and for the
    agent to answer what the fake microphone says (its whole reply, or with ``whole_reply``
    false its first sentence: small local models can ramble), then hang up with the widget.
    ``until(b)`` replaces that wait's condition (e.g. a reply that follows a tool call)."""
    server.warm_up(slug)
    before = server.session_ids(slug)
    b.goto(f"{server.url}/try/{slug}?open=1")
    b.wait_text(".status", "Ready to talk", timeout=15_000)
    b.call("eval", expr=RECORD_CAPTIONS)
    b.call("eval", expr="window.__osharaProbe.mark('start'); return null;")
    b.click(START)
    # (a) the greeting's caption, from RTVI bot-output, while it is being spoken.
    b.wait_text(".captions .line.agent", greeting[:12], timeout=45_000)
    new = server.session_ids(slug) - before
    assert len(new) == 1, new
    session_id = new.pop()
    record_live = server.session(session_id)
    try:
        done = until or (lambda page: _replied(page, whole_reply))
        wait_until(lambda: done(b), reply_timeout, "the agent's spoken reply")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{_diagnose(b, server, session_id)}") from None
    time.sleep(0.3)  # the last caption and the recorder's queue
    if screenshot is not None:
        b.call("screenshot", path=str(screenshot), selector=".panel")
        b.call("screenshot", path=str(screenshot.with_name(screenshot.stem + "-page.png")))
    probe = _probe(b)
    captions: list[dict[str, Any]] = b.call("eval", expr="return window.__captions;")
    hung_up = time.time()
    b.click(END)
    b.wait_text(".status", "Call ended", timeout=10_000)
    run = CallRun(
        session_id=session_id,
        probe=probe,
        captions=captions,
        responses=b.call("responses"),
        record_live=record_live,
    )
    run.record = server.wait_session(session_id, lambda s: s["status"] in ("ended", "failed"))
    run.figures = figures(run)
    ended = datetime.fromisoformat(run.record["ended_at"].replace("Z", "+00:00")).timestamp()
    run.figures["hangup_to_session_ended_ms"] = round((ended - hung_up) * 1000)
    return run


def _diagnose(b: Browser, server: Server, session_id: str) -> str:
    """What the page and the server saw, for a failed wait."""
    probe = _probe(b)
    messages = [
        f"{m['t']:.0f} {m['type']} {json.dumps(m['data'])[:120]}"
        for m in probe["rtvi"]
        if m["type"] not in ("metrics", "bot-llm-text", "bot-tts-text")
    ]
    sounds = {
        kind: [(round(s["start"]), round(s["end"])) for t in probe[kind] for s in t["segments"]]
        for kind in ("local", "remote")
    }
    record = server.session(session_id)
    turns = [(t["role"], t["text"], t["interrupted"]) for t in record["transcript"]]
    return (
        "RTVI messages:\n  " + "\n  ".join(messages[-40:]) + f"\naudio segments: {sounds}"
        f"\nsession: {record['status']} {turns}\nserver log:\n{server.log_tail(30)}"
    )


def figures(run: CallRun) -> dict[str, Any]:
    """Timings seen by the page (ms), beside the server's own latency record."""
    p = run.probe
    out: dict[str, Any] = {}
    connected = next((pc["connected"] for pc in p["pcs"] if pc["connected"] is not None), None)
    remote = sorted(run.remote_segments(), key=lambda s: s["start"])
    local = sorted(run.local_segments(), key=lambda s: s["start"])
    start = p["marks"].get("start")
    if remote and start is not None:
        out["click_to_greeting_audio_ms"] = round(remote[0]["start"] - start)
    if remote and connected is not None:
        out["connect_to_greeting_audio_ms"] = round(remote[0]["start"] - connected)
    if start is not None and connected is not None:
        out["click_to_connected_ms"] = round(connected - start)
    if local:
        speech_end = local[-1]["end"]
        after = [s for s in remote if s["start"] > speech_end]
        if after:
            out["user_stop_to_agent_audio_ms"] = round(after[0]["start"] - speech_end)
        out["question_audio_ms"] = round(local[-1]["end"] - local[-1]["start"])
    stopped = [m["t"] for m in run.rtvi("user-stopped-speaking")]
    if stopped and remote:
        after = [s for s in remote if s["start"] > stopped[-1]]
        if after:
            out["rtvi_user_stopped_to_agent_audio_ms"] = round(after[0]["start"] - stopped[-1])
    # Data channel vs audio: RTVI bot-started-speaking (sent as the server starts sending the
    # audio) → that audio audible in the page; the rest of the path (Opus, RTP, jitter buffer).
    lags = []
    for m in run.rtvi("bot-started-speaking"):
        audible = [s for s in remote if s["start"] > m["t"] - 50]
        if audible:
            lags.append(round(audible[0]["start"] - m["t"]))
    out["rtvi_bot_started_to_audio_ms"] = lags
    agent_turns = [t for t in run.record.get("transcript", []) if t["role"] == "agent"]
    out["server_latency_ms"] = [t["latency_ms"] for t in agent_turns if t["latency_ms"] is not None]
    metrics = run.record.get("metrics") or {}
    out["server_greeting_latency_ms"] = metrics.get("greeting_latency_ms")
    out["server_turn_parts_ms"] = [t.get("parts_ms") for t in metrics.get("turns", [])]
    out["server_ttfb_ms"] = [t.get("ttfb_ms") for t in metrics.get("turns", [])]
    return out


def save_figures(name: str, run: CallRun) -> Path:
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    path = METRICS_DIR / f"{name}.json"
    transcript = [[t["role"], t["text"], t["latency_ms"]] for t in run.record["transcript"]]
    body = {"session_id": run.session_id, **run.figures, "transcript": transcript}
    path.write_text(json.dumps(body, indent=2) + "\n")
    print(f"\n{name}: {json.dumps(run.figures)}")
    return path


def launch(wav: Path) -> Browser:
    """Chromium with the fake microphone playing ``wav`` once, and the call probe."""
    return Browser.launch(
        fakeAudioFile=f"{wav}%noloop",
        permissions=["microphone"],
        initScripts=[str(PROBE)],
    )
