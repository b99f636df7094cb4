"""A call whose connection is lost, and the widget's Reconnect (issue 5).

The network cannot really be cut on a shared loopback, so the loss is staged in the page
where the transport sees it: the page's peer connection reports ICE ``failed`` (what
Chromium reports when the path dies), and the server refuses the transport's attempt to
renegotiate that call (the route stub answers 409, as a server that lost the call would).
Everything else is real: ``@pipecat-ai/small-webrtc-transport``'s own recovery (a new peer
connection and offer), its giving up on a 4xx, the widget's notice, and a Reconnect that
starts a fresh session and call against the real server.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.e2e.calls import launch, wait_until
from tests.e2e.conftest import FAKE_MIC_RATE, GREETING, Server, write_wav
from tests.web.browser import Browser

pytestmark = pytest.mark.e2e

SLUG = "e2e-scripted"
START = ".controls .btn.primary"
END = ".controls .btn.danger"
NOTICE = ".notice"

# ICE on the page's live peer connection fails, as when the network path goes away.
BREAK_ICE = """
  const pc = window.__osharaProbe.peers[window.__osharaProbe.peers.length - 1];
  Object.defineProperty(pc, "iceConnectionState", { get: () => "failed", configurable: true });
  pc.dispatchEvent(new Event("iceconnectionstatechange"));
  return true;
"""


def greetings(b: Browser) -> int:
    texts = b.call("texts", selector=".captions .line.agent")
    return sum(1 for t in texts if GREETING[:12] in t)


def test_lost_connection_shows_a_notice_and_reconnect_starts_a_new_call(
    server: Server, screenshots: Path, tmp_path: Path
) -> None:
    silence = write_wav(
        tmp_path / "silence.wav", np.zeros(FAKE_MIC_RATE, dtype=np.int16), FAKE_MIC_RATE
    )
    server.warm_up(SLUG)
    before = server.session_ids(SLUG)
    with launch(silence) as b:
        b.goto(f"{server.url}/try/{SLUG}?open=1")
        b.wait_text(".status", "Ready to talk", timeout=15_000)
        b.click(START)
        b.wait_text(".captions .line.agent", GREETING[:12], timeout=45_000)
        (first,) = server.session_ids(SLUG) - before
        webrtc = f"{server.url}/api/sessions/{first}/webrtc/"
        b.call(
            "route",
            pattern=webrtc,
            methods=["POST"],
            status=409,
            body={"detail": f"Session {first!r} has ended"},
        )
        b.call("eval", expr=BREAK_ICE)

        # The transport tried to win the call back (a fresh offer for the same call) ...
        b.wait_text(NOTICE, "The connection to the assistant was lost.", timeout=20_000)
        (retry,) = [r for r in b.call("routeLog", pattern=webrtc) if r["method"] == "POST"]
        assert '"restart_pc":true' in retry["body"].replace(" ", "")
        # ... and the widget says so plainly, with a way back.
        assert b.call("attr", selector=NOTICE, name="data-code") == "connection_lost"
        assert b.text(".status") == "Call failed"
        assert b.call("texts", selector=f"{NOTICE} .actions button") == ["Reconnect"]
        assert b.visible(START) and not b.visible(END)
        b.call("screenshot", path=str(screenshots / "connection-lost.png"), selector=".panel")

        b.click(f"{NOTICE} .actions button")
        wait_until(lambda: greetings(b) == 2, 45, "the greeting of the new call")
        b.wait_text(".status", "Listening…", timeout=15_000)
        assert not b.visible(NOTICE)
        assert b.visible(END)
        second_ids = server.session_ids(SLUG) - before - {first}
        assert len(second_ids) == 1, second_ids
        (second,) = second_ids
        assert server.session(second)["status"] == "active"
        b.call("screenshot", path=str(screenshots / "reconnected.png"), selector=".panel")
        b.click(END)
        b.wait_text(".status", "Call ended", timeout=10_000)

    record = server.wait_session(second, lambda s: s["status"] in ("ended", "failed"))
    assert record["end_reason"] == "client_hangup", record
    # The lost call is over on the server too (the page closed its peer connections).
    lost = server.wait_session(first, lambda s: s["status"] in ("ended", "failed"), timeout=60)
    assert lost["ended_at"], lost
