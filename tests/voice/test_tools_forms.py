"""``show_form``: in text mode the form is offered in the messages answer; in voice mode it
travels to the widget over RTVI (a client-side function call) and the visitor's outcome comes
back to the LLM as the tool result."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from oshara.providers.registry import ProviderSettings
from oshara.voice.pipeline import VoiceOptions, VoiceSession
from oshara.voice.runner import VoiceRunner
from oshara.voice.spec import InMemoryRecorder
from oshara.voice.tools import ToolDeps
from oshara.voice.tools.forms import CLIENT_CALL_PREFIX, TEXT_OFFERED
from tests.tools.helpers import (
    CONTACT_FORM,
    AnsweringLLM,
    last_tool_result,
    make_spec,
    offered_tools,
    start_voice_call,
    tool_results,
    user_says,
)
from tests.tools.rtvi_client import MessagingLoopback, answer_function_call

from .fakes import FakeTTSService
from .speech import wait_until

FORM_BUILTINS = {"end_call": True, "show_form": True}


@pytest.fixture
async def llm() -> AsyncIterator[AnsweringLLM]:
    async with AnsweringLLM() as server:
        yield server


@pytest.fixture
def settings(llm: AnsweringLLM) -> ProviderSettings:
    return ProviderSettings(openai_base_url=llm.base_url, openai_api_key="test-key")


@pytest.fixture
async def runner(settings: ProviderSettings) -> AsyncIterator[VoiceRunner]:
    runner = VoiceRunner(provider_settings=settings, tool_deps=ToolDeps())
    yield runner
    await runner.shutdown(drain=2)


async def test_text_mode_offers_the_form_in_the_answer(
    llm: AnsweringLLM, runner: VoiceRunner
) -> None:
    llm.tool_call("show_form", {"form_id": "contact", "prefill": {"name": "Grace"}}).answer(
        lambda m: f"The form is {last_tool_result(m)['status']}."
    )
    recorder = InMemoryRecorder()
    spec = make_spec(forms=[CONTACT_FORM], builtins=FORM_BUILTINS, session_id="sess_ftext")
    await runner.start_text(spec, recorder)
    out = await runner.send_text("sess_ftext", "I want to leave a message")
    await runner.end("sess_ftext")

    assert out["reply"] == "The form is offered."
    (call,) = out["tool_calls"]
    assert call["name"] == "show_form"
    assert call["arguments"] == {"form_id": "contact", "prefill": {"name": "Grace"}}
    assert call["result"]["status"] == "offered"
    assert call["result"]["message"] == TEXT_OFFERED
    (offered,) = out["forms"]
    assert offered["form_id"] == "contact" and offered["prefill"] == {"name": "Grace"}
    assert offered["form"]["title"] == "Contact us" and offered["form"]["submit_url"] is None
    assert [f["name"] for f in offered["form"]["fields"]] == ["name", "email", "topic", "message"]
    show = next(
        t["function"] for t in llm.requests[0]["tools"] if t["function"]["name"] == "show_form"
    )
    assert show["parameters"]["properties"]["form_id"]["enum"] == ["contact"]
    assert "'contact' (Contact us: name, email, topic, message)" in show["description"]
    assert ("form_shown", {"form_id": "contact", "mode": "text", "prefilled": ["name"]}) in (
        recorder.events
    )
    assert recorder.tool_calls[0].status == "ok"


async def test_text_mode_tells_the_agent_the_forms_outcome(
    llm: AnsweringLLM, runner: VoiceRunner
) -> None:
    """The page posts the outcome of a form the agent showed (``form_result``); the agent gets
    it as Pipecat's late async-tool result for that show_form call, and answers."""
    import json

    from oshara.voice.text import NoFormWaiting

    llm.tool_call("show_form", {"form_id": "contact"}).reply("Here is the form.")
    llm.reply("Thanks Grace, we will write back.")
    recorder = InMemoryRecorder()
    spec = make_spec(forms=[CONTACT_FORM], builtins=FORM_BUILTINS, session_id="sess_fres")
    await runner.start_text(spec, recorder)
    await runner.send_text("sess_fres", "I want to leave a message")
    values = {"name": "Grace", "email": "grace@navy.mil", "topic": "billing", "message": "Hi"}
    out = await runner.send_text(
        "sess_fres",
        "",
        form_result={
            "form_id": "contact",
            "status": "submitted",
            "values": {**values, "unknown": "dropped"},
            "response_id": "fr_1",
        },
    )
    assert out["reply"] == "Thanks Grace, we will write back."
    assert out["tool_calls"] == [] and not out.get("forms")
    messages = llm.requests[-1]["messages"]
    call_id = next(
        c["id"] for m in messages if m.get("role") == "assistant" for c in m.get("tool_calls", [])
    )
    final = json.loads(messages[-1]["content"])
    assert messages[-1]["role"] in ("developer", "user")  # as the provider takes it
    assert final["type"] == "async_tool" and final["tool_call_id"] == call_id
    assert json.loads(final["result"]) == {
        "status": "submitted",
        "form_id": "contact",
        "values": values,
        "response_id": "fr_1",
    }
    result_event = {"form_id": "contact", "status": "submitted", "response_id": "fr_1"}
    assert ("form_result", result_event) in recorder.events
    # Told once: a second outcome for the same offer, or a form never shown, is refused.
    with pytest.raises(NoFormWaiting):
        await runner.send_text(
            "sess_fres", "", form_result={"form_id": "contact", "status": "cancelled"}
        )
    await runner.end("sess_fres")
    assert [t.text for t in recorder.turns if t.role == "agent"][-1] == (
        "Thanks Grace, we will write back."
    )


