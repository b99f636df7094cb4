"""A loopback transport whose "browser" speaks RTVI messages, for ``show_form`` in voice mode.

The output side keeps every transport message the agent sends (what the data channel would
carry); :func:`answer_function_call` plays the widget's part, answering a client-side function
call with ``llm-function-call-result`` as ``@pipecat-ai/client-js`` does.
"""

from __future__ import annotations

import itertools
from typing import Any

import pipecat.processors.frameworks.rtvi.models as RTVI
from pipecat.frames.frames import OutputTransportMessageFrame, OutputTransportMessageUrgentFrame

from oshara.voice.loopback import LoopbackOutputTransport, LoopbackTransport

_ids = itertools.count(1)


class MessagingOutput(LoopbackOutputTransport):
    async def send_message(
        self, frame: OutputTransportMessageFrame | OutputTransportMessageUrgentFrame
    ) -> None:
        assert isinstance(self._owner, MessagingLoopback)
        self._owner.messages.append(dict(frame.message))


class MessagingLoopback(LoopbackTransport):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, Any]] = []
        self._output = MessagingOutput(self, self.params)

    def function_calls(self, name: str) -> list[dict[str, Any]]:
        """``llm-function-call-in-progress`` messages that name ``name`` (what triggers the
        widget's registered handler)."""
        return [
            m["data"]
            for m in self.messages
            if m.get("type") == "llm-function-call-in-progress"
            and (m.get("data") or {}).get("function_name") == name
        ]


async def answer_function_call(rtvi: Any, call: dict[str, Any], result: dict[str, Any]) -> None:
    """What the widget sends once the visitor submits or closes the form."""
    message = RTVI.Message(
        type="llm-function-call-result",
        id=f"client-{next(_ids)}",
        data={
            "function_name": call["function_name"],
            "tool_call_id": call["tool_call_id"],
            "arguments": call.get("arguments") or {},
            "result": result,
        },
    )
    await rtvi.handle_message(message)
