"""The widget's text fallback against the real runtime (issue 5): a visitor without a
microphone types to the agent; the widget starts a ``mode: "text"`` session and posts the
messages to ``/api/sessions/{id}/messages/``, answered by the agent (scripted LLM). A form
the agent shows comes in the answer's ``forms``; its outcome goes back as ``{form_result}``
and the agent answers it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.calls import wait_until
from tests.e2e.conftest import GREETING, QUESTION, SCRIPTED_REPLY, Server
from tests.e2e.forms import CONTACT, FORM, error_of, field, form_outcomes, stored
from tests.voice.scripted_llm import ScriptedLLM
from tests.web.browser import Browser
from tests.web.conftest import PRIMARY

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


# ----------------------------------------------------------------------------- forms

TEXT_FORMS = "e2e-text-forms"
OFFERED_REPLY = "The form is on your screen."
THANKS = "Thanks Grace, we will write back soon."


@pytest.fixture(scope="module")
def text_forms(server: Server) -> str:
    """A character with the managed ``contact`` form (served by /try, like any character)."""
    body = {
        "slug": TEXT_FORMS,
        "name": "Acme Assistant",
        "system_prompt": "You are Ada, Acme's shop assistant.",
        "greeting": GREETING,
        "language": "en",
        "llm_model": "openai-compatible:scripted-model",
        "allowed_origins": [],
        "builtins": {"show_form": True, "end_call": True},
        "widget_appearance": {
            "name": "Ada",
            "theme": {"primary_color": PRIMARY},
            "forms": [CONTACT],
        },
    }
    r = httpx.post(
        f"{server.url}/api/ai-characters/", json=body, headers=server.owner_headers, timeout=10
    )
    assert r.status_code == 201, r.text
    return TEXT_FORMS


def test_a_form_the_agent_shows_in_text_mode_reports_back(
    server: Server, llm: ScriptedLLM, text_forms: str, screenshots: Path
) -> None:
    """Text mode: the answer's ``forms`` opens the form; invalid values stay on the page; the
    stored submission is linked to the session, and its outcome goes back to the agent
    (``{form_result}``), whose answer joins the conversation."""
    llm.tool_call("show_form", {"form_id": "contact", "prefill": {"name": "Grace"}})
    llm.reply(OFFERED_REPLY)  # the turn goes on with the tool's "offered" result
    llm.reply(THANKS)  # the answer to the form's outcome
    before = server.session_ids(text_forms)
    asked = len(llm.requests)
    with Browser.launch() as b:  # no microphone at all
        b.goto(f"{server.url}/try/{text_forms}?open=1")
        b.wait_text(".status", "Ready to talk", timeout=15_000)
        b.fill(INPUT, "I would like to leave a message")
        b.call("press", selector=INPUT, key="Enter")
        b.wait(FORM, timeout=20_000)
        assert b.call("value", selector=f"{field('name')} input") == "Grace"
        (session_id,) = server.session_ids(text_forms) - before

        b.fill(f"{field('email')} input", "grace@")
        b.click(f"{FORM} button[type=submit]")
        assert error_of(b, "email") == "Enter a valid email address"
        b.fill(f"{field('email')} input", "grace@navy.mil")
        b.fill(f"{field('message')} textarea", "Hello")
        b.click(f"{FORM} button[type=submit]")
        b.wait_text(f"{field('message')} .error", "Must be at least 10 characters")
        assert stored(server, text_forms) == []
        assert len(llm.requests) == asked + 2  # nothing told to the agent yet
        b.call("screenshot", path=str(screenshots / "text-form.png"), selector=".panel")

        b.fill(f"{field('message')} textarea", "Hello from the text chat!")
        b.click(f"{FORM} button[type=submit]")
        b.wait_text(".success-text", "Thanks! We'll get back to you.")
        (response,) = stored(server, text_forms)
        values = {
            "name": "Grace",
            "email": "grace@navy.mil",
            "message": "Hello from the text chat!",
        }
        assert response["values"] == values and response["session_id"] == session_id
        b.click(".form-success button")
        b.wait_text(f"{LINES}.agent:not(.pending):last-child", THANKS, timeout=20_000)
        lines = [line.split("\n", 1)[1] for line in b.call("texts", selector=LINES)]
        assert lines == [
            GREETING,
            "I would like to leave a message",
            OFFERED_REPLY,
            "Sent the form “Send us a message”",
            THANKS,
        ], lines
        assert not b.visible(".notice")
        b.call("screenshot", path=str(screenshots / "text-form-after.png"), selector=".panel")

    # The agent was told: the request after the submission names the show_form call.
    assert len(llm.requests) == asked + 3
    ((call_id, outcome),) = form_outcomes(llm.requests[-1:])
    assert outcome == {
        "status": "submitted",
        "form_id": "contact",
        "values": values,
        "response_id": response["id"],
    }
    record = server.session(session_id)
    calls = [(c["name"], c["status"]) for c in record["tool_calls"]]
    assert calls == [("show_form", "ok")], record["tool_calls"]
    events = {e["kind"]: e["data"] for e in record["events"]}
    assert events["form_shown"] == {"form_id": "contact", "mode": "text", "prefilled": ["name"]}
    assert events["form_result"] == {
        "form_id": "contact",
        "status": "submitted",
        "response_id": response["id"],
    }
    turns = [(t["role"], t["text"]) for t in record["transcript"]]
    assert turns == [
        ("agent", GREETING),
        ("user", "I would like to leave a message"),
        ("agent", OFFERED_REPLY),
        ("agent", THANKS),  # the outcome is not a visitor's message
    ], turns
    assert call_id  # the outcome named the call that offered the form


def test_form_results_are_checked(server: Server, text_forms: str) -> None:
    """``{form_result}`` on the messages route: one of ``text``/``form_result``; only for a
    form the agent showed and still waits for; nothing else is accepted."""
    r = httpx.post(
        f"{server.url}/api/agents/agent-session/",
        json={"agent": text_forms, "mode": "text"},
        headers={"Origin": server.url},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    grant = r.json()
    url = f"{server.url}/api/sessions/{grant['session_id']}/messages/"
    auth = {"Authorization": f"Bearer {grant['token']}"}
    result = {"form_id": "contact", "status": "submitted", "values": {"name": "Grace"}}
    for body in (
        {},
        {"text": "hi", "form_result": result},
        {"form_result": {**result, "status": "maybe"}},
        {"form_result": {**result, "values": {"name": {"nested": 1}}}},
        {"form_result": {**result, "secret": "x"}},
    ):
        r = httpx.post(url, json=body, headers=auth, timeout=10)
        assert r.status_code == 400, (body, r.text)
    # Nothing was shown in this (not yet started) conversation.
    r = httpx.post(url, json={"form_result": result}, headers=auth, timeout=10)
    assert r.status_code == 409, r.text
    r = httpx.post(url, json={"form_result": result}, timeout=10)
    assert r.status_code == 401, r.text
