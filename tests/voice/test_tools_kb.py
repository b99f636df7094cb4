"""``kb`` tools with an injected search function, and what every tool shares: internal errors
stay generic, log lines carry no arguments or results, schemas reach the LLM whole."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from oshara.providers.registry import ProviderSettings
from oshara.voice.runner import VoiceRunner
from oshara.voice.spec import InMemoryRecorder, SessionSpec
from oshara.voice.tools import ToolDeps, ToolError
from oshara.voice.tools.base import JsonFunctionSchema, Redactor
from tests.tools.helpers import AnsweringLLM, last_tool_result, make_spec

MARKER = "zebra-umbrella-7731"


@pytest.fixture
async def llm() -> AsyncIterator[AnsweringLLM]:
    async with AnsweringLLM() as server:
        yield server


@pytest.fixture
def settings(llm: AnsweringLLM) -> ProviderSettings:
    return ProviderSettings(openai_base_url=llm.base_url, openai_api_key="test-key")


def kb_tool(name: str = "search_docs", schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "kb",
        "description": "Search our knowledge base.",
        "input_schema": schema or {"type": "object", "properties": {}},
        "config": {"top_k": 2},
    }


async def _session(
    settings: ProviderSettings, deps: ToolDeps, spec: SessionSpec
) -> tuple[VoiceRunner, InMemoryRecorder]:
    runner = VoiceRunner(provider_settings=settings, tool_deps=deps)
    recorder = InMemoryRecorder()
    await runner.start_text(spec, recorder)
    return runner, recorder


async def test_kb_passages_with_their_sources(
    llm: AnsweringLLM, settings: ProviderSettings
) -> None:
    asked: list[tuple[str, str, int]] = []

    async def search(spec: SessionSpec, query: str, top_k: int) -> list[dict[str, Any]]:
        asked.append((spec.session_id, query, top_k))
        return [
            {"title": "Returns policy", "heading": "Shoes", "page": None, "text": "45 days."},
            {"title": "FAQ", "text": "Refunds take 5 days.", "score": 1.2},
            {"title": "Ignored", "text": "over top_k"},
        ]

    llm.tool_call("search_docs", {"query": "returns"}).answer(
        lambda m: " / ".join(p["source"] for p in last_tool_result(m)["passages"])
    )
    spec = make_spec(tools=[kb_tool()], session_id="sess_kb")
    runner, _ = await _session(settings, ToolDeps(kb_search=search), spec)
    out = await runner.send_text("sess_kb", "Can I return shoes?")
    await runner.shutdown(drain=2)

    assert out["reply"] == "Returns policy / FAQ"
    assert asked == [("sess_kb", "returns", 2)]
    assert out["tool_calls"][0]["result"] == {
        "query": "returns",
        "passages": [
            {"source": "Returns policy", "text": "45 days.", "heading": "Shoes"},
            {"source": "FAQ", "text": "Refunds take 5 days."},
        ],
    }
    # An owner who left the schema empty gets a query parameter offered to the LLM.
    (offered,) = [t for t in llm.requests[0]["tools"] if t["function"]["name"] == "search_docs"]
    assert offered["function"]["parameters"]["required"] == ["query"]


async def test_internal_errors_are_generic_and_logs_carry_no_content(
    llm: AnsweringLLM, settings: ProviderSettings, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(spec: SessionSpec, query: str, top_k: int) -> list[dict[str, Any]]:
        raise RuntimeError(f"database exploded while searching {query}")

    llm.tool_call("search_docs", {"query": MARKER}).answer(
        lambda m: f"Sorry, {last_tool_result(m)['error']['code']}."
    )
    llm.tool_call("search_docs", {"query": MARKER}).reply("Still here.")
    spec = make_spec(tools=[kb_tool()], session_id="sess_kbx")
    caplog.set_level(logging.DEBUG, logger="oshara")
    runner, recorder = await _session(settings, ToolDeps(kb_search=broken), spec)
    first = await runner.send_text("sess_kbx", f"look up {MARKER}")
    second = await runner.send_text("sess_kbx", "again")
    await runner.shutdown(drain=2)

    assert first["reply"] == "Sorry, internal_error."
    assert first["tool_calls"][0]["result"] == {
        "error": {"code": "internal_error", "message": "The tool failed with an internal error."}
    }
    assert second["reply"] == "Still here."  # the call went on
    assert [c.error for c in recorder.tool_calls] == ["internal error", "internal error"]
    assert "exploded" not in str(recorder.tool_calls)
    records = [r for r in caplog.records if r.name.startswith("oshara")]
    assert any("search_docs" in r.getMessage() for r in records)
    for record in records:
        assert MARKER not in record.getMessage()
        assert "exploded" not in record.getMessage()


async def test_kb_without_a_search_function_is_unavailable(
    llm: AnsweringLLM, settings: ProviderSettings
) -> None:
    llm.tool_call("search_docs", {"query": "x"}).answer(
        lambda m: last_tool_result(m)["error"]["message"]
    )
    spec = make_spec(tools=[kb_tool()], session_id="sess_kbn")
    runner, _ = await _session(settings, ToolDeps(), spec)
    out = await runner.send_text("sess_kbn", "hi")
    await runner.shutdown(drain=2)
    assert out["reply"] == "The knowledge base is not available right now."


async def test_disabled_and_invalid_tools_are_not_offered(
    llm: AnsweringLLM, settings: ProviderSettings
) -> None:
    disabled = {**kb_tool("off"), "enabled": False}
    broken = {"name": "broken", "kind": "http", "config": {"url": "ftp://nope"}}
    llm.reply("Hello.")
    spec = make_spec(tools=[kb_tool(), disabled, broken], session_id="sess_kbd")
    runner, recorder = await _session(settings, ToolDeps(), spec)
    await runner.send_text("sess_kbd", "hi")
    await runner.shutdown(drain=2)
    names = [t["function"]["name"] for t in llm.requests[0]["tools"]]
    assert names == ["end_call", "search_docs"]
    assert (
        "tool_unavailable",
        {"tool": "broken", "kind": "unknown", "reason": "invalid_definition"},
    ) in recorder.events


def test_tool_error_result_shape_and_redaction() -> None:
    error = ToolError("http_error", "Ticket not found", status=404)
    assert error.as_result() == {
        "error": {"code": "http_error", "message": "Ticket not found", "status": 404}
    }
    redactor = Redactor.of(["s3cret-token", "abc", "s3cret-token-long"])
    value = {"s3cret-token": ["x s3cret-token-long y", 3, {"k": "abc s3cret-token"}]}
    assert redactor.apply(value) == {
        "[redacted]": ["x [redacted] y", 3, {"k": "abc [redacted]"}]  # short values kept
    }


def test_the_whole_json_schema_reaches_the_llm() -> None:
    parameters = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"priority": {"type": "string", "enum": ["low", "high"]}},
        "required": ["priority"],
        "additionalProperties": False,
    }
    schema = JsonFunctionSchema("create_ticket", "Create a ticket.", parameters)
    assert schema.to_default_dict()["parameters"] == {
        "type": "object",
        "properties": {"priority": {"type": "string", "enum": ["low", "high"]}},
        "required": ["priority"],
        "additionalProperties": False,
    }
    assert schema.required == ["priority"]
