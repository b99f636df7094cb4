"""Shared pieces of the end-to-end form tests: a form definition, the widget's form selectors,
the owner's view of stored submissions, and what the LLM was told about a form's outcome."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.conftest import Server
from tests.web.browser import Browser

FORM = ".oshara-form"

CONTACT: dict[str, Any] = {
    "id": "contact",
    "title": "Send us a message",
    "submit_url": None,
    "success_message": "Thanks! We'll get back to you.",
    "fields": [
        {"name": "name", "label": "Name", "type": "text", "required": True, "width": "half"},
        {"name": "email", "label": "Email", "type": "email", "required": True, "width": "half"},
        {
            "name": "message",
            "label": "Message",
            "type": "textarea",
            "required": True,
            "rows": 3,
            "min": 10,  # a length on the server: a server-only rule
        },
    ],
}


def field(name: str) -> str:
    return f'{FORM} [data-field="{name}"]'


def error_of(b: Browser, name: str) -> str:
    return b.text(f"{field(name)} .error") if b.visible(f"{field(name)} .error") else ""


def stored(server: Server, slug: str, **params: str) -> list[dict[str, Any]]:
    """The character's stored submissions, as the owner reads them (guide, Pattern 3)."""
    r = server.get(f"/api/agents/{slug}/form-responses/", params=params)
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()
    return data


def form_outcomes(requests: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """``(tool_call_id, outcome)`` of each form outcome (submitted or cancelled) the LLM was
    given in the newest request that has one: either the ``show_form`` call's own tool message
    (the result came before the conversation moved on) or Pipecat's async-tool message naming
    the call (it came later; also how text mode tells it)."""
    for request in reversed(requests):
        messages = request["messages"]
        calls = {
            c["id"]
            for m in messages
            if m.get("role") == "assistant"
            for c in m.get("tool_calls") or []
            if c["function"]["name"] == "show_form"
        }
        found: list[tuple[str, dict[str, Any]]] = []
        for m in messages:
            try:
                data = json.loads(m.get("content") or "")
            except (TypeError, ValueError):
                continue
            if not isinstance(data, dict):
                continue
            if data.get("type") == "async_tool" and data.get("status") == "finished":
                if data.get("tool_call_id") in calls:
                    found.append((data["tool_call_id"], json.loads(data["result"])))
            elif m.get("role") == "tool" and m.get("tool_call_id") in calls:
                found.append((m["tool_call_id"], data))
        found = [(i, o) for i, o in found if o.get("status") in ("submitted", "cancelled")]
        if found:
            return found
    return []
