"""Shared pieces of the tool tests: a scripted LLM that can answer from tool results, specs,
and readers for what the LLM was sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from oshara.voice.spec import SessionSpec
from tests.voice.scripted_llm import Scripted, ScriptedLLM

Answer = Callable[[list[dict[str, Any]]], str]

CONTACT_FORM: dict[str, Any] = {
    "id": "contact",
    "title": "Contact us",
    "submit_url": None,
    "fields": [
        {"name": "name", "label": "Name", "type": "text", "required": True},
        {"name": "email", "label": "Email", "type": "email", "required": True},
        {"name": "topic", "label": "Topic", "type": "select", "options": ["billing", "other"]},
        {"name": "message", "label": "Message", "type": "textarea"},
    ],
}


class AnsweringLLM(ScriptedLLM):
    """A :class:`ScriptedLLM` whose scripted replies may be computed from the request
    (``answer(fn)``: ``fn(messages) -> text``), e.g. to read a tool result back."""

    def answer(self, fn: Answer) -> AnsweringLLM:
        self.script.append(Scripted(text=fn))  # type: ignore[arg-type]
        return self

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()  # aiohttp keeps the body: the parent reads it again
        if self.script and callable(self.script[0].text):
            step = self.script[0]
            step.text = step.text(body["messages"])  # type: ignore[operator]
        return await super()._completions(request)


def tool_results(messages: list[dict[str, Any]]) -> list[Any]:
    """The tool results in a request's messages, JSON-decoded, oldest first."""
    out = []
    for m in messages:
        if m.get("role") == "tool":
            try:
                out.append(json.loads(m["content"]))
            except (TypeError, ValueError):
                out.append(m["content"])
    return out


def last_tool_result(messages: list[dict[str, Any]]) -> Any:
    results = tool_results(messages)
    return results[-1] if results else None


def offered_tools(request: dict[str, Any]) -> list[str]:
    return [t["function"]["name"] for t in request.get("tools") or []]


def make_spec(mode: str = "text", **kw: Any) -> SessionSpec:
    base: dict[str, Any] = dict(
        session_id="sess_tools1",
        character_slug="support-bot",
        character_name="Support Bot",
        system_prompt="You are a support agent.",
        greeting="",
        llm_model="gpt-4o-mini",
        mode=mode,
    )
    base.update(kw)
    return SessionSpec(**base)


def http_tool(name: str, url: str, **config: Any) -> dict[str, Any]:
    schema = config.pop("input_schema", None) or {
        "type": "object",
        "properties": {"ticket_id": {"type": "string"}},
        "required": ["ticket_id"],
    }
    return {
        "name": name,
        "kind": "http",
        "description": f"The {name} tool.",
        "input_schema": schema,
        "config": {"url": url, **config},
    }


async def user_says(session: Any, text: str) -> None:
    """A user turn without audio: the message is appended and the LLM runs (voice mode)."""
    from pipecat.frames.frames import LLMMessagesAppendFrame

    message = {"role": "user", "content": text}
    await session.worker.queue_frame(LLMMessagesAppendFrame(messages=[message], run_llm=True))


async def start_voice_call(
    runner: Any, spec: SessionSpec, recorder: Any, settings: Any, transport: Any = None
) -> tuple[Any, Any, Any]:
    """A voice session on ``runner`` with fake STT/TTS, connected; (session, transport, tts)."""
    import asyncio

    from oshara.providers.registry import create_llm
    from oshara.voice.agent import AgentServices
    from oshara.voice.loopback import LoopbackTransport
    from tests.voice.fakes import FakeSTTService, FakeTTSService

    tts = FakeTTSService(latency=0.01, secs_per_word=0.05)
    services = AgentServices(
        llm=create_llm(spec.llm_model, settings), stt=FakeSTTService([]), tts=tts
    )
    transport = transport or LoopbackTransport()
    session = await runner.start_voice(spec, recorder, transport, services=services)
    await asyncio.sleep(0.3)
    await transport.connect()
    return session, transport, tts
