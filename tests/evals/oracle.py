"""A scripted OpenAI-compatible LLM that plays the eval cases' expected behaviour.

For every request it finds the turn being answered (the character by its canary in the
prompt, the turn by the last user message, or the form outcome and the user message before
it), counts the tool results already given in that turn, and answers with the next expected
call (its ``example`` arguments) or, when every call is done, the turn's ``reference`` reply.
``end_call`` is sent with the reference text in the same response (it ends the turn).

``overrides[(case_id, turn_index)]`` replaces a turn's steps, to play a wrong model.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from aiohttp import web

from oshara.evals.cases import Case, EvalSet, Turn
from oshara.evals.checks import example_of
from tests.voice.scripted_llm import Scripted, ScriptedLLM, ToolCall

Key = tuple[str, str]


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _is_form_outcome(message: dict[str, Any]) -> bool:
    return message.get("role") not in ("assistant", "tool") and '"async_tool"' in _text(message)


def turn_steps(turn: Turn) -> list[Scripted]:
    """What a correct model does in ``turn``: each expected call, then the reference reply."""
    steps: list[Scripted] = []
    for call in turn.calls or []:
        if call.name == "end_call":
            steps.append(Scripted(text=turn.reference or "", tool_calls=[ToolCall("end_call", {})]))
            return steps
        args = call.example if call.example is not None else example_of(call.arguments or {})
        steps.append(Scripted(tool_calls=[ToolCall(call.name, dict(args))]))
    steps.append(Scripted(text=turn.reference or ""))
    return steps


def turn_keys(eval_set: EvalSet, case: Case) -> list[Key]:
    """The key of each turn: (canary, last user text) or (canary, 'form after: ' + text)."""
    canary = eval_set.characters[case.character].canary
    keys: list[Key] = []
    last_user = ""
    for turn in case.turns:
        if turn.user is not None:
            last_user = turn.user
            keys.append((canary, turn.user))
        else:
            keys.append((canary, "form after: " + last_user))
    return keys


class OracleLLM(ScriptedLLM):
    def __init__(
        self,
        eval_set: EvalSet,
        overrides: dict[tuple[str, int], list[Scripted]] | None = None,
    ) -> None:
        super().__init__(default_reply="I don't know that turn.")
        self.eval_set = eval_set
        self.overrides = overrides or {}
        self.turns: dict[Key, tuple[str, int, Turn]] = {}
        self.unknown: list[str] = []
        for case in eval_set.cases:
            for index, (key, turn) in enumerate(
                zip(turn_keys(eval_set, case), case.turns, strict=True)
            ):
                self.turns[key] = (case.id, index, turn)

    def _step(self, body: dict[str, Any]) -> Scripted:
        messages: list[dict[str, Any]] = body.get("messages") or []
        everything = json.dumps(messages, ensure_ascii=False)
        canaries = [e.canary for e in self.eval_set.characters.values()]
        canary = next((c for c in canaries if c in everything), "")
        done = 0
        key: Key | None = None
        for i in range(len(messages) - 1, -1, -1):
            message = messages[i]
            if message.get("role") == "tool":
                done += 1
            elif _is_form_outcome(message):
                users = [m for m in messages[:i] if m.get("role") == "user"]
                key = (canary, "form after: " + (_text(users[-1]) if users else ""))
                break
            elif message.get("role") == "user":
                key = (canary, _text(message))
                break
        found = self.turns.get(key) if key else None
        if found is None:
            self.unknown.append(repr(key))
            return Scripted(text=self.default_reply)
        case_id, index, turn = found
        steps = self.overrides.get((case_id, index)) or turn_steps(turn)
        return steps[min(done, len(steps) - 1)]

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()  # aiohttp keeps the body: the parent reads it again
        self.script = deque([self._step(body)])
        return await super()._completions(request)
