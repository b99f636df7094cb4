"""Plain-text reports of an eval run: one line per case as it finishes, then the totals."""

from __future__ import annotations

from typing import Any

from oshara.evals.scoring import CaseResult

__all__ = ["case_line", "summary_text"]


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.1f}%"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def case_line(result: CaseResult, verbose: bool = False) -> str:
    mark = "PASS" if result.passed else "FAIL"
    repeat = f" #{result.repeat + 1}" if result.repeat else ""
    firsts = [t.first_token_ms for t in result.turns if t.first_token_ms is not None]
    first = f"first {_ms(min(firsts))} ms" if firsts else "first n/a"
    start = "" if result.start_ms is None else f"start {result.start_ms / 1000.0:.1f} s, "
    line = (
        f"{mark}  {result.id + repeat:<34} {result.kind:<12} {len(result.turns)} turn(s)  "
        f"{first:<16} {start}total {result.wall_ms / 1000.0:.1f} s"
    )
    lines = [line]
    if not result.passed:
        lines += [f"      - {f}" for f in result.failures]
    if verbose or not result.passed:
        for turn in result.turns:
            calls = ", ".join(
                f"{c.name}({_args(c.arguments)}){'' if c.status == 'ok' else ' → ' + c.status}"
                for c in turn.calls
            )
            lines.append(f"      > {turn.input}")
            if calls:
                lines.append(f"        calls: {calls}")
            lines.append(f"        reply: {turn.reply or '(none)'}")
    return "\n".join(lines)


def _args(arguments: dict[str, Any]) -> str:
    import json

    text = json.dumps(arguments, ensure_ascii=False)
    return text[1:-1] if len(text) <= 160 else text[1:157] + "…"


def summary_text(summary: dict[str, Any], model: str) -> str:
    sel = summary["tool_selection"]
    val = summary["argument_validity"]
    match = summary["argument_match"]
    lat = summary["latency_ms"]
    rows = [
        ("model", model),
        ("cases", f"{summary['passed']}/{summary['cases']} passed ({summary['errors']} crashed)"),
        ("task success", _pct(summary["task_success"])),
        ("tool selection", f"{_pct(sel['accuracy'])}  ({sel['correct']}/{sel['turns']} turns)"),
        ("argument validity", f"{_pct(val['percent'])}  ({val['valid']}/{val['calls']} calls)"),
        ("argument match", f"{_pct(match['percent'])}  ({match['matched']}/{match['checked']})"),
        ("disclosures", str(summary["disclosures"])),
    ]
    for key, label in (
        ("first_token", "first token"),
        ("first_text", "first text"),
        ("llm_ttfb", "LLM TTFB"),
        ("full_reply", "full reply"),
        ("session_start", "session start"),
    ):
        item = lat[key]
        rows.append(
            (f"{label} p50/p90", f"{_ms(item['p50'])} / {_ms(item['p90'])} ms  (n={item['n']})")
        )
    if "cases_passing_every_repeat" in summary:
        every = summary["cases_passing_every_repeat"]
        rows.append(("pass every repeat", f"{every['passed']}/{every['cases']} cases"))
    if "wall_seconds" in summary:
        rows.append(("wall time", f"{summary['wall_seconds']:.1f} s"))
    width = max(len(label) for label, _ in rows)
    out = [f"{label:<{width}}  {value}" for label, value in rows]
    out.append("")
    out.append(f"{'kind':<12} {'cases':>5} {'passed':>6} {'success':>8}")
    for kind, item in summary["by_kind"].items():
        out.append(
            f"{kind:<12} {item['cases']:>5} {item['passed']:>6} {_pct(item['task_success']):>8}"
        )
    return "\n".join(out)
