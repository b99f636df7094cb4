"""A form round trip during a real voice call (issue 5): the agent calls ``show_form``, the
visitor fills the form in the widget, and the outcome goes back to the agent.

The owner's website (``tests.web.conftest.Site``, its own origin) embeds the widget for a
character with two forms: ``contact`` (managed storage, ``submit_url: null``) and
``callback`` (``submit_url`` on the site itself, which records what it receives). A visitor
clicks the launcher (in the character's colour) and starts a call; the fake microphone asks
a question (Piper speech), the scripted LLM answers with a ``show_form`` call, and the form
opens in the panel over RTVI (``llm-function-call-in-progress``). Invalid values are refused
on their fields (client rules and a server-only rule) and nothing is stored; valid values
are stored (owner API) or posted to ``submit_url``; the widget answers
``llm-function-call-result`` and the LLM's next request carries the outcome for that call.

Screenshots: ``artifacts/screenshots/form-call-*.png``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.calls import RECORD_CAPTIONS, launch, sounds_like, wait_until
from tests.e2e.conftest import GREETING, QUESTION, Server
from tests.e2e.forms import CONTACT, FORM, error_of, field, form_outcomes, stored
from tests.voice.scripted_llm import ScriptedLLM
from tests.web.browser import Browser
from tests.web.conftest import PRIMARY, Site, site  # noqa: F401  (the owner's website)

pytestmark = pytest.mark.e2e

SLUG = "e2e-forms"
START = ".controls .btn.primary"
END = ".controls .btn.danger"
FORM_INTRO = "I'll put a short form on your screen."


def callback_form(site_url: str) -> dict[str, Any]:
    return {
        "id": "callback",
        "title": "Request a call back",
        "submit_url": f"{site_url}/submit",
        "success_message": "We'll call you back shortly.",
        "fields": [
            {"name": "name", "label": "Your name", "type": "text", "required": True},
            {
                "name": "phone",
                "label": "Phone",
                "type": "tel",
                "required": True,
                "pattern": "^[0-9 +()-]{6,}$",
            },
        ],
    }


@pytest.fixture(scope="module")
def shop(server: Server, site: Site) -> str:  # noqa: F811
    """The character, allowed on the site's origin only, with both forms."""
    site.oshara_url = server.url
    body = {
        "slug": SLUG,
        "name": "Acme Assistant",
        "system_prompt": "You are Ada, Acme's shop assistant. Answer in one short sentence.",
        "greeting": GREETING,
        "language": "en",
        "llm_model": "openai-compatible:scripted-model",
        "allowed_origins": [site.url],
        "builtins": {"show_form": True, "end_call": True},
        "widget_appearance": {
            "name": "Ada",
            "theme": {"primary_color": PRIMARY},
            "forms": [CONTACT, callback_form(site.url)],
        },
    }
    r = httpx.post(
        f"{server.url}/api/ai-characters/", json=body, headers=server.owner_headers, timeout=10
    )
    assert r.status_code == 201, r.text
    return SLUG


# ----------------------------------------------------------------------------- helpers


def start_call(b: Browser, server: Server, site: Site) -> str:  # noqa: F811
    """The visitor opens the embed page, checks the launcher, starts a call; the session id."""
    before = server.session_ids(SLUG)
    b.goto(site.embed_url(SLUG))
    b.wait(".launcher")
    # The launcher wears the character's colour, on the owner's page.
    assert b.call("style", selector=".launcher", prop="background-color") == "rgb(15, 118, 110)"
    b.click(".launcher")
    b.wait_text(".status", "Ready to talk", timeout=15_000)
    b.call("eval", expr=RECORD_CAPTIONS)
    b.click(START)
    b.wait_text(".captions .line.agent", GREETING[:12], timeout=45_000)
    new = server.session_ids(SLUG) - before
    assert len(new) == 1, new
    return new.pop()


def captions(b: Browser, role: str) -> list[str]:
    lines: dict[str, str] = {}
    for c in b.call("eval", expr="return window.__captions;"):
        if c.get("role") == role:
            lines[c["id"]] = c["text"]
    return list(lines.values())


