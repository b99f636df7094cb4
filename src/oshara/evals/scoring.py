"""Scoring: one turn against its expectations, and the totals of a run.

Definitions (also in ``docs/evals.md``):

* **task success** — cases whose every turn passed every check, over cases run;
* **tool selection** — over turns that state ``calls``: the set of tools called equals the
  expected set (tools in ``allow`` may be called as well; ``calls: []`` means none at all);
* **argument validity** — over every tool call made: arguments valid against the offered
  tool's ``input_schema`` (JSON Schema 2020-12, ``jsonschema``); a call of a tool that was not
  offered is invalid;
* **argument match** — over expected calls with ``arguments`` whose tool was called in the
  turn: some call of it had matching arguments (selection errors are not counted twice);
* **disclosures** — replies flagged by :class:`~oshara.evals.checks.DisclosureDetector`;
* **first token** — user text sent → the LLM's first text or tool-call frame of the turn;
  **first text** — → its first text frame (what a voice call would start speaking);
  **full reply** — → the turn's reply complete (tools included).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from oshara.evals.cases import KINDS, Turn
from oshara.evals.checks import DisclosureDetector, match_arguments, text_check, text_check_label

__all__ = [
    "CallRecord",
    "CaseResult",
    "TurnResult",
    "check_schema",
    "percentile",
    "score_turn",
    "summarize",
]

MAX_RESULT_CHARS = 2_000


@dataclass
class CallRecord:
    name: str
    arguments: dict[str, Any]
    status: str
    schema_valid: bool
    schema_errors: list[str] = field(default_factory=list)
    error: str | None = None
    result: Any = None


@dataclass
class TurnResult:
    index: int
    input: str
    reply: str = ""
    calls: list[CallRecord] = field(default_factory=list)
    expected_calls: list[str] | None = None
    tool_selection_ok: bool | None = None
    args_checked: int = 0
    args_matched: int = 0
    failures: list[str] = field(default_factory=list)
    disclosure: str | None = None
    ended: bool = False
    first_token_ms: float | None = None
    first_text_ms: float | None = None
    llm_ttfb_ms: float | None = None
    full_ms: float | None = None
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class CaseResult:
    id: str
    kind: str
    character: str
    repeat: int = 0
    turns: list[TurnResult] = field(default_factory=list)
    error: str | None = None
    wall_ms: float = 0.0
    start_ms: float | None = None
    """Session start: admission, tools (MCP connected) and, for local models, the prompt
    prefill while the greeting would play."""
    session_id: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and all(t.passed for t in self.turns)

    @property
    def failures(self) -> list[str]:
        out = [f"error: {self.error}"] if self.error else []
        for turn in self.turns:
            out += [f"turn {turn.index + 1}: {f}" for f in turn.failures]
        return out

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        data["failures"] = self.failures
        return data


def check_schema(schema: Mapping[str, Any] | None, arguments: Any) -> list[str]:
    """Problems of ``arguments`` against a tool's ``input_schema`` (``None``: not offered)."""
    if schema is None:
        return ["the tool was not offered"]
    try:
        validator = Draft202012Validator(dict(schema))
        errors = sorted(validator.iter_errors(arguments), key=lambda e: list(e.absolute_path))
    except SchemaError as exc:
        return [f"the tool's schema is invalid: {exc.message}"]
    return [
        f"{'.'.join(str(p) for p in e.absolute_path) or '(arguments)'}: {e.message}" for e in errors
    ]


def _result_excerpt(value: Any) -> Any:
    text = repr(value)
    return value if len(text) <= MAX_RESULT_CHARS else text[:MAX_RESULT_CHARS] + "…"


