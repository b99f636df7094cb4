"""The dashboard's Look and Forms pages in headless Chromium against the real server, on SQLite
and PostgreSQL: the theme's colour and position change the live preview (the widget's own
stylesheet in a shadow root) and are saved; a two-step form with a text, an email and a select
field is built, a server validation error (a select without options) lands on its field, the
saved form comes back after a reload and the preview (the widget's own FormView) shows step 1;
axe finds no serious or critical violation on either page."""

from __future__ import annotations

import time

import httpx

from tests.web.axe import assert_accessible
from tests.web.browser import Browser
from tests.web.test_dashboard_browser import (
    Server,
    _shots,
    button,
    label,
    server,  # noqa: F401 (the fixture)
)
from tests.web.test_dashboard_knowledge import owner_with_agent, sign_in

SLUG = "acme-forms"


def agent_of(base: str, headers: dict[str, str]) -> dict[str, object]:
    r = httpx.get(f"{base}/api/ai-characters/{SLUG}/", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    out: dict[str, object] = r.json()
    return out


def preview_primary(b: Browser, expect: str | None = None) -> str:
    """The preview launcher's background colour (waits up to 5 s for ``expect``)."""
    deadline = time.monotonic() + 5
    while True:
        value = _primary(b)
        if expect is None or value == expect or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def _primary(b: Browser) -> str:
    value: str = b.call(
        "eval",
        expr=(
            "const host = document.querySelector('[data-testid=look-preview]');"
            "return getComputedStyle(host.shadowRoot.querySelector('.launcher')).backgroundColor"
        ),
    )
    return value


def test_owner_sets_the_look(server: Server) -> None:  # noqa: F811
    base = server.url
    email, headers = owner_with_agent(base, SLUG)
    with Browser.launch() as b:
        sign_in(b, base, email)
        b.goto(f"{base}/dashboard/agents/{SLUG}/look")
        b.wait_text("h1", "look")
        b.wait("[data-testid=look-preview] .launcher")
        assert preview_primary(b) == "rgb(79, 70, 229)"  # the widget's default
        assert not b.visible("[data-testid=look-preview] .root.left")

        b.fill(label("Primary colour (hex)"), "#0a7d3b")
        assert preview_primary(b, "rgb(10, 125, 59)") == "rgb(10, 125, 59)"
        b.call("select", selector=label("Position on the page"), value="bottom-left")
        b.wait("[data-testid=look-preview] .root.left")
        b.fill(label("Name shown in the widget"), "Shoe helper")
        b.wait_text("[data-testid=look-preview] .title-text", "Shoe helper")

        b.fill(label("Primary colour (hex)"), "green-ish")
        b.click(button("Save look"))
        b.wait_text(".field.invalid .field-error", "hex colour")
        b.fill(label("Primary colour (hex)"), "#0a7d3b")
        b.click(button("Save look"))
        b.wait_text("role=status", "Saved")
        wa = agent_of(base, headers)["widget_appearance"]
        assert isinstance(wa, dict)
        assert wa["name"] == "Shoe helper"
        assert wa["theme"] == {"primary_color": "#0a7d3b", "position": "bottom-left"}

        b.goto(f"{base}/dashboard/agents/{SLUG}/look")
        b.wait("[data-testid=look-preview] .root.left")
        assert preview_primary(b, "rgb(10, 125, 59)") == "rgb(10, 125, 59)"
        assert (
            b.call("eval", expr="return document.getElementById('f-primary_color_picker').value")
            == "#0a7d3b"
        )
        _shots(b, "look", server.backend)
        assert_accessible(b, "look")


def focused_label(b: Browser, expect: str) -> str | None:
    """The focused element's aria-label (waits up to 3 s for ``expect``)."""
    deadline = time.monotonic() + 3
    while True:
        got = (b.call("focused") or {}).get("label")
        if got == expect or time.monotonic() > deadline:
            return got if isinstance(got, str) else None
        time.sleep(0.05)


def preview_text(b: Browser) -> str:
    value: str = b.call(
        "eval",
        expr="return document.querySelector('[data-testid=form-preview]').shadowRoot.textContent",
    )
    return value


def test_owner_builds_a_two_step_form(server: Server) -> None:  # noqa: F811
    base = server.url
    email, headers = owner_with_agent(base, SLUG)
    with Browser.launch() as b:
        sign_in(b, base, email)
        b.goto(f"{base}/dashboard/agents/{SLUG}/forms")
        b.wait_text("h1", "forms")
        b.click(button("Add form"))
        b.fill(label("Form title"), "Book a fitting")
        b.fill(label("Form id"), "book-fitting")
        b.click(button("Edit field 1"))
        b.fill(label("Field label"), "Full name")
        b.fill(label("Field name"), "full_name")
        b.call("check", selector=label("Required"))
        b.call("check", selector=label("Several steps"))
        b.fill(label("Step 1 title"), "You")
        b.click(button("Add a step"))
        b.fill(label("Step 2 title"), "Contact")
        b.call("select", selector=label("Field type"), value="email")
        b.fill(label("Field label"), "Email")
        b.fill(label("Field name"), "email")
        b.click(button("Add a field to step 2"))
        b.call("select", selector=label("Field type"), value="select")
        assert b.visible(label("Options")) and not b.visible(label("Rows"))
        b.fill(label("Field label"), "Shoe size")
        b.fill(label("Field name"), "size")
        # No options: the server refuses, and its error lands on the field's Options.
        b.click(button("Save forms"))
        b.wait_text("role=alert", "Nothing was saved")
        b.wait_text(".field.invalid .field-error", "options")
        assert b.visible('.field.invalid >> internal:label="Options"s')
        _shots(b, "forms-error", server.backend)
        b.fill(label("Options"), "40\n41\n42 | Size 42")
        assert not b.visible(".field.invalid")  # the edited attribute's error goes away
        # The field list works from the keyboard: move a field up and back down.
        b.call("press", selector=button("Move Shoe size up"), key="Enter")
        b.wait_text(".form-step:nth-of-type(3) .field-item >> nth=0", "Shoe size")
        assert focused_label(b, "Move Shoe size down") == "Move Shoe size down"  # "up" is disabled
        b.call("press", selector=button("Move Shoe size down"), key="Enter")
        b.wait_text(".form-step:nth-of-type(3) .field-item >> nth=0", "Email")
        assert focused_label(b, "Move Shoe size up") == "Move Shoe size up"
        b.click(button("Save forms"))
        b.wait_text("role=status", "Saved")

        forms = agent_of(base, headers)["widget_appearance"]
        assert isinstance(forms, dict)
        [form] = forms["forms"]
        assert form["id"] == "book-fitting" and form["submit_url"] is None
        assert [s["title"] for s in form["steps"]] == ["You", "Contact"]
        assert form["steps"][0]["fields"] == [
            {"name": "full_name", "label": "Full name", "type": "text", "required": True}
        ]
        assert [f["type"] for f in form["steps"][1]["fields"]] == ["email", "select"]
        assert form["steps"][1]["fields"][1]["options"] == [
            "40",
            "41",
            {"value": "42", "label": "Size 42"},
        ]

        b.goto(f"{base}/dashboard/agents/{SLUG}/forms")
        b.wait(button("Book a fitting"))
        b.wait("[data-testid=form-preview] .oshara-form")
        text = preview_text(b)
        assert "Step 1 of 2: You" in text and "Full name" in text and "Shoe size" not in text
        _shots(b, "forms", server.backend)
        assert_accessible(b, "forms")
