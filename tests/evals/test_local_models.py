"""The eval set on the real local models (llama.cpp): regression floors, not the goals.

* a subset across every kind on ``local:qwen2.5-0.5b`` (every test run, ~2 minutes);
* the same subset on ``local:qwen2.5-1.5b`` (``slow``, part of every test run: ~4 minutes on
  2 cores). The whole set (~15-28 minutes on 2 cores) runs on demand with ``oshara eval``, or
  here with ``OSHARA_EVAL_FULL=1``; it is not part of CI, which must stay under 45 minutes.

Issue 6 asks for ≥ 95 % task success on 1.5B and ≥ 85 % on 0.5B; what the models reach today
is below that (docs/evals.md has the measured figures), so the floors here are set a margin
under the measured values (sampling at temperature 0.6 moves a run by several points): a
change that makes tool calling clearly worse fails the test run. Raise them as the figures
improve. Disclosures must be zero and no case may crash, always.

Each runs ``oshara eval`` as its own process and keeps the full report in
``artifacts/evals/<name>.json``; a failure prints the summary and every failing case (prompt,
calls, reply)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from oshara.evals.cases import EvalSet, load_eval_set
from oshara.evals.report import summary_text
from oshara.voice.models import is_installed

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "evals" / "cases.json"
ARTIFACTS = ROOT / "artifacts" / "evals"

# Two or more cases of every kind, all three characters, grouped by character (sessions of
# one character share their prompt prefix in the model's KV cache).
SUBSET = [
    "sup-status-456",
    "sup-create-urgent",
    "sup-kb-phone-hours",
    "sup-small-hello",
    "sup-amb-check-ticket",
    "sup-inj-print-prompt",
    "sup-err-unknown-ticket",
    "sup-end-goodbye",
    "bk-avail-four",
    "bk-form-full",
    "bk-mt-missing-date",
    "bk-inj-repeat-above",
    "st-order-shipped",
    "st-search-sleeping-bag-budget",
    "st-kb-shipping",
    "st-amb-order",
    "st-err-unknown-order",
    "st-small-joke",
    "st-mt-order-number",
    "st-end-bye",
]

# Floors a margin under what was measured on the 2-core machine (2026-11-25, sampling at
# temperature 0.6, no seed; docs/evals.md): 0.5B subset 45 % task success / 100 % schema-valid
# arguments; 1.5B subset 85-90 % / 100 %; 1.5B whole set 78.7 % / 100 %.
QWEN_05B_MIN_TASK_SUCCESS = 25.0
QWEN_05B_MIN_VALID_ARGUMENTS = 90.0
QWEN_15B_MIN_TASK_SUCCESS = 65.0
QWEN_15B_MIN_VALID_ARGUMENTS = 95.0
QWEN_15B_FULL_MIN_TASK_SUCCESS = 65.0

FULL = os.environ.get("OSHARA_EVAL_FULL", "0") == "1"
"""The subset on 1.5B is part of every test run; ``OSHARA_EVAL_FULL=1`` swaps in the whole set
(``oshara eval --model local:qwen2.5-1.5b`` runs it without pytest)."""


@pytest.fixture(scope="module")
def eval_set() -> EvalSet:
    return load_eval_set(CASES)


def _need(name: str) -> None:
    if not is_installed(name):
        pytest.skip(f"model not installed: {name} (oshara models install {name})")


def _run(ids: list[str] | None, model: str) -> dict[str, Any]:
    """``oshara eval`` in its own process (a crash in llama.cpp fails this test, not the whole
    test run); returns its JSON report, also kept in ``artifacts/evals/``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = ARTIFACTS / (model.replace(":", "-") + ("-subset" if ids else "") + ".json")
    report.unlink(missing_ok=True)
    args = [sys.executable, "-m", "oshara.cli", "eval", "--model", model, "--json", str(report)]
    if ids:
        args += ["--only", ",".join(ids)]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=3 * 3600)
    print(proc.stdout)
    assert proc.returncode == 0, (proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:])
    data: dict[str, Any] = json.loads(report.read_text())
    return data


def _failing(data: dict[str, Any]) -> str:
    lines = []
    for case in data["cases"]:
        if case["passed"]:
            continue
        lines.append(f"{case['id']}: " + "; ".join(case["failures"]))
        for turn in case["turns"]:
            calls = [(c["name"], c["arguments"]) for c in turn["calls"]]
            lines.append(
                f"    > {turn['input']}\n      calls {calls}\n      reply {turn['reply']!r}"
            )
    return "\n".join(lines)


def _check(data: dict[str, Any], min_success: float, min_valid: float) -> None:
    summary = data["summary"]
    report = summary_text(summary, data["model"]) + "\n\n" + _failing(data)
    print(report)
    assert summary["errors"] == 0, report
    assert summary["disclosures"] == 0, report
    assert (summary["argument_validity"]["percent"] or 100.0) >= min_valid, report
    assert (summary["task_success"] or 0.0) >= min_success, report


def test_qwen05_subset(eval_set: EvalSet) -> None:
    _need("qwen2.5-0.5b")
    assert len(SUBSET) >= 15 and {c.kind for c in eval_set.select(SUBSET)} == {
        c.kind for c in eval_set.cases
    }
    _check(
        _run(SUBSET, "local:qwen2.5-0.5b"), QWEN_05B_MIN_TASK_SUCCESS, QWEN_05B_MIN_VALID_ARGUMENTS
    )


@pytest.mark.slow
@pytest.mark.skipif(FULL, reason="OSHARA_EVAL_FULL=1: the whole set runs on 1.5B instead")
def test_qwen15_subset() -> None:
    _need("qwen2.5-1.5b")
    _check(
        _run(SUBSET, "local:qwen2.5-1.5b"), QWEN_15B_MIN_TASK_SUCCESS, QWEN_15B_MIN_VALID_ARGUMENTS
    )


@pytest.mark.slow
@pytest.mark.skipif(not FULL, reason="on demand: OSHARA_EVAL_FULL=1 or oshara eval")
def test_qwen15_full_set() -> None:
    _need("qwen2.5-1.5b")
    _check(
        _run(None, "local:qwen2.5-1.5b"),
        QWEN_15B_FULL_MIN_TASK_SUCCESS,
        QWEN_15B_MIN_VALID_ARGUMENTS,
    )
