"""The dashboard's Look and Forms pages in headless Chromium against the real server, on SQLite
and PostgreSQL: the theme's colour and position change the live preview (the widget's own
stylesheet in a shadow root) and are saved; axe finds no serious or critical violation."""

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
            "return getComputedStyle(document.querySelector('[data-testid=look-preview]').shadowRoot"
            ".querySelector('.launcher')).backgroundColor"
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
        assert b.call("eval", expr="return document.getElementById('f-primary_color_picker').value") == "#0a7d3b"
        _shots(b, "look", server.backend)
        assert_accessible(b, "look")
