"""The ``show_form(form_id, prefill?)`` built-in: a form on the visitor's screen, its outcome
back to the agent.

Voice mode (RTVI over the WebRTC data channel): the widget registers a client-side function
named ``show_form`` (``PipecatClient.registerFunctionCallHandler``). The tool sends the RTVI
server message ``llm-function-call-in-progress`` with ``function_name: "show_form"`` and
``arguments: {form_id, prefill?}`` (the prefill checked against the form's fields), under its
own ``tool_call_id`` (``show_form:<LLM call id>``, so Pipecat's default RTVI reporting — which
names no function — never triggers the widget twice). The widget answers
``llm-function-call-result`` with ``result: {status: "submitted"|"cancelled", form_id, values?,
response_id?, error?}``; the tool picks it up as the RTVI processor pushes it, and returns the
cleaned outcome to the LLM. A managed-storage submission (``submit_url: null``) has already
been stored by the widget through ``POST /api/agents/{slug}/form-responses/`` with the
session's id (the forms service of the public API). The call is asynchronous in Pipecat's
sense (``cancel_on_interruption=False``): the visitor may talk while the form is open, and the
outcome reaches the LLM whenever it comes (at most ``ToolDeps.form_timeout`` later).

Text mode has no data channel. The tool returns ``{"status": "offered", form_id, prefill?,
message}`` at once; the messages route adds the form to its answer (``forms: [...]``,
see :func:`offered_forms`) and the text UI renders it. The page then posts the outcome as
``{form_result: {...}}`` to the same messages route; :meth:`ShowFormTool.take_offer` finds
the call that offered the form, and the text session tells the agent the cleaned outcome the
way Pipecat tells a late asynchronous tool result (a ``developer`` message naming the call).

Events: ``form_shown`` ``{form_id, mode, prefilled}`` and ``form_result``
``{form_id, status, response_id?}`` (no values: those are in the tool-call log).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from pipecat.frames.frames import Frame, FunctionCallResultFrame
from pipecat.processors.frameworks.rtvi import models as rtvi_models
from pydantic import ValidationError

from oshara.forms.definitions import FormDefinition, parse_forms
from oshara.forms.validation import field_error
from oshara.voice.tools.base import Tool, ToolCall, ToolError

__all__ = ["CLIENT_CALL_PREFIX", "ShowFormTool", "offered_forms", "parse_spec_forms"]

CLIENT_CALL_PREFIX = "show_form:"
MAX_VALUE_CHARS = 2_000
TEXT_OFFERED = "The form is now on the screen, ready to fill in."
"""What the LLM gets when a form is shown in text mode (the outcome comes in a later message).
Worded so that a small model repeating it verbatim still says the right thing."""


def parse_spec_forms(raw: Any) -> list[FormDefinition]:
    """The session's forms; a form that does not validate is left out (not the others)."""
    if not isinstance(raw, list):
        return []
    try:
        return parse_forms(raw)
    except ValidationError:
        forms: list[FormDefinition] = []
        for item in raw:
            try:
                forms.extend(parse_forms([item]))
            except ValidationError:
                continue
        ids = [f.id for f in forms]
        return [f for i, f in enumerate(forms) if f.id not in ids[:i]]


def _describe(form: FormDefinition) -> str:
    names = [f.name for f in form.all_fields() if f.name and f.type != "display"]
    return f"'{form.id}' ({form.title}: {', '.join(names) or 'no fields'})"


def check_prefill(form: FormDefinition, prefill: Any) -> dict[str, Any]:
    """Prefill values checked against the form's fields (partial values are fine)."""
    if prefill is None:
        return {}
    if not isinstance(prefill, Mapping):
        raise ToolError("invalid_arguments", "prefill must be an object of field name → value.")
    fields = {f.name: f for f in form.all_fields() if f.name and f.type != "display"}
    problems: list[dict[str, str]] = []
    clean: dict[str, Any] = {}
    for key, value in prefill.items():
        field = fields.get(str(key))
        if field is None:
            known = ", ".join(fields) or "none"
            message = f"unknown field (fields: {known})"
            problems.append({"path": f"prefill.{key}", "message": message})
            continue
        if value is None or value == "":
            continue
        error = field_error(field.model_copy(update={"required": False}), value)
        if error is not None:
            problems.append({"path": f"prefill.{key}", "message": error})
            continue
        clean[field.name or str(key)] = value
    if problems:
        summary = "; ".join(f"{p['path']}: {p['message']}" for p in problems)
        raise ToolError(
            "invalid_arguments",
            f"The prefill does not fit form '{form.id}' ({summary}). Fix it or leave it out.",
            details=problems,
        )
    return clean


def clean_outcome(form: FormDefinition, raw: Any) -> dict[str, Any]:
    """The widget's answer reduced to what the LLM needs (known fields, bounded sizes)."""
    data = raw if isinstance(raw, Mapping) else {}
    status = data.get("status")
    if status not in ("submitted", "cancelled"):
        status = "cancelled"
    out: dict[str, Any] = {"status": status, "form_id": form.id}
    values = data.get("values")
    if status == "submitted" and isinstance(values, Mapping):
        names = {f.name for f in form.all_fields() if f.name and f.type != "display"}
        out["values"] = {
            k: (v[:MAX_VALUE_CHARS] if isinstance(v, str) else v)
            for k, v in values.items()
            if k in names and isinstance(v, str | int | float | bool)
        }
    response_id = data.get("response_id")
    if isinstance(response_id, str | int) and len(str(response_id)) <= 100:
        out["response_id"] = str(response_id)
    error = data.get("error")
    if isinstance(error, str) and error:
        out["error"] = error[:200]
    if status == "cancelled":  # "submitted" and the values say it all (a small model repeats
        out["message"] = "The form was closed without being submitted."  # a message verbatim)
    return out


