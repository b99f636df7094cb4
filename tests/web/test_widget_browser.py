"""The widget in headless Chromium against the real server (issue 5).

Each test opens a page of the "owner's website" (another origin, see ``conftest.Site``) that
embeds ``<script src="{oshara}/widget.js" data-agent=… async>``, and drives it like a visitor:
mouse and keyboard, through the widget's shadow root. The voice runtime is not part of these
tests: where a call needs it, the signaling or text endpoint is answered by the browser-level
route stub and the test checks what the widget sent (the contract) and what it shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.web.browser import Browser
from tests.web.conftest import Oshara, Site

pytestmark = pytest.mark.slow

FORM = ".oshara-form"
NOTICE = ".notice"


@pytest.fixture
def browser(oshara: Oshara) -> Iterator[Browser]:
    with Browser.launch() as b:
        yield b


def open_panel(b: Browser, site: Site, agent: str = "web-shop", **attrs: str) -> None:
    b.goto(site.embed_url(agent, **attrs))
    b.wait(".launcher")
    b.click(".launcher")
    b.wait(".panel")


def field(name: str) -> str:
    return f'{FORM} [data-field="{name}"]'


def error_of(b: Browser, name: str) -> str:
    return b.text(f"{field(name)} .error") if b.visible(f"{field(name)} .error") else ""


def responses(oshara: Oshara, **params: str) -> list[dict[str, Any]]:
    r = oshara.get("/api/agents/web-shop/form-responses/", params=params)
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()
    return data


def only_local_requests(b: Browser, *origins: str) -> None:
    """The widget never loads anything from elsewhere (no CDN, no fonts, no telemetry)."""
    allowed = {urlsplit(o).netloc for o in origins}
    urls = [r["url"] for r in b.call("requests")]
    foreign = [
        u
        for u in urls
        if urlsplit(u).scheme in ("http", "https", "ws", "wss")
        and urlsplit(u).netloc not in allowed
    ]
    assert foreign == [], foreign


# ----------------------------------------------------------------------------- look & panel


def test_launcher_shows_in_the_characters_colour_and_opens_the_panel(
    browser: Browser, oshara: Oshara, site: Site, screenshots: Path
) -> None:
    b = browser
    b.goto(site.embed_url("web-shop"))
    b.wait_text(".status", "Ready to talk")
    assert b.call("style", selector=".launcher", prop="background-color") == "rgb(15, 118, 110)"
    # White icon on the dark teal (contrast picked from the colour).
    assert b.call("style", selector=".launcher", prop="color") == "rgb(255, 255, 255)"
    assert b.call("attr", selector=".launcher", name="aria-label") == "Talk to Ada"
    assert b.call("attr", selector=".launcher", name="aria-expanded") == "false"
    # The page's hostile CSS (`button{background:red!important}`, letter-spacing) stays out.
    assert b.call("style", selector=".launcher", prop="border-top-style") == "none"
    b.call("screenshot", path=str(screenshots / "launcher.png"))

    b.click(".launcher")
    b.wait(".panel")
    assert b.call("attr", selector=".launcher", name="aria-expanded") == "true"
    assert b.text(".head h2") == "Ada"
    assert b.call("style", selector=".head", prop="background-color") == "rgb(15, 118, 110)"
    assert b.call("style", selector=".panel", prop="letter-spacing") == "normal"
    # Focus moves into the panel, onto the call button.
    assert b.call("focused")["text"] == "Start call"
    # Visitor-openable forms are listed; `visitor_can_open: false` is not.
    assert b.call("texts", selector=".forms-menu .chip") == [
        "Send us a message",
        "Get started",
        "Request a call back",
    ]
    b.call("screenshot", path=str(screenshots / "panel.png"))
    b.call("screenshot", path=str(screenshots / "panel-only.png"), selector=".panel")

    # Escape closes the panel and gives focus back to the launcher.
    b.call("press", key="Escape")
    b.wait(".panel", state="hidden")
    assert "launcher" in (b.call("focused")["className"] or "")
    only_local_requests(b, site.url, oshara.url)


def test_keyboard_only_visitor_can_open_the_panel_and_a_form(browser: Browser, site: Site) -> None:
    b = browser
    b.goto(site.embed_url("web-shop"))
    b.wait_text(".status", "Ready to talk", timeout=10_000)
    b.call("press", key="Tab")  # the page's own button
    b.call("press", key="Tab")  # the widget's launcher
    assert b.call("focused")["label"] == "Talk to Ada"
    # Focus is visible (outline from :focus-visible).
    assert b.call("style", selector=".launcher", prop="outline-style") == "solid"
    b.call("press", key="Enter")
    b.wait(".panel")
    assert b.call("focused")["text"] == "Start call"
    for _ in range(3):  # call button → first form chip is reached by Tab order
        if b.call("focused")["text"] == "Send us a message":
            break
        b.call("press", key="Shift+Tab")
    assert b.call("focused")["text"] == "Send us a message"
    b.call("press", key="Enter")
    b.wait(FORM)
    assert b.call("focused")["text"] == "Send us a message"  # the form's heading


# ----------------------------------------------------------------------------- forms


def test_visitor_form_validates_then_stores_in_managed_storage(
    browser: Browser, oshara: Oshara, site: Site, screenshots: Path
) -> None:
    b = browser
    open_panel(b, site)
    b.click('[data-open-form="contact"]')
    b.wait(FORM)
    assert b.text(".form-title") == "Send us a message"
    assert b.call("attr", selector=f"{field('message')} textarea", name="rows") == "4"
    assert b.call("attr", selector=f"{field('message')} textarea", name="placeholder") == (
        "How can we help?"
    )
    assert b.text(f"{field('phone')} .help") == "Digits, spaces and + ( ) - only"
    # Two half-width fields share a row.
    name_box = b.call("box", selector=field("name"))
    email_box = b.call("box", selector=field("email"))
    assert name_box["y"] == email_box["y"] and email_box["x"] > name_box["x"]

    # Empty submit: the guide's messages, focus on the first invalid field.
    b.click(f"{FORM} button[type=submit]")
    assert error_of(b, "name") == "Name is required"
    assert error_of(b, "email") == "Email is required"
    assert error_of(b, "message") == "Message is required"
    assert b.call("focused")["name"] == "name"
    assert b.call("attr", selector=f"{field('name')} input", name="aria-invalid") == "true"

    # Invalid values: client rules (email, pattern) ...
    b.fill(f"{field('name')} input", "Grace Hopper")
    b.fill(f"{field('email')} input", "grace@")
    b.fill(f"{field('phone')} input", "call me")
    b.fill(f"{field('message')} textarea", "Too short")
    b.click(f"{FORM} button[type=submit]")
    assert error_of(b, "name") == ""
    assert error_of(b, "email") == "Enter a valid email address"
    assert error_of(b, "phone") == "Phone format is invalid"
    b.call("screenshot", path=str(screenshots / "form-errors.png"), selector=".panel")

    # ... and a server-only rule (text `min` is a length on the server): the 400's
    # field_errors land on their field.
    b.fill(f"{field('email')} input", "grace@navy.mil")
    b.fill(f"{field('phone')} input", "+1 (555) 010-999")
    b.click(f"{FORM} button[type=submit]")
    b.wait_text(f"{field('message')} .error", "Must be at least 10 characters")
    assert responses(oshara, form_id="contact") == []

    b.fill(f"{field('message')} textarea", "Please call me about the Enterprise plan.")
    b.click(f"{FORM} button[type=submit]")
    b.wait_text(".success-text", "Thanks! We'll get back to you.")
    stored = responses(oshara, form_id="contact")
    assert len(stored) == 1
    assert stored[0]["values"] == {
        "name": "Grace Hopper",
        "email": "grace@navy.mil",
        "phone": "+1 (555) 010-999",
        "message": "Please call me about the Enterprise plan.",
    }
    assert stored[0]["source"] == "widget"
    assert stored[0]["session_id"] is None

    b.click(".form-success button")
    b.wait(FORM, state="detached")
    assert b.visible(".forms-menu")


def test_multi_step_form_navigates_validates_and_submits(
    browser: Browser, oshara: Oshara, site: Site, screenshots: Path
) -> None:
    b = browser
    open_panel(b, site)
    b.click('[data-open-form="onboarding"]')
    b.wait(FORM)
    assert b.text(".form-progress") == "Step 1 of 3: Your details"
    assert b.text(f"{FORM} .display") == "Tell us who you are."
    assert not b.visible(f"{FORM} .form-nav button.secondary")  # no Back on step 1
    assert b.text(f"{FORM} button[type=submit]") == "Next"

    b.click(f"{FORM} button[type=submit]")
    assert error_of(b, "full_name") == "Full name is required"
    assert b.text(".form-progress") == "Step 1 of 3: Your details"
    b.fill(f"{field('full_name')} input", "Ada Lovelace")
    b.fill(f"{field('work_email')} input", "ada@engine.example")
    b.call("press", selector=f"{field('work_email')} input", key="Enter")  # Enter = Next
    b.wait_text(".form-progress", "Step 2 of 3: Your use case")
    assert b.call("focused")["id"].endswith("-progress")
    # default_value preselects the radio; options objects show their label.
    assert b.call("isChecked", selector=f'{field("channel")} input[value="video"]')
    assert b.call("texts", selector=f"{field('channel')} .choice label") == [
        "Phone call",
        "Video meeting",
    ]
    assert b.call("texts", selector=f"{field('use_case')} option") == [
        "Select…",
        "Customer support",
        "Sales assistant",
        "Other",
    ]
    b.fill(f"{field('team_size')} input", "0")
    b.click(f"{FORM} button[type=submit]")
    assert error_of(b, "use_case") == "Use case is required"
    assert error_of(b, "team_size") == "Minimum value is 1"
    b.call("screenshot", path=str(screenshots / "multi-step-form.png"), selector=".panel")

    # Back keeps what was typed.
    b.click(f"{FORM} .form-nav button.secondary")
    b.wait_text(".form-progress", "Step 1 of 3")
    assert b.call("value", selector=f"{field('full_name')} input") == "Ada Lovelace"
    b.click(f"{FORM} button[type=submit]")
    b.wait_text(".form-progress", "Step 2 of 3")
    b.call("select", selector=f"{field('use_case')} select", value="Sales assistant")
    b.fill(f"{field('team_size')} input", "12")
    b.click(f'{field("channel")} label:text("Phone call")')
    b.click(f"{FORM} button[type=submit]")
    b.wait_text(".form-progress", "Step 3 of 3: Book a time")
    assert b.text(f"{FORM} button[type=submit]") == "Confirm booking"
    b.fill(f"{field('day')} input", "2026-03-14")
    b.fill(f"{field('slot')} input", "09:30")
    b.call("check", selector=f"{field('newsletter')} input")
    b.call("screenshot", path=str(screenshots / "multi-step-form-last.png"), selector=".panel")
    b.click(f"{FORM} button[type=submit]")
    b.wait_text(".success-text", "You're booked! See you soon.")
    stored = responses(oshara, form_id="onboarding")
    assert len(stored) == 1
    assert stored[0]["values"] == {
        "full_name": "Ada Lovelace",
        "work_email": "ada@engine.example",
        "company": "",
        "use_case": "Sales assistant",
        "team_size": "12",
        "channel": "phone",
        "day": "2026-03-14",
        "slot": "09:30",
        "newsletter": "true",
    }


def test_form_with_submit_url_posts_flat_values_to_the_owners_server(
    browser: Browser, oshara: Oshara, site: Site
) -> None:
    b = browser
    before = len(site.submissions)
    open_panel(b, site)
    b.click('[data-open-form="callback"]')
    b.wait(FORM)
    b.click(f"{FORM} button[type=submit]")
    assert error_of(b, "phone") == "Phone is required"
    b.fill(f"{field('name')} input", "Linus")
    b.fill(f"{field('phone')} input", "+358 40 123")
    b.click(f"{FORM} button[type=submit]")
    b.wait_text(".success-text", "We'll call you back shortly.")
    assert site.submissions[before:] == [
        {
            "method": "PUT",
            "content_type": "application/json",
            "values": {"name": "Linus", "phone": "+358 40 123"},
        }
    ]
    assert responses(oshara, form_id="callback") == []


def test_agent_show_form_hook_prefills_and_reports_the_outcome(
    browser: Browser, oshara: Oshara, site: Site
) -> None:
    b = browser
    b.goto(site.embed_url("web-shop"))
    b.wait_text(".status", "Ready to talk")
    # What the call layer does when the agent calls show_form: panel opens with the form.
    b.call(
        "evalStart",
        name="shown",
        expr='return await window.Oshara.showForm({form_id: "agent-only", '
        'prefill: {order: "A-1001", agree: true, unknown: "x"}});',
    )
    b.wait(FORM)
    assert b.visible(".panel")
    assert b.call("value", selector=f"{field('order')} input") == "A-1001"
    assert b.call("isChecked", selector=f"{field('agree')} input")
    b.click(f"{FORM} button[type=submit]")
    outcome = b.call("evalResult", name="shown")
    assert outcome["ok"], outcome
    value = outcome["value"]
    stored = responses(oshara, form_id="agent-only")
    assert value == {
        "status": "submitted",
        "form_id": "agent-only",
        "values": {"order": "A-1001", "agree": "true"},
        "response_id": stored[0]["id"],
    }

    # Cancelling reports "cancelled"; an unknown form is reported without showing anything.
    b.click(".form-success button")
    b.call("evalStart", name="cancel", expr='return await Oshara.showForm({form_id: "contact"});')
    b.wait(FORM)
    b.click(f"{FORM} .form-head .icon-btn")
    assert b.call("evalResult", name="cancel")["value"] == {
        "status": "cancelled",
        "form_id": "contact",
    }
    unknown = b.call("eval", expr='return await Oshara.showForm({form_id: "nope"});')
    assert unknown["status"] == "cancelled" and "unknown form" in unknown["error"]


# ----------------------------------------------------------------------------- errors


def test_origin_not_allowed_shows_a_clear_message(
    browser: Browser, site: Site, screenshots: Path
) -> None:
    b = browser
    open_panel(b, site, agent="web-locked")
    message = b.wait_text(NOTICE, "This assistant is not available on this website.")
    assert site.url in message  # the detail names the refused origin
    assert b.call("attr", selector=NOTICE, name="role") == "alert"
    assert b.call("attr", selector=NOTICE, name="data-code") == "origin_not_allowed"
    assert b.call("attr", selector=".controls .btn.primary", name="disabled") == ""
    b.call("screenshot", path=str(screenshots / "error-403.png"), selector=".panel")


def test_unknown_agent_shows_a_clear_message(browser: Browser, site: Site) -> None:
    b = browser
    open_panel(b, site, agent="no-such-agent")
    b.wait_text(NOTICE, "There is no assistant called “no-such-agent”.")
    assert b.call("attr", selector=NOTICE, name="data-code") == "agent_not_found"


def session_ids(oshara: Oshara, agent: str = "web-shop") -> set[str]:
    r = oshara.get("/api/sessions/", params={"agent": agent})
    assert r.status_code == 200, r.text
    return {s["id"] for s in r.json()}


def new_sessions(oshara: Oshara, before: set[str], agent: str = "web-shop") -> list[dict[str, Any]]:
    r = oshara.get("/api/sessions/", params={"agent": agent})
    return [s for s in r.json() if s["id"] not in before]


def test_microphone_denied_offers_typing_instead(oshara: Oshara, site: Site) -> None:
    before = session_ids(oshara)
    # A microphone exists but the visitor refuses it (no permission granted).
    with Browser.launch(fakeMedia=True) as b:
        open_panel(b, site)
        b.click(".controls .btn.primary")
        b.wait_text(NOTICE, "Microphone access was denied.")
        assert b.call("attr", selector=NOTICE, name="data-code") == "microphone_denied"
        assert b.call("focused")["tag"] == "input"  # the text box
        assert b.visible(".composer input")
    # No session was started for a call that could not have had audio.
    assert session_ids(oshara) == before


def test_no_microphone_offers_typing_instead(browser: Browser, site: Site) -> None:
    b = browser  # no audio device at all
    open_panel(b, site)
    b.click(".controls .btn.primary")
    b.wait_text(NOTICE, "No microphone was found.")
    assert b.call("attr", selector=NOTICE, name="data-code") == "microphone_unavailable"
    assert b.call("focused")["tag"] == "input"


@pytest.fixture
def media_browser(oshara: Oshara) -> Iterator[Browser]:
    with Browser.launch(fakeMedia=True, permissions=["microphone"]) as b:
        yield b


def test_call_signals_with_the_session_token_and_reports_refusal(
    media_browser: Browser, oshara: Oshara, site: Site
) -> None:
    b = media_browser
    webrtc = "**/api/sessions/*/webrtc/"
    b.call("route", pattern=webrtc, status=404, body={"detail": "No such session"})
    before = session_ids(oshara)
    open_panel(b, site)
    b.click(".controls .btn.primary")
    b.wait_text(NOTICE, "Could not connect to the assistant.", timeout=20_000)
    assert "HTTP 404" in b.text(NOTICE)
    sessions = new_sessions(oshara, before)
    assert len(sessions) == 1 and sessions[0]["origin"] == site.url
    assert sessions[0]["mode"] == "voice"
    offers = [r for r in b.call("routeLog", pattern=webrtc) if r["method"] == "POST"]
    assert len(offers) == 1
    offer = offers[0]
    assert offer["url"] == f"{oshara.url}/api/sessions/{sessions[0]['id']}/webrtc/"
    assert offer["headers"]["authorization"].startswith("Bearer ey")
    body = json.loads(offer["body"])
    assert body["type"] == "offer" and body["pc_id"] is None and body["restart_pc"] is False
    assert body["sdp"].startswith("v=0")
    assert b.visible(".controls .btn.primary")  # back to "Start call"


def test_token_url_pattern_1(media_browser: Browser, oshara: Oshara, site: Site) -> None:
    b = media_browser
    webrtc = "**/api/sessions/*/webrtc/"
    b.call("route", pattern=webrtc, status=401, body={"detail": "token expired"})
    before = session_ids(oshara)
    open_panel(b, site, **{"token-url": "/voice-token"})
    b.click(".controls .btn.primary")
    b.wait_text(NOTICE, "refused the session token", timeout=20_000)
    # The site's backend returned only {token, session_id}; the widget used that token.
    token = site.issued_tokens[-1]
    offers = [r for r in b.call("routeLog", pattern=webrtc) if r["method"] == "POST"]
    assert offers and offers[0]["headers"]["authorization"] == f"Bearer {token}"
    sessions = new_sessions(oshara, before)
    assert [s["metadata"] for s in sessions] == [{"user_id": "u-42", "user_name": "Grace"}]


def test_session_limits_show_when_to_retry(media_browser: Browser, site: Site) -> None:
    b = media_browser
    b.call("route", pattern="**/api/sessions/*/webrtc/", status=404, body={"detail": "x"})
    open_panel(b, site, agent="web-busy")
    b.click(".controls .btn.primary")
    b.wait_text(NOTICE, "Could not connect", timeout=20_000)
    b.click(".controls .btn.primary")
    text = b.wait_text(NOTICE, "The assistant is busy right now.", timeout=20_000)
    assert "Please try again in" in text and "seconds" in text
    assert b.call("attr", selector=NOTICE, name="data-code") == "rate_limited"


def test_text_fallback_speaks_the_messages_contract(
    browser: Browser, oshara: Oshara, site: Site, screenshots: Path
) -> None:
    b = browser
    messages = "**/api/sessions/*/messages/"
    contact = next(
        f
        for f in oshara.get("/api/agents/web-shop/appearance/").json()["forms"]
        if f["id"] == "contact"
    )
    b.call(
        "route",
        pattern=messages,
        bodies=[
            {
                "reply": "Sure, here is our contact form.",
                # The form opens from `forms`; tool calls are only listed.
                "tool_calls": [
                    {
                        "name": "show_form",
                        "arguments": {"form_id": "contact", "prefill": {"name": "Grace"}},
                        "status": "ok",
                        "duration_ms": 1.0,
                    }
                ],
                "forms": [{"form_id": "contact", "prefill": {"name": "Grace"}, "form": contact}],
            },
            {"reply": "Thanks Grace, we'll be in touch.", "tool_calls": []},
        ],
    )
    before = session_ids(oshara)
    open_panel(b, site)
    b.fill(".composer input", "I want to leave a message")
    b.call("press", selector=".composer input", key="Enter")
    b.wait(FORM)
    assert b.call("value", selector=f"{field('name')} input") == "Grace"
    log = [r for r in b.call("routeLog", pattern=messages) if r["method"] == "POST"]
    assert len(log) == 1
    text_sessions = new_sessions(oshara, before)
    assert [s["mode"] for s in text_sessions] == ["text"]
    assert len(text_sessions) == 1
    assert log[0]["url"] == f"{oshara.url}/api/sessions/{text_sessions[0]['id']}/messages/"
    assert log[0]["headers"]["authorization"].startswith("Bearer ey")
    assert json.loads(log[0]["body"]) == {"text": "I want to leave a message"}
    # The form shown during the conversation is linked to its session when submitted.
    b.fill(f"{field('email')} input", "grace@navy.mil")
    b.fill(f"{field('message')} textarea", "Hello from the text chat!")
    b.click(f"{FORM} button[type=submit]")
    b.wait(".success-text")
    stored = responses(oshara, session_id=text_sessions[0]["id"])
    assert [r["form_id"] for r in stored] == ["contact"]
    # ... and its outcome goes back to the agent over the same route.
    b.click(".form-success button")
    b.wait_text(".captions .line.agent:last-child", "Thanks Grace, we'll be in touch.")
    posts = [r for r in b.call("routeLog", pattern=messages) if r["method"] == "POST"]
    assert len(posts) == 2, posts
    assert posts[1]["headers"]["authorization"] == log[0]["headers"]["authorization"]
    assert json.loads(posts[1]["body"]) == {
        "form_result": {
            "status": "submitted",
            "form_id": "contact",
            "values": {
                "name": "Grace",
                "email": "grace@navy.mil",
                "phone": "",
                "message": "Hello from the text chat!",
            },
            "response_id": stored[0]["id"],
        }
    }
    texts = b.call("texts", selector=".captions .line")
    assert texts[0].endswith("I want to leave a message")
    assert texts[1].endswith("Sure, here is our contact form.")
    assert texts[2].endswith("Sent the form “Send us a message”")
    assert texts[3].endswith("Thanks Grace, we'll be in touch.")
    b.call("screenshot", path=str(screenshots / "text-chat.png"), selector=".panel")


def test_try_page_works_under_its_csp(media_browser: Browser, oshara: Oshara) -> None:
    b = media_browser
    b.call("route", pattern="**/api/sessions/*/webrtc/", status=404, body={"detail": "x"})
    # The server's own page may use any character (web-shop only allows the site's origin).
    b.goto(f"{oshara.url}/try/web-shop?open=1")
    b.wait(".panel")  # data-open
    b.wait_text(".status", "Ready to talk")
    b.click(".controls .btn.primary")  # microphone, audio worklet (blob:), signaling
    b.wait_text(NOTICE, "Could not connect to the assistant.", timeout=20_000)
    console = b.call("console")
    assert not [line for line in console if "Content Security Policy" in line], console
    only_local_requests(b, oshara.url)


# ----------------------------------------------------------------------------- small screens


def test_usable_at_320_pixels(oshara: Oshara, site: Site, screenshots: Path) -> None:
    with Browser.launch(viewport={"width": 320, "height": 640}, reducedMotion="reduce") as b:
        open_panel(b, site)
        panel = b.call("box", selector=".panel")
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 320
        assert b.call("eval", expr="return document.documentElement.scrollWidth") <= 320
        assert b.call("style", selector=".panel", prop="animation-name") == "none"
        b.click('[data-open-form="contact"]')
        b.wait(FORM)
        # Half-width fields stack at this width.
        name_box = b.call("box", selector=field("name"))
        email_box = b.call("box", selector=field("email"))
        assert email_box["y"] > name_box["y"]
        b.call("screenshot", path=str(screenshots / "narrow-320.png"))
