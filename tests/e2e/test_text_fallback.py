"""The widget's text fallback against the real runtime (issue 5): a visitor without a
microphone types to the agent; the widget starts a ``mode: "text"`` session and posts the
messages to ``/api/sessions/{id}/messages/``, answered by the agent (scripted LLM)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.calls import wait_until
from tests.e2e.conftest import GREETING, QUESTION, SCRIPTED_REPLY, Server
from tests.voice.scripted_llm import ScriptedLLM
from tests.web.browser import Browser

pytestmark = pytest.mark.e2e

INPUT = ".composer input"
LINES = ".captions .line"


def test_typed_question_gets_the_agents_reply(
    server: Server, scripted_llm: ScriptedLLM, screenshots: Path
) -> None:
    slug = "e2e-scripted"
    before = server.session_ids(slug)
    asked = len(scripted_llm.requests)
    with Browser.launch() as b:  # no microphone at all
        b.goto(f"{server.url}/try/{slug}?open=1")
        b.wait_text(".status", "Ready to talk", timeout=15_000)
        b.fill(INPUT, QUESTION)
        b.call("press", selector=INPUT, key="Enter")
        b.wait_text(f"{LINES}.agent:not(.pending):last-child", SCRIPTED_REPLY, timeout=20_000)
        # The greeting comes with the first answer and is shown before the question.
        lines = b.call("texts", selector=LINES)
        assert [line.split("\n", 1)[1] for line in lines] == [GREETING, QUESTION, SCRIPTED_REPLY]
        assert [line.split("\n", 1)[0] for line in lines] == ["Ada", "You", "Ada"]
        b.fill(INPUT, "Thanks, and on Saturdays?")
        b.call("press", selector=INPUT, key="Enter")
        wait_until(
            lambda: len(b.call("texts", selector=f"{LINES}.agent:not(.pending)")) == 3,
            20,
            "the second reply",
        )
        assert not b.visible(".notice")
        b.call("screenshot", path=str(screenshots / "text-chat-live.png"), selector=".panel")
    new = server.session_ids(slug) - before
    assert len(new) == 1, new
    record = server.session(new.pop())
    assert record["mode"] == "text" and record["transport"] == "text", record
    assert record["status"] == "active"
    turns = [(t["role"], t["text"]) for t in record["transcript"]]
    assert turns == [
        ("agent", GREETING),
        ("user", QUESTION),
        ("agent", SCRIPTED_REPLY),
        ("user", "Thanks, and on Saturdays?"),
        ("agent", SCRIPTED_REPLY),
    ], turns
    # The LLM saw the conversation so far, typed text verbatim.
    last = scripted_llm.requests[-1]["messages"]
    assert len(scripted_llm.requests) == asked + 2
    assert [m["content"] for m in last if m["role"] == "user"] == [
        QUESTION,
        "Thanks, and on Saturdays?",
    ]