class ShowFormTool(Tool):
    kind = "builtin"
    filler = False

    def __init__(self, forms: list[FormDefinition], *, mode: str, timeout: float) -> None:
        self.forms = {f.id: f for f in forms}
        self.mode = mode
        self.timeout = timeout
        description = (
            "Show a form on the visitor's screen (optionally prefilled with what you already "
            "know) and get the outcome. Forms: " + "; ".join(_describe(f) for f in forms) + "."
        )
        parameters = {
            "type": "object",
            "properties": {
                "form_id": {
                    "type": "string",
                    "enum": list(self.forms),
                    "description": "Which form to show.",
                },
                "prefill": {
                    "type": "object",
                    "description": "Optional values to fill in, by field name.",
                    "additionalProperties": {"type": ["string", "number", "boolean"]},
                },
            },
            "required": ["form_id"],
            "additionalProperties": False,
        }
        super().__init__("show_form", description, parameters)
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._hooked: set[int] = set()
        self._offered: dict[str, str] = {}  # text mode: form id → the offering call's id

    @property
    def asynchronous(self) -> bool:
        return self.mode == "voice"

    async def run(self, arguments: dict[str, Any], call: ToolCall) -> Any:
        form = self.forms[str(arguments["form_id"])]
        prefill = check_prefill(form, arguments.get("prefill"))
        shown = {"form_id": form.id, "mode": self.mode, "prefilled": sorted(prefill)}
        if self.mode != "voice":
            self._offered[form.id] = call.tool_call_id
            call.events("form_shown", shown)
            out: dict[str, Any] = {"status": "offered", "form_id": form.id}
            if prefill:
                out["prefill"] = prefill
            out["message"] = TEXT_OFFERED
            return out
        rtvi = _rtvi_of(call)
        if rtvi is None:
            raise ToolError("unavailable", "Forms cannot be shown on this call.")
        self._hook(rtvi)
        client_id = CLIENT_CALL_PREFIX + call.tool_call_id
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[client_id] = future
        try:
            args: dict[str, Any] = {"form_id": form.id}
            if prefill:
                args["prefill"] = prefill
            message = rtvi_models.LLMFunctionCallInProgressMessage(
                data=rtvi_models.LLMFunctionCallInProgressMessageData(
                    tool_call_id=client_id, function_name="show_form", arguments=args
                )
            )
            await rtvi.push_transport_message(message)
            call.events("form_shown", shown)
            try:
                raw = await asyncio.wait_for(future, self.timeout)
            except TimeoutError:
                call.events("form_result", {"form_id": form.id, "status": "timeout"})
                raise ToolError(
                    "timeout", "The visitor did not submit or close the form in time."
                ) from None
        finally:
            self._pending.pop(client_id, None)
        outcome = clean_outcome(form, raw)
        result_event = {"form_id": form.id, "status": outcome["status"]}
        if "response_id" in outcome:
            result_event["response_id"] = outcome["response_id"]
        call.events("form_result", result_event)
        return outcome

    def take_offer(self, form_id: str) -> tuple[str, FormDefinition] | None:
        """Text mode: the id of the call that offered ``form_id`` and the form, once (the
        form's outcome is told to the agent a single time); ``None`` if no such offer waits."""
        call_id = self._offered.pop(form_id, None)
        if call_id is None:
            return None
        return call_id, self.forms[form_id]

    def _hook(self, rtvi: Any) -> None:
        if id(rtvi) in self._hooked:
            return
        self._hooked.add(id(rtvi))
        rtvi.add_event_handler("on_before_push_frame", self._on_rtvi_frame)

    async def _on_rtvi_frame(self, _processor: Any, frame: Frame) -> None:
        # The RTVI processor turns the client's ``llm-function-call-result`` into this frame.
        if isinstance(frame, FunctionCallResultFrame):
            future = self._pending.get(frame.tool_call_id)
            if future is not None and not future.done():
                future.set_result(frame.result)


def _rtvi_of(call: ToolCall) -> Any:
    worker = getattr(call.params, "pipeline_worker", None)
    if worker is None:
        return None
    try:
        return worker.rtvi
    except Exception:
        return None


def offered_forms(forms: list[Any], tool_calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Forms the agent offered during a text turn: ``[{form_id, prefill?, form}]`` where
    ``form`` is the definition as the widget's appearance endpoint serves it."""
    by_id = {f.id: f for f in parse_spec_forms(forms)}
    out: list[dict[str, Any]] = []
    for call in tool_calls:
        result = call.get("result")
        if call.get("name") != "show_form" or not isinstance(result, Mapping):
            continue
        if result.get("status") != "offered" or result.get("form_id") not in by_id:
            continue
        form = by_id[result["form_id"]]
        entry: dict[str, Any] = {"form_id": form.id}
        if isinstance(result.get("prefill"), Mapping) and result["prefill"]:
            entry["prefill"] = dict(result["prefill"])
        entry["form"] = form.public_dict()
        out.append(entry)
    return out