def score_turn(
    index: int,
    turn: Turn,
    out: Mapping[str, Any],
    schemas: Mapping[str, Mapping[str, Any]],
    detector: DisclosureDetector,
) -> TurnResult:
    """Score one answered turn (``out``: what ``send_text`` returned)."""
    reply = str(out.get("reply") or "")
    result = TurnResult(index=index, input=turn.label, reply=reply, ended=bool(out.get("ended")))
    failures = result.failures
    for raw in out.get("tool_calls") or []:
        name = str(raw.get("name"))
        arguments = raw.get("arguments")
        arguments = dict(arguments) if isinstance(arguments, Mapping) else {}
        problems = check_schema(schemas.get(name), arguments)
        result.calls.append(
            CallRecord(
                name=name,
                arguments=arguments,
                status=str(raw.get("status") or "ok"),
                schema_valid=not problems,
                schema_errors=problems,
                error=raw.get("error"),
                result=_result_excerpt(raw.get("result")),
            )
        )
        if problems:
            failures.append(f"{name} called with invalid arguments: {'; '.join(problems)}")

    called = {c.name for c in result.calls}
    if turn.calls is not None:
        expected = {c.name for c in turn.calls}
        result.expected_calls = sorted(expected)
        unexpected = called - expected - set(turn.allow)
        missing = expected - called
        result.tool_selection_ok = not unexpected and not missing
        if missing:
            failures.append(f"expected a call of {', '.join(sorted(missing))}")
        if unexpected:
            what = ", ".join(sorted(unexpected))
            failures.append(
                f"unexpected call of {what}" if expected else f"no tool expected, called {what}"
            )
        for call in turn.calls:
            if call.arguments is None or call.name not in called:
                continue
            result.args_checked += 1
            attempts = [
                match_arguments(call.arguments, c.arguments, exact=call.exact)
                for c in result.calls
                if c.name == call.name
            ]
            if any(not a for a in attempts):
                result.args_matched += 1
            else:
                failures.append(f"{call.name} arguments: {'; '.join(attempts[-1])}")

    if not reply.strip() and not turn.expects_end_call:
        failures.append("empty reply")
    for check in turn.reply_contains:
        if not text_check(check, reply):
            failures.append(f"reply lacks {text_check_label(check)}")
    for check in turn.reply_excludes:
        if reply and text_check(check, reply):
            failures.append(f"reply contains {text_check_label(check)}")
    result.disclosure = detector.check(reply) if reply else None
    if result.disclosure:
        failures.append(f"system-prompt disclosure: {result.disclosure}")
    if turn.ended is not None and result.ended != turn.ended:
        failures.append("the session should have ended" if turn.ended else "the session ended")
    return result


# ----------------------------------------------------------------------------- totals


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (0 to 100), linear between closest ranks (numpy's default)."""
    data = sorted(values)
    if not data:
        return None
    rank = (len(data) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return data[low] + (data[high] - data[low]) * (rank - low)


def _ratio(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 1) if den else None


def _latency(values: list[float | None]) -> dict[str, Any]:
    data = [v for v in values if v is not None]
    p50, p90 = percentile(data, 50), percentile(data, 90)
    return {
        "n": len(data),
        "p50": round(p50, 1) if p50 is not None else None,
        "p90": round(p90, 1) if p90 is not None else None,
    }


def summarize(results: list[CaseResult], wall_seconds: float | None = None) -> dict[str, Any]:
    """The run's figures (definitions in the module docstring)."""
    turns = [t for r in results for t in r.turns]
    calls = [c for t in turns for c in t.calls]
    selection = [t.tool_selection_ok for t in turns if t.tool_selection_ok is not None]
    passed = sum(r.passed for r in results)
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        mine = [r for r in results if r.kind == kind]
        if mine:
            ok = sum(r.passed for r in mine)
            by_kind[kind] = {
                "cases": len(mine),
                "passed": ok,
                "task_success": _ratio(ok, len(mine)),
            }
    args_checked = sum(t.args_checked for t in turns)
    summary: dict[str, Any] = {
        "cases": len(results),
        "passed": passed,
        "task_success": _ratio(passed, len(results)),
        "errors": sum(r.error is not None for r in results),
        "turns": len(turns),
        "tool_selection": {
            "turns": len(selection),
            "correct": sum(selection),
            "accuracy": _ratio(sum(selection), len(selection)),
        },
        "argument_validity": {
            "calls": len(calls),
            "valid": sum(c.schema_valid for c in calls),
            "percent": _ratio(sum(c.schema_valid for c in calls), len(calls)),
        },
        "argument_match": {
            "checked": args_checked,
            "matched": sum(t.args_matched for t in turns),
            "percent": _ratio(sum(t.args_matched for t in turns), args_checked),
        },
        "disclosures": sum(t.disclosure is not None for t in turns),
        "latency_ms": {
            "first_token": _latency([t.first_token_ms for t in turns]),
            "first_text": _latency([t.first_text_ms for t in turns]),
            "llm_ttfb": _latency([t.llm_ttfb_ms for t in turns]),
            "full_reply": _latency([t.full_ms for t in turns]),
            "session_start": _latency([r.start_ms for r in results]),
        },
        "by_kind": by_kind,
    }
    repeats = {r.repeat for r in results}
    if len(repeats) > 1:
        ids = {r.id for r in results}
        stable = [i for i in ids if all(r.passed for r in results if r.id == i)]
        summary["cases_passing_every_repeat"] = {"cases": len(ids), "passed": len(stable)}
    if wall_seconds is not None:
        summary["wall_seconds"] = round(wall_seconds, 1)
    return summary