def form_messages(b: Browser) -> list[dict[str, Any]]:
    """RTVI messages of the client-side function call, as the page saw them."""
    result: list[dict[str, Any]] = b.call(
        "eval",
        expr="return window.__osharaProbe.rtvi.filter(m => m.type.startsWith('llm-function-call'))"
        ".map(m => ({type: m.type, data: m.data}));",
    )
    return result


def sent_results(b: Browser) -> list[dict[str, Any]]:
    """``llm-function-call-result`` messages the page sent on the data channel."""
    result: list[dict[str, Any]] = b.call(
        "eval",
        expr="return window.__osharaProbe.sent.filter(m => m.type === 'llm-function-call-result');",
    )
    return result


# ----------------------------------------------------------------------------- tests


def test_agent_shows_a_managed_form_during_a_call_and_hears_the_outcome(
    server: Server,
    llm: ScriptedLLM,
    site: Site,  # noqa: F811
    shop: str,
    question_wav: Path,
    screenshots: Path,
) -> None:
    llm.tool_call("show_form", {"form_id": "contact", "prefill": {"name": "Grace"}}, FORM_INTRO)
    server.warm_up(shop)
    asked = len(llm.requests)
    with launch(question_wav) as b:
        b.call("setViewport", width=1000, height=860)
        session_id = start_call(b, server, site)
        # The question is heard, the agent calls show_form: the form opens, prefilled.
        b.wait(FORM, timeout=45_000)
        assert b.text(".form-title") == "Send us a message"
        assert b.call("value", selector=f"{field('name')} input") == "Grace"
        assert any(sounds_like(t, QUESTION) for t in captions(b, "user")), captions(b, "user")
        # The tool's own message names the function (Pipecat's default report names none,
        # so the widget's handler runs once).
        shown = [
            m
            for m in form_messages(b)
            if m["type"] == "llm-function-call-in-progress"
            and (m["data"] or {}).get("function_name") == "show_form"
        ]
        assert len(shown) == 1, form_messages(b)
        assert shown[0]["data"]["arguments"] == {"form_id": "contact", "prefill": {"name": "Grace"}}
        assert b.text(".status") in ("Listening…", "Speaking…")  # the call goes on
        b.call("screenshot", path=str(screenshots / "form-call-page.png"))

        # Invalid values: the client's rules, then a rule only the server has.
        b.fill(f"{field('name')} input", "")
        b.fill(f"{field('email')} input", "grace@")
        b.fill(f"{field('message')} textarea", "Call me")
        b.click(f"{FORM} button[type=submit]")
        assert error_of(b, "name") == "Name is required"
        assert error_of(b, "email") == "Enter a valid email address"
        b.call("screenshot", path=str(screenshots / "form-call-errors.png"), selector=".panel")
        b.fill(f"{field('name')} input", "Grace Hopper")
        b.fill(f"{field('email')} input", "grace@navy.mil")
        b.click(f"{FORM} button[type=submit]")
        b.wait_text(f"{field('message')} .error", "Must be at least 10 characters")
        assert stored(server, SLUG, form_id="contact") == []
        assert sent_results(b) == []  # the agent is not told anything yet

        b.fill(f"{field('message')} textarea", "Please call me about the Enterprise plan.")
        b.click(f"{FORM} button[type=submit]")
        b.wait_text(".success-text", "Thanks! We'll get back to you.")
        values = {
            "name": "Grace Hopper",
            "email": "grace@navy.mil",
            "message": "Please call me about the Enterprise plan.",
        }
        (response,) = stored(server, SLUG, form_id="contact")
        assert response["values"] == values
        assert response["session_id"] == session_id and response["source"] == "widget"

        # The widget answered the function call; the agent's next request carries it.
        (result,) = wait_until(lambda: sent_results(b), 10, "llm-function-call-result")
        assert result["data"]["tool_call_id"] == shown[0]["data"]["tool_call_id"]
        assert result["data"]["result"] == {
            "status": "submitted",
            "form_id": "contact",
            "values": values,
            "response_id": response["id"],
        }
        outcomes = wait_until(
            lambda: form_outcomes(llm.requests[asked:]), 20, "the outcome in an LLM request"
        )
        ((call_id, outcome),) = outcomes
        assert outcome == {
            "status": "submitted",
            "form_id": "contact",
            "values": values,
            "response_id": response["id"],
        }
        assert shown[0]["data"]["tool_call_id"] == f"show_form:{call_id}"

        b.click(".form-success button")  # Done: back to the captions
        b.wait(FORM, state="detached")
        assert b.call("texts", selector=".captions .line.note") == [
            "You\nSent the form “Send us a message”"
        ]
        b.wait_text(".captions .line.agent:last-child", "We are open", timeout=20_000)
        b.call("screenshot", path=str(screenshots / "form-call-after.png"), selector=".panel")
        b.click(END)
        b.wait_text(".status", "Call ended", timeout=10_000)
    record = record_of(server, session_id)
    assert FORM_INTRO in agent_turns(record), agent_turns(record)
    events = {e["kind"]: e["data"] for e in record["events"]}
    assert events["form_shown"] == {"form_id": "contact", "mode": "voice", "prefilled": ["name"]}
    assert events["form_result"] == {
        "form_id": "contact",
        "status": "submitted",
        "response_id": response["id"],
    }
    assert events["form_submitted"]["form_id"] == "contact"