async def test_bad_form_id_and_prefill_are_explained(
    llm: AnsweringLLM, runner: VoiceRunner
) -> None:
    llm.tool_call("show_form", {"form_id": "survey"})
    llm.tool_call(
        "show_form",
        {"form_id": "contact", "prefill": {"email": "not-an-email", "age": 3, "topic": "cats"}},
    )
    llm.tool_call("show_form", {"form_id": "contact", "prefill": {"topic": "billing"}}).reply(
        "Here you go."
    )
    spec = make_spec(forms=[CONTACT_FORM], builtins=FORM_BUILTINS, session_id="sess_fbad")
    await runner.start_text(spec, InMemoryRecorder())
    out = await runner.send_text("sess_fbad", "form please")
    await runner.end("sess_fbad")
    unknown, bad_prefill, good = tool_results(llm.requests[-1]["messages"])
    assert unknown["error"]["code"] == "invalid_arguments"
    assert unknown["error"]["details"][0]["path"] == "form_id"
    problems = {d["path"]: d["message"] for d in bad_prefill["error"]["details"]}
    assert problems == {
        "prefill.email": "Enter a valid email address",
        "prefill.age": "unknown field (fields: name, email, topic, message)",
        "prefill.topic": "Choose one of the available options",
    }
    assert good["status"] == "offered" and good["prefill"] == {"topic": "billing"}
    assert [f["prefill"] for f in out["forms"]] == [{"topic": "billing"}]


async def test_show_form_can_be_switched_off(llm: AnsweringLLM, runner: VoiceRunner) -> None:
    llm.reply("Hello.")
    builtins = {"end_call": False, "show_form": False}
    spec = make_spec(forms=[CONTACT_FORM], builtins=builtins, session_id="sess_foff")
    await runner.start_text(spec, InMemoryRecorder())
    await runner.send_text("sess_foff", "hi")
    await runner.end("sess_foff")
    assert offered_tools(llm.requests[0]) == []


async def _voice_call(
    settings: ProviderSettings,
    runner: VoiceRunner,
    recorder: InMemoryRecorder,
    session_id: str = "sess_fvoice",
    **kw: Any,
) -> tuple[VoiceSession, MessagingLoopback, FakeTTSService]:
    spec = make_spec(
        mode="voice", forms=[CONTACT_FORM], builtins=FORM_BUILTINS, session_id=session_id
    )
    runner.options = VoiceOptions(end_grace_secs=5.0, **kw)
    transport = MessagingLoopback()
    session, _, tts = await start_voice_call(runner, spec, recorder, settings, transport)
    return session, transport, tts


def _thanks(messages: list[dict[str, Any]]) -> str:
    """Read the form's outcome wherever Pipecat put it (tool result or deferred message)."""
    text = str(messages[-3:])
    return "Thanks Grace, message received." if "submitted" in text else "No form result."


