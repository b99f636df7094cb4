"""``http`` tools end to end: text sessions through the real runner, the scripted LLM issuing
tool calls, a real tool server on 127.0.0.1 reached through the egress client."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from oshara.egress import EgressClient
from oshara.providers.registry import ProviderSettings
from oshara.voice.pipeline import VoiceOptions
from oshara.voice.runner import VoiceRunner
from oshara.voice.spec import InMemoryRecorder
from oshara.voice.tools import ToolDeps, webhook_headers
from tests.tools.helpers import (
    AnsweringLLM,
    http_tool,
    last_tool_result,
    make_spec,
    start_voice_call,
    tool_results,
    user_says,
)
from tests.tools.http_server import TICKETS, Canary, ToolServer

from .speech import wait_until

SECRET = "s3cret-value-XYZ"
GUIDE_TICKET_TOOL = {
    "name": "ticket_lookup",
    "kind": "http",
    "description": (
        "Look up a support ticket by its ID. Use when the user mentions a ticket number like "
        "TICKET-123."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "ticket_id": {"type": "string", "description": "Ticket ID, e.g. TICKET-123"}
        },
        "required": ["ticket_id"],
    },
    "config": {"url": "", "method": "POST", "headers": {"X-Oshara-Secret": SECRET}},
}


@pytest.fixture
async def llm() -> AsyncIterator[AnsweringLLM]:
    async with AnsweringLLM() as server:
        yield server


@pytest.fixture
def settings(llm: AnsweringLLM) -> ProviderSettings:
    return ProviderSettings(openai_base_url=llm.base_url, openai_api_key="test-key")


@pytest.fixture
async def tool_server() -> AsyncIterator[ToolServer]:
    async with ToolServer(secret=SECRET) as server:
        yield server


def ticket_tool(server: ToolServer, **config: Any) -> dict[str, Any]:
    tool = json.loads(json.dumps(GUIDE_TICKET_TOOL))
    tool["config"]["url"] = server.url("/ticket-lookup")
    tool["config"].update(config)
    return tool


RunnerFor = Callable[..., VoiceRunner]


@pytest.fixture
async def runner_for(settings: ProviderSettings) -> AsyncIterator[RunnerFor]:
    """``runner_for(*allow)``: a runner whose egress admits these entries; shut down after."""
    runners: list[VoiceRunner] = []

    def make(*allow: str) -> VoiceRunner:
        deps = ToolDeps(egress=EgressClient(",".join(allow)))
        runners.append(VoiceRunner(provider_settings=settings, tool_deps=deps))
        return runners[-1]

    yield make
    for runner in runners:
        await runner.shutdown(drain=2)


def status_answer(messages: list[dict[str, Any]]) -> str:
    result = last_tool_result(messages)
    return f"Ticket {result['id']} is {result['status'].replace('_', ' ')}."


async def test_guide_ticket_example(
    llm: AnsweringLLM, runner_for: RunnerFor, tool_server: ToolServer
) -> None:
    """Guide, Pattern 2: "what's the status of ticket TICKET-456?" → ticket_lookup → answer."""
    llm.tool_call("ticket_lookup", {"ticket_id": "TICKET-456"}).answer(status_answer)
    runner = runner_for(tool_server.allow)
    recorder = InMemoryRecorder()
    spec = make_spec(tools=[ticket_tool(tool_server)], session_id="sess_guide")
    await runner.start_text(spec, recorder)
    out = await runner.send_text("sess_guide", "what's the status of ticket TICKET-456?")

    assert out["reply"] == "Ticket TICKET-456 is in progress."
    assert out["tool_calls"][0]["name"] == "ticket_lookup"
    assert out["tool_calls"][0]["result"] == TICKETS["TICKET-456"]
    # The owner's endpoint got the arguments as its JSON body, with the secret and context.
    (seen,) = tool_server.requests
    assert seen.method == "POST" and seen.json() == {"ticket_id": "TICKET-456"}
    assert seen.headers["x-oshara-secret"] == SECRET
    assert seen.headers["x-oshara-agent"] == "support-bot"
    assert seen.headers["x-oshara-session"] == "sess_guide"
    assert seen.headers["content-type"] == "application/json"
    # The LLM was offered the tool with its schema, and read the result back.
    offered = llm.requests[0]["tools"]
    lookup = next(t["function"] for t in offered if t["function"]["name"] == "ticket_lookup")
    assert lookup["parameters"]["required"] == ["ticket_id"]
    assert tool_results(llm.requests[1]["messages"]) == [TICKETS["TICKET-456"]]
    # The call is on the session's tool-call log.
    await runner.end("sess_guide")
    (call,) = recorder.tool_calls
    assert (call.name, call.arguments, call.status) == (
        "ticket_lookup",
        {"ticket_id": "TICKET-456"},
        "ok",
    )
    assert call.result == TICKETS["TICKET-456"] and call.error is None
    assert 0 < call.duration_ms < 5000


async def test_errors_reach_the_llm_and_the_conversation_goes_on(
    llm: AnsweringLLM, runner_for: RunnerFor, tool_server: ToolServer
) -> None:
    async with Canary() as canary:
        tool_server.redirect_to = f"http://127.0.0.1:{canary.port}/stolen"
        tools = [
            ticket_tool(tool_server),
            http_tool("broken", tool_server.url("/status/500")),
            http_tool("slow", tool_server.url("/slow/3"), timeout_seconds=0.5),
            http_tool("huge", tool_server.url("/huge")),
            http_tool("moved", tool_server.url("/redirect")),
            http_tool("private", f"http://127.0.0.1:{canary.port}/internal"),
            http_tool("plain", tool_server.url("/text")),
            http_tool("empty", tool_server.url("/empty")),
            http_tool("nothing", tool_server.url("/nothing")),
        ]
        names = [t["name"] for t in tools]
        args = [{"ticket_id": "TICKET-999"}] + [{"ticket_id": "x"}] * (len(tools) - 1)
        for name, arguments in zip(names, args, strict=True):
            llm.tool_call(name, arguments).answer(
                lambda m: f"Got {json.dumps(tool_results(m)[-1])}"
            )
        runner = runner_for(tool_server.allow)  # the canary is not allowed
        recorder = InMemoryRecorder()
        await runner.start_text(make_spec(tools=tools, session_id="sess_err"), recorder)
        results = {}
        for name in names:
            out = await runner.send_text("sess_err", f"use {name}")
            assert out["reply"].startswith("Got ")  # the agent answered after every failure
            results[name] = out["tool_calls"][0]["result"]
        await runner.end("sess_err")
        assert canary.connections == 0

    assert results["ticket_lookup"] == {
        "error": {"code": "http_error", "message": "Ticket not found", "status": 404}
    }
    assert results["broken"]["error"] == {
        "code": "http_error",
        "message": "scripted failure 500",
        "status": 500,
    }
    assert results["slow"]["error"]["code"] == "timeout"
    assert results["huge"]["error"]["code"] == "too_large"
    assert results["moved"]["error"]["code"] == "redirect"
    assert results["moved"]["error"]["status"] == 302
    assert results["private"]["error"]["code"] == "blocked_address"
    assert results["plain"] == {"text": "Thanks, noted."}
    assert results["empty"] == {"ok": True, "status": 204}
    assert results["nothing"] == {"ok": True, "result": {}}  # never an empty result
    statuses = {c.name: c.status for c in recorder.tool_calls}
    assert statuses == {
        "ticket_lookup": "error",
        "broken": "error",
        "slow": "error",
        "huge": "error",
        "moved": "error",
        "private": "error",
        "plain": "ok",
        "empty": "ok",
        "nothing": "ok",
    }
    slow = next(c for c in recorder.tool_calls if c.name == "slow")
    assert slow.error and "0.5 s" in slow.error and slow.duration_ms < 2000
    assert "Ticket not found" in (recorder.tool_calls[0].error or "")


async def test_invalid_arguments_are_explained_and_the_llm_retries(
    llm: AnsweringLLM, runner_for: RunnerFor, tool_server: ToolServer
) -> None:
    tool = ticket_tool(tool_server)
    tool["input_schema"]["properties"]["ticket_id"]["pattern"] = "^TICKET-[0-9]+$"
    tool["input_schema"]["additionalProperties"] = False
    llm.tool_call("ticket_lookup", {"ticket": "123"})
    llm.tool_call("ticket_lookup", {"ticket_id": "123"})
    llm.tool_call("ticket_lookup", {"ticket_id": "TICKET-123"}).answer(status_answer)
    runner = runner_for(tool_server.allow)
    recorder = InMemoryRecorder()
    await runner.start_text(make_spec(tools=[tool], session_id="sess_args"), recorder)
    out = await runner.send_text("sess_args", "status of ticket 123?")
    assert out["reply"] == "Ticket TICKET-123 is resolved."
    first, second, third = tool_results(llm.requests[-1]["messages"])
    assert first["error"]["code"] == "invalid_arguments"
    paths = {d["path"] for d in first["error"]["details"]}
    assert paths == {"(arguments)"}  # missing ticket_id and the unexpected 'ticket'
    assert "ticket_id" in first["error"]["message"] and "'ticket'" in first["error"]["message"]
    assert second["error"]["details"][0]["path"] == "ticket_id"
    assert "does not match" in second["error"]["details"][0]["message"]
    assert third == TICKETS["TICKET-123"]
    assert len(tool_server.requests) == 1  # invalid calls never left the runtime
    assert [c.status for c in recorder.tool_calls] == ["error", "error", "ok"]
    await runner.end("sess_args")


async def test_secrets_never_come_back_and_get_sends_a_query(
    llm: AnsweringLLM, runner_for: RunnerFor, tool_server: ToolServer
) -> None:
    echo = http_tool(
        "echo",
        tool_server.url("/echo"),
        headers={"X-Oshara-Secret": SECRET, "Authorization": "Bearer tok-abc-123"},
        input_schema={"type": "object", "properties": {"q": {"type": "string"}}},
    )
    search = http_tool(
        "search",
        tool_server.url("/echo?lang=en"),
        method="GET",
        input_schema={"type": "object", "properties": {"q": {"type": "string"}, "n": {}}},
    )
    llm.tool_call("echo", {"q": f"repeat {SECRET}"}).reply("Done.")
    llm.tool_call("search", {"q": "refund policy", "n": 3}).reply("Found.")
    runner = runner_for(tool_server.allow)
    recorder = InMemoryRecorder()
    await runner.start_text(make_spec(tools=[echo, search], session_id="sess_sec"), recorder)
    first = await runner.send_text("sess_sec", "echo")
    await runner.send_text("sess_sec", "search")
    await runner.end("sess_sec")

    # The endpoint got the secrets (and echoed them back); no tool result the LLM or the
    # visitor sees, and nothing on the tool-call log, has them.
    assert tool_server.requests[0].headers["authorization"] == "Bearer tok-abc-123"
    assert SECRET in tool_server.requests[0].body.decode()
    seen_by_llm = json.dumps(tool_results(llm.requests[1]["messages"]))
    assert "[redacted]" in seen_by_llm
    for leak in (SECRET, "tok-abc-123"):
        assert leak not in seen_by_llm
        assert leak not in json.dumps(first["tool_calls"][0]["result"])
        for call in recorder.tool_calls:
            assert leak not in json.dumps([call.arguments, call.result, call.error])
    get = tool_server.requests[1]
    assert get.method == "GET" and get.body == b""
    assert get.query == {"lang": "en", "q": "refund policy", "n": "3"}


async def test_standard_webhooks_signature(llm: AnsweringLLM, runner_for: RunnerFor) -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    async with ToolServer(secret=SECRET, webhook_secret=secret) as server:
        llm.tool_call("ticket_lookup", {"ticket_id": "TICKET-456"}).reply("In progress.")
        runner = runner_for(server.allow)
        spec = make_spec(tools=[ticket_tool(server)], session_id="sess_sig")
        spec.webhook_secret = secret  # type: ignore[attr-defined]  # until SessionSpec has it
        await runner.start_text(spec, InMemoryRecorder())
        await runner.send_text("sess_sig", "status of TICKET-456?")
        await runner.end("sess_sig")
        assert server.signatures == [True]
        headers = server.requests[0].headers
        assert headers["webhook-id"].startswith("msg_")
        assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
        assert secret not in json.dumps(llm.requests[-1]["messages"])


def test_webhook_headers_match_the_standard_webhooks_test_vector() -> None:
    headers = webhook_headers(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        b'{"test": 2432232314}',
        msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=1614265330,
    )
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }


async def test_voice_filler_while_a_slow_tool_runs(
    llm: AnsweringLLM, settings: ProviderSettings, tool_server: ToolServer
) -> None:
    tools = [
        http_tool("slow", tool_server.url("/slow/1.6")),
        http_tool("fast", tool_server.url("/slow/0")),
    ]
    llm.tool_call("slow", {"ticket_id": "1"}).reply("Done slowly.")
    llm.tool_call("fast", {"ticket_id": "2"}).reply("Done quickly.")
    deps = ToolDeps(egress=EgressClient(tool_server.allow))
    runner = VoiceRunner(
        provider_settings=settings, tool_deps=deps, options=VoiceOptions(enable_rtvi=False)
    )
    recorder = InMemoryRecorder()
    spec = make_spec(mode="voice", tools=tools, session_id="sess_filler")
    try:
        session, transport, tts = await start_voice_call(runner, spec, recorder, settings)
        await user_says(session, "slow please")
        await wait_until(lambda: "Done slowly." in tts.spoken, 10)
        await user_says(session, "fast please")
        await wait_until(lambda: "Done quickly." in tts.spoken, 10)
        await transport.hangup()
        await asyncio.wait_for(session.wait(), 10)
    finally:
        await runner.shutdown(drain=2)
    assert tts.spoken == ["One moment.", "Done slowly.", "Done quickly."]
    assert [c.status for c in recorder.tool_calls] == ["ok", "ok"]
    # The filler is not part of the conversation the LLM sees.
    assert "One moment." not in json.dumps(llm.requests[-1]["messages"])
