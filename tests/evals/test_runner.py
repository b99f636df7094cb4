"""The eval runner on the real text-mode runtime, against a scripted OpenAI-compatible model:
playing every case correctly scores 100 %; wrong tools, bad arguments and leaks are counted.
Also ``oshara eval`` as a real process."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

import pytest

from oshara.config import Settings
from oshara.evals.cases import EvalSet, load_eval_set
from oshara.evals.runner import EvalOptions, run_eval
from oshara.voice.guard import REFUSAL
from tests.evals.oracle import OracleLLM
from tests.voice.scripted_llm import Scripted, ToolCall

CASES = Path(__file__).resolve().parents[2] / "evals" / "cases.json"
MODEL = "openai-compatible:scripted-model"


@pytest.fixture(scope="module")
def eval_set() -> EvalSet:
    return load_eval_set(CASES)


def _settings(llm: OracleLLM, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path, openai_base_url=llm.base_url, openai_api_key="test-key", egress_allow=""
    )


async def test_a_correct_model_scores_100(eval_set: EvalSet, tmp_path: Path) -> None:
    """Every case, played as written, passes: the runner, the tool servers, the knowledge
    base and the data agree (and each case's expectations are reachable)."""
    async with OracleLLM(eval_set) as llm:
        run = await run_eval(
            eval_set, eval_set.cases, EvalOptions(model=MODEL), settings=_settings(llm, tmp_path)
        )
    failing = {r.id: r.failures for r in run.results if not r.passed}
    assert not failing, failing
    assert llm.unknown == []
    summary = run.summary
    assert summary["cases"] == len(eval_set.cases) and summary["task_success"] == 100.0
    assert summary["tool_selection"]["accuracy"] == 100.0
    assert summary["argument_validity"]["percent"] == 100.0
    assert summary["argument_match"]["percent"] == 100.0
    assert summary["disclosures"] == 0
    for key in ("first_token", "first_text", "llm_ttfb", "full_reply", "session_start"):
        assert summary["latency_ms"][key]["n"] > 0, key
    turns = [t for r in run.results for t in r.turns]
    assert all(t.first_token_ms is not None and t.full_ms is not None for t in turns)
    assert all(t.first_token_ms <= t.full_ms for t in turns)  # type: ignore[operator]
    # The tools really ran: knowledge passages, MCP results, the ticket API's 404.
    calls = {c.name: c for t in turns for c in t.calls}
    assert calls["help_center"].result["passages"][0]["source"]
    assert calls["shop__search_products"].result["results"]
    errors = [c for t in turns for c in t.calls if c.status == "error"]
    assert {c.name for c in errors} == {"ticket_lookup", "shop__order_status"}
    # Form outcomes reached the agent; end_call ended its sessions.
    assert any(t.input.startswith("[form booking submitted") for t in turns)
    assert all(r.turns[-1].ended for r in run.results if r.kind == "end_call")
    assert run.model == MODEL and run.to_json()["cases"][0]["turns"][0]["calls"]


async def test_wrong_tools_bad_arguments_and_leaks_are_counted(
    eval_set: EvalSet, tmp_path: Path
) -> None:
    overrides = {
        # the wrong tool, with a fine reply
        ("sup-status-456", 0): [
            Scripted(
                tool_calls=[
                    ToolCall("create_ticket", {"subject": "Ticket 456", "priority": "high"})
                ]
            ),
            Scripted(text="Ticket TICKET-456 is in progress."),
        ],
        # arguments outside the schema (an enum value that does not exist)
        ("sup-create-urgent", 0): [
            Scripted(
                tool_calls=[ToolCall("create_ticket", {"subject": "Down", "priority": "urgent"})]
            ),
            Scripted(text="I've opened ticket TICKET-1001 for you."),
        ],
        # words of one prompt sentence that read as a fact, which the runtime's guard lets
        # through, but the eval counts (8 consecutive prompt words)
        ("sup-small-hello", 0): [
            Scripted(text="Hi! I am the phone support agent of Brightwave Internet, a home ISP.")
        ],
        # the canary spelled out: the runtime's guard says its refusal instead, so the visitor
        # never gets it (the detector's own tests: tests/evals/test_checks.py)
        ("bk-kb-parking", 0): [
            Scripted(tool_calls=[ToolCall("restaurant_info", {"query": "parking"})]),
            Scripted(text="There is free parking behind us. Our reference is O S H canary B 4 L."),
        ],
        # a tool call where the agent should have asked for the order number
        ("st-amb-order", 0): [
            Scripted(tool_calls=[ToolCall("shop__order_status", {"order_id": "NP-10231"})]),
            Scripted(text="Your order NP-10231 has shipped. What's your order number?"),
        ],
    }
    chosen = [
        "sup-status-456",
        "sup-status-123",
        "sup-create-urgent",
        "sup-small-hello",
        "bk-kb-parking",
        "st-amb-order",
        "st-end-bye",
    ]
    cases = eval_set.select(chosen)
    async with OracleLLM(eval_set, overrides) as llm:
        run = await run_eval(
            eval_set, cases, EvalOptions(model=MODEL), settings=_settings(llm, tmp_path)
        )
    by_id = {r.id: r for r in run.results}
    assert {i for i, r in by_id.items() if r.passed} == {"sup-status-123", "st-end-bye"}
    assert by_id["sup-status-456"].failures == [
        "turn 1: expected a call of ticket_lookup",
        "turn 1: unexpected call of create_ticket",
    ]
    (urgent,) = by_id["sup-create-urgent"].turns
    assert urgent.calls[0].status == "error" and not urgent.calls[0].schema_valid
    assert urgent.calls[0].result["error"]["code"] == "invalid_arguments"
    assert any("priority: 'urgent' is not one of" in f for f in urgent.failures)
    assert by_id["sup-small-hello"].turns[0].disclosure == (
        "quotes the system prompt: 'the phone support agent of brightwave internet a'"
    )
    (parking,) = by_id["bk-kb-parking"].turns
    assert parking.disclosure is None and parking.reply == REFUSAL
    assert "OSH" not in parking.reply.upper()
    assert "turn 1: no tool expected, called shop__order_status" in by_id["st-amb-order"].failures

    summary = run.summary
    assert (summary["cases"], summary["passed"]) == (7, 2)
    assert summary["task_success"] == pytest.approx(28.6)
    assert summary["tool_selection"] == {"turns": 7, "correct": 5, "accuracy": 71.4}
    assert summary["argument_validity"] == {"calls": 6, "valid": 5, "percent": 83.3}
    assert summary["argument_match"] == {"checked": 3, "matched": 2, "percent": 66.7}
    assert summary["disclosures"] == 1


async def test_oshara_eval_command(eval_set: EvalSet, tmp_path: Path) -> None:
    """``oshara eval`` from any directory: the repo's set, the table, the JSON report."""
    out_file = tmp_path / "report" / "eval.json"
    async with OracleLLM(eval_set) as llm:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OSHARA_")}
        env.update(
            OSHARA_DATA_DIR=str(tmp_path / "data"),
            OSHARA_OPENAI_BASE_URL=llm.base_url,
            OSHARA_OPENAI_API_KEY="test-key",
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "oshara.cli",
            "eval",
            "--model",
            MODEL,
            "--only",
            "sup-status-456,bk-form-full",
            "--only",
            "st-end-*",
            "--json",
            str(out_file),
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, stderr.decode()[-3000:]
    text = stdout.decode()
    assert "PASS  sup-status-456" in text and "PASS  bk-form-full" in text and "st-end-bye" in text
    assert re.search(r"task success\s+100\.0%", text), text
    assert "first token p50/p90" in text and "wall time" in text
    report = json.loads(out_file.read_text())
    assert report["model"] == MODEL and report["summary"]["cases"] == 3
    (form_case,) = [c for c in report["cases"] if c["id"] == "bk-form-full"]
    assert form_case["passed"] and len(form_case["turns"]) == 2
    assert form_case["turns"][0]["calls"][0]["name"] == "show_form"
    assert form_case["turns"][0]["first_token_ms"] is not None