async def test_voice_mode_round_trip_over_rtvi(
    llm: AnsweringLLM, settings: ProviderSettings, runner: VoiceRunner
) -> None:
    llm.tool_call(
        "show_form", {"form_id": "contact", "prefill": {"name": "Grace"}}, text="Opening it."
    )
    llm.reply("Take your time.").answer(_thanks)
    recorder = InMemoryRecorder()
    session, transport, tts = await _voice_call(settings, runner, recorder)
    await user_says(session, "I want to leave a message")

    # The widget is asked to run its client-side show_form function, once.
    await wait_until(lambda: bool(transport.function_calls("show_form")), 10)
    (call,) = transport.function_calls("show_form")
    assert call["tool_call_id"].startswith(CLIENT_CALL_PREFIX)
    assert call["arguments"] == {"form_id": "contact", "prefill": {"name": "Grace"}}
    # Pipecat's own RTVI report of the call names no function (the widget ignores it).
    assert all(
        (m.get("data") or {}).get("function_name") != "show_form"
        for m in transport.messages
        if m.get("type") == "llm-function-call-in-progress"
        and m["data"]["tool_call_id"] != call["tool_call_id"]
    )
    # The visitor talks while the form is open: the call is not cancelled.
    await user_says(session, "one moment, typing")
    await wait_until(lambda: "Take your time." in tts.spoken, 10)
    assert not recorder.tool_calls

    submitted = {
        "status": "submitted",
        "form_id": "contact",
        "values": {"name": "Grace", "email": "grace@navy.mil", "message": "Hi", "x": "junk"},
        "response_id": "4f9a7c1e-0000-4000-8000-000000000001",
    }
    await answer_function_call(session.worker.rtvi, call, submitted)
    await wait_until(lambda: bool(recorder.tool_calls), 10)
    await wait_until(lambda: "Thanks Grace, message received." in tts.spoken, 10)
    await transport.hangup()
    await asyncio.wait_for(session.wait(), 10)

    (logged,) = recorder.tool_calls
    assert logged.name == "show_form" and logged.status == "ok"
    assert logged.arguments == {"form_id": "contact", "prefill": {"name": "Grace"}}
    assert logged.result == {
        "status": "submitted",
        "form_id": "contact",
        "values": {"name": "Grace", "email": "grace@navy.mil", "message": "Hi"},
        "response_id": "4f9a7c1e-0000-4000-8000-000000000001",
    }
    kinds = [(k, d) for k, d in recorder.events if k.startswith("form_")]
    assert kinds == [
        ("form_shown", {"form_id": "contact", "mode": "voice", "prefilled": ["name"]}),
        (
            "form_result",
            {
                "form_id": "contact",
                "status": "submitted",
                "response_id": "4f9a7c1e-0000-4000-8000-000000000001",
            },
        ),
    ]
    # The outcome reached the LLM (the values the visitor typed included).
    assert "grace@navy.mil" in str(llm.requests[-1]["messages"])


async def test_voice_mode_cancel(
    llm: AnsweringLLM, settings: ProviderSettings, runner: VoiceRunner
) -> None:
    llm.tool_call("show_form", {"form_id": "contact"})
    llm.answer(lambda m: "Cancelled then." if "cancelled" in str(m[-3:]) else "Hm.")
    recorder = InMemoryRecorder()
    session, transport, tts = await _voice_call(settings, runner, recorder)
    await user_says(session, "show me the form")
    await wait_until(lambda: bool(transport.function_calls("show_form")), 10)
    (call,) = transport.function_calls("show_form")
    await answer_function_call(session.worker.rtvi, call, {"status": "cancelled", "form_id": "x"})
    await wait_until(lambda: "Cancelled then." in tts.spoken, 10)
    await transport.hangup()
    await asyncio.wait_for(session.wait(), 10)
    assert recorder.tool_calls[0].result["status"] == "cancelled"
    assert recorder.tool_calls[0].result["form_id"] == "contact"
    assert ("form_result", {"form_id": "contact", "status": "cancelled"}) in recorder.events


async def test_voice_mode_without_rtvi_or_answer(
    llm: AnsweringLLM, settings: ProviderSettings, runner: VoiceRunner
) -> None:
    """No data channel protocol → the LLM hears the form cannot be shown; a widget that
    never answers → a timeout error after ``form_timeout``."""
    llm.tool_call("show_form", {"form_id": "contact"}).answer(
        lambda m: f"Error {last_tool_result(m)['error']['code']}."
    )
    recorder = InMemoryRecorder()
    session, _, tts = await _voice_call(settings, runner, recorder, enable_rtvi=False)
    await user_says(session, "form please")
    await wait_until(lambda: "Error unavailable." in tts.spoken, 10)
    await session.cancel("test")
    await asyncio.wait_for(session.wait(), 10)

    runner.tool_deps.form_timeout = 0.5
    llm.tool_call("show_form", {"form_id": "contact"}).answer(
        lambda m: "Timed out." if "timeout" in str(m[-3:]) else "Hm."
    )
    recorder = InMemoryRecorder()
    session, transport, tts = await _voice_call(settings, runner, recorder, "sess_fslow")
    await user_says(session, "form please")
    await wait_until(lambda: "Timed out." in tts.spoken, 10)
    await transport.hangup()
    await asyncio.wait_for(session.wait(), 10)
    assert recorder.tool_calls[0].status == "error"
    assert ("form_result", {"form_id": "contact", "status": "timeout"}) in recorder.events