def record_of(server: Server, session_id: str) -> dict[str, Any]:
    return server.wait_session(session_id, lambda s: s["status"] in ("ended", "failed"))


def agent_turns(record: dict[str, Any]) -> list[str]:
    return [t["text"] for t in record["transcript"] if t["role"] == "agent"]


def test_agent_shows_a_form_that_posts_to_the_owners_submit_url(
    server: Server,
    llm: ScriptedLLM,
    site: Site,  # noqa: F811
    shop: str,
    question_wav: Path,
    screenshots: Path,
) -> None:
    llm.tool_call("show_form", {"form_id": "callback"}, FORM_INTRO)
    server.warm_up(shop)
    asked = len(llm.requests)
    before = len(site.submissions)
    with launch(question_wav) as b:
        session_id = start_call(b, server, site)
        b.wait(FORM, timeout=45_000)
        assert b.text(".form-title") == "Request a call back"
        b.fill(f"{field('name')} input", "Linus")
        b.fill(f"{field('phone')} input", "call me")
        b.click(f"{FORM} button[type=submit]")
        assert error_of(b, "phone") == "Phone format is invalid"
        time.sleep(0.3)
        assert site.submissions[before:] == []
        b.fill(f"{field('phone')} input", "+358 40 123 4567")
        b.click(f"{FORM} button[type=submit]")
        b.wait_text(".success-text", "We'll call you back shortly.")
        b.call("screenshot", path=str(screenshots / "form-call-submit-url.png"), selector=".panel")
        # The owner's server got the flat values; nothing went to managed storage.
        assert site.submissions[before:] == [
            {
                "method": "POST",
                "content_type": "application/json",
                "values": {"name": "Linus", "phone": "+358 40 123 4567"},
            }
        ]
        assert stored(server, SLUG, form_id="callback") == []
        ((_, outcome),) = wait_until(
            lambda: form_outcomes(llm.requests[asked:]), 20, "the outcome in an LLM request"
        )
        assert outcome == {
            "status": "submitted",
            "form_id": "callback",
            "values": {"name": "Linus", "phone": "+358 40 123 4567"},
        }
        b.click(".form-success button")
        b.click(END)
        b.wait_text(".status", "Call ended", timeout=10_000)
    events = {e["kind"]: e["data"] for e in record_of(server, session_id)["events"]}
    assert events["form_result"] == {"form_id": "callback", "status": "submitted"}
    assert "form_submitted" not in events  # only managed storage records that
