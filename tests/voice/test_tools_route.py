"""Tools through the platform: the text-mode messages route on the real ``AgentRuntime``
(``AgentRuntime.create`` wiring: egress allow-list from settings, the knowledge search on the
app's database), and the tool-call log at ``GET /api/sessions/{id}/`` without secrets.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oshara.sessions.agent_runtime import AgentRuntime
from tests.helpers import auth_headers, character_body
from tests.tools.helpers import CONTACT_FORM, AnsweringLLM, last_tool_result
from tests.tools.http_server import ToolServer

SECRET = "guide-shared-secret-987"
ORIGIN = {"Origin": "https://yoursite.com"}


@pytest.fixture
async def llm() -> AsyncIterator[AnsweringLLM]:
    async with AnsweringLLM() as server:
        yield server


@pytest.fixture
async def tool_server() -> AsyncIterator[ToolServer]:
    async with ToolServer(secret=SECRET) as server:
        yield server


@pytest.fixture
async def runtime(
    app: FastAPI, llm: AnsweringLLM, tool_server: ToolServer
) -> AsyncIterator[AgentRuntime]:
    settings = app.state.settings
    settings.egress_allow = tool_server.allow
    settings.openai_base_url = llm.base_url
    settings.openai_api_key = "test-key"
    runtime = AgentRuntime.create(settings, sessionmaker=app.state.sessionmaker)
    assert runtime is not None
    app.state.voice = runtime
    yield runtime
    await runtime.shutdown()
    app.state.voice = None


def _tools(server: ToolServer) -> list[dict[str, Any]]:
    return [
        {
            "name": "ticket_lookup",
            "kind": "http",
            "description": "Look up a support ticket by its ID.",
            "input_schema": {
                "type": "object",
                "properties": {"ticket_id": {"type": "string"}},
                "required": ["ticket_id"],
            },
            "config": {
                "url": server.url("/ticket-lookup"),
                "method": "POST",
                "headers": {"X-Oshara-Secret": SECRET},
            },
        },
        {
            "name": "search_docs",
            "kind": "kb",
            "description": "Search our knowledge base for policy and product information.",
            "input_schema": {
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "required": ["query"],
            },
            "config": {"top_k": 2},
        },
    ]


async def _text_session(client: httpx.AsyncClient, server: ToolServer) -> tuple[str, str, dict]:
    owner = await auth_headers(client, "tools-owner@example.com")
    body = character_body(tools=_tools(server))
    body["widget_appearance"]["forms"] = [CONTACT_FORM]
    r = await client.post("/api/ai-characters/", headers=owner, json=body)
    assert r.status_code == 201, r.text
    r = await client.post(
        "/api/agents/agent-session/", headers=ORIGIN, json={"agent": "support-bot", "mode": "text"}
    )
    assert r.status_code == 200, r.text
    return r.json()["session_id"], r.json()["token"], owner


def _answer_status(messages: list[dict[str, Any]]) -> str:
    result = last_tool_result(messages)
    return f"Ticket {result['id']} is {result['status']}."


async def test_ticket_example_through_the_messages_route(
    client: httpx.AsyncClient, runtime: AgentRuntime, llm: AnsweringLLM, tool_server: ToolServer
) -> None:
    session_id, token, owner = await _text_session(client, tool_server)
    url = f"/api/sessions/{session_id}/messages/"
    bearer = {"Authorization": f"Bearer {token}"}
    llm.tool_call("ticket_lookup", {"ticket_id": "TICKET-456"}).answer(_answer_status)
    r = await client.post(
        url, headers=bearer, json={"text": "what's the status of ticket TICKET-456?"}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["reply"] == "Ticket TICKET-456 is in_progress."
    assert tool_server.requests[0].headers["x-oshara-secret"] == SECRET
    assert tool_server.requests[0].headers["x-oshara-session"] == session_id

    llm.tool_call("ticket_lookup", {"ticket_id": "TICKET-000"}).answer(
        lambda m: f"Sorry: {last_tool_result(m)['error']['message']}."
    )
    r = await client.post(url, headers=bearer, json={"text": "and TICKET-000?"})
    assert r.json()["reply"] == "Sorry: Ticket not found."

    llm.tool_call("show_form", {"form_id": "contact", "prefill": {"name": "Ada"}}).reply(
        "The form is on your screen."
    )
    r = await client.post(url, headers=bearer, json={"text": "I want to write to you"})
    forms = r.json()["forms"]
    assert [f["form_id"] for f in forms] == ["contact"] and forms[0]["prefill"] == {"name": "Ada"}

    await runtime.end(session_id, "ended_by_owner")
    r = await client.get(f"/api/sessions/{session_id}/", headers=owner)
    assert r.status_code == 200
    detail = r.json()
    calls = [(c["name"], c["status"]) for c in detail["tool_calls"]]
    assert calls == [("ticket_lookup", "ok"), ("ticket_lookup", "error"), ("show_form", "ok")]
    first, second, _ = detail["tool_calls"]
    assert first["arguments"] == {"ticket_id": "TICKET-456"}
    assert first["result"]["status"] == "in_progress" and first["duration_ms"] > 0
    assert second["error"] == "Ticket not found" and second["result"] is None
    assert any(e["kind"] == "form_shown" for e in detail["events"])
    # The owner sees what the agent did, never the tool's secret.
    assert SECRET not in r.text
    character = await client.get("/api/ai-characters/support-bot/", headers=owner)
    assert SECRET not in character.text


async def test_kb_tool_searches_the_characters_documents(
    client: httpx.AsyncClient,
    app: FastAPI,
    runtime: AgentRuntime,
    llm: AnsweringLLM,
    tool_server: ToolServer,
) -> None:
    try:
        from oshara.knowledge.limits import KnowledgeLimits
        from tests.knowledge.kbutil import install_knowledge
    except ImportError:  # pragma: no cover - the knowledge base is built in parallel
        pytest.skip("knowledge base not available")
    install_knowledge(app, KnowledgeLimits())
    session_id, token, owner = await _text_session(client, tool_server)
    doc = {
        "title": "Returns policy",
        "text": "Refunds\n\nUnworn shoes can be returned within 45 days for a full refund.",
    }
    r = await client.post("/api/ai-characters/support-bot/knowledge/", headers=owner, json=doc)
    assert r.status_code == 201, r.text
    llm.tool_call("search_docs", {"query": "how many days to return shoes"}).answer(
        lambda m: "From {source}: {text}".format(**last_tool_result(m)["passages"][0])
    )
    r = await client.post(
        f"/api/sessions/{session_id}/messages/",
        headers={"Authorization": f"Bearer {token}"},
        json={"text": "Can I return my shoes?"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["reply"].startswith("From Returns policy: ")
    assert "45 days" in r.json()["reply"]
    result = r.json()["tool_calls"][0]["result"]
    assert result["query"] == "how many days to return shoes"
    assert len(result["passages"]) == 1
    await runtime.end(session_id, "ended_by_owner")
    detail = (await client.get(f"/api/sessions/{session_id}/", headers=owner)).json()
    assert detail["tool_calls"][0]["name"] == "search_docs"
    assert json.dumps(detail).count("45 days") >= 1
