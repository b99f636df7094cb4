"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1 (reusable test fixture).

    server = ScriptedLLM()
    server.reply("Hello there. How can I help?")        # streamed word by word
    server.tool_call("end_call", {})                     # a streamed tool call
    server.error(500)                                    # the next request fails
    async with server:                                   # or: await server.start() / stop()
        base_url = server.base_url                       # http://127.0.0.1:PORT/v1

Unscripted requests get ``default_reply``. Every request body is kept in ``requests`` so tests
can assert on the prompt the agent sent. ``first_token_delay`` and ``token_delay`` give the
fake model a fixed latency.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass
class Scripted:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    status: int = 200


class ScriptedLLM:
    def __init__(
        self,
        *,
        default_reply: str = "Okay.",
        first_token_delay: float = 0.0,
        token_delay: float = 0.0,
        model: str = "scripted-model",
    ) -> None:
        self.default_reply = default_reply
        self.first_token_delay = first_token_delay
        self.token_delay = token_delay
        self.model = model
        self.script: deque[Scripted] = deque()
        self.requests: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ script

    def reply(self, text: str) -> ScriptedLLM:
        self.script.append(Scripted(text=text))
        return self

    def tool_call(
        self, name: str, arguments: dict[str, Any] | None = None, text: str = ""
    ) -> ScriptedLLM:
        self.script.append(Scripted(text=text, tool_calls=[ToolCall(name, arguments or {})]))
        return self

    def error(self, status: int = 500) -> ScriptedLLM:
        """The next request fails with ``status`` (an OpenAI-style error body)."""
        self.script.append(Scripted(status=status))
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def last_messages(self) -> list[dict[str, Any]]:
        return list(self.requests[-1]["messages"]) if self.requests else []

    # ------------------------------------------------------------------ server

    async def start(self) -> ScriptedLLM:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ScriptedLLM:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _models(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {"object": "list", "data": [{"id": self.model, "object": "model"}]}
        )

    def _chunk(self, cid: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
        body = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(body)}\n\n".encode()

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        step = self.script.popleft() if self.script else Scripted(text=self.default_reply)
        if step.status != 200:
            error = {"message": "scripted failure", "type": "server_error", "code": None}
            return web.json_response({"error": error}, status=step.status)
        cid = "chatcmpl-" + uuid.uuid4().hex[:12]
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": step.text or None}
            if step.tool_calls:
                message["tool_calls"] = [
                    {
                        "id": f"call_{i}",
                        "type": "function",
                        "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                    }
                    for i, c in enumerate(step.tool_calls)
                ]
            await asyncio.sleep(self.first_token_delay)
            return web.json_response(
                {
                    "id": cid,
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": self.model,
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                }
            )
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await asyncio.sleep(self.first_token_delay)
        await resp.write(self._chunk(cid, {"role": "assistant", "content": ""}))
        words = step.text.split(" ") if step.text else []
        for i, word in enumerate(words):
            token = word if i == 0 else " " + word
            await resp.write(self._chunk(cid, {"content": token}))
            if self.token_delay:
                await asyncio.sleep(self.token_delay)
        for i, call in enumerate(step.tool_calls):
            await resp.write(
                self._chunk(
                    cid,
                    {
                        "tool_calls": [
                            {
                                "index": i,
                                "id": f"call_{uuid.uuid4().hex[:8]}",
                                "type": "function",
                                "function": {"name": call.name, "arguments": ""},
                            }
                        ]
                    },
                )
            )
            await resp.write(
                self._chunk(
                    cid,
                    {
                        "tool_calls": [
                            {"index": i, "function": {"arguments": json.dumps(call.arguments)}}
                        ]
                    },
                )
            )
        finish = "tool_calls" if step.tool_calls else "stop"
        await resp.write(self._chunk(cid, {}, finish))
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp
