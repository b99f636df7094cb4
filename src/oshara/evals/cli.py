"""``oshara eval``: run the tool-calling eval set against a model and print its figures."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import click

__all__ = ["commands", "eval_cmd"]


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.command("eval")
@click.option(
    "--model",
    default=None,
    help="LLM under test, e.g. local:qwen2.5-0.5b (default: the characters' llm_model).",
)
@click.option(
    "--cases",
    "cases_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Cases file (default: evals/cases.json).",
)
@click.option(
    "--only",
    multiple=True,
    help="Case ids (glob patterns), kinds or character slugs, comma-separated; repeatable.",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Run the first N cases.")
@click.option("--repeat", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the summary and every case's turns, calls and timings to this file.",
)
@click.option("--turn-timeout", type=float, default=180.0, show_default=True)
@click.option("--list", "list_only", is_flag=True, help="List the selected cases and exit.")
@click.option("-v", "--verbose", is_flag=True, help="Show every turn, not only failing ones.")
def eval_cmd(
    model: str | None,
    cases_path: Path | None,
    only: tuple[str, ...],
    limit: int | None,
    repeat: int,
    json_path: Path | None,
    turn_timeout: float,
    list_only: bool,
    verbose: bool,
) -> None:
    """Score tool calling: scripted text-mode conversations through the real runtime.

    Starts the eval's HTTP and MCP tool servers on 127.0.0.1, a throwaway SQLite database with
    the eval characters and their knowledge bases, and runs each case as a text session.
    Prints task success, tool-selection accuracy, argument validity, disclosures and latency.
    Exits 0 unless the run itself crashed (thresholds are for the tests)."""
    from oshara.evals.cases import default_cases_path, load_eval_set

    path = cases_path or default_cases_path()
    try:
        eval_set = load_eval_set(path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    cases = eval_set.select(_split(only), limit)
    if not cases:
        raise click.ClickException("no case matches --only/--limit")
    if list_only:
        for case in cases:
            click.echo(f"{case.id:<34} {case.kind:<12} {case.character:<13} {case.turns[0].label}")
        return

    from oshara.config import get_settings
    from oshara.evals.report import case_line, summary_text
    from oshara.evals.runner import EvalOptions, run_eval
    from oshara.evals.scoring import CaseResult, summarize

    settings = get_settings()
    try:
        from oshara.voice.logs import configure_pipecat_logging

        configure_pipecat_logging("WARNING")
    except ImportError:
        pass
    # The eval prints its own lines; library chatter (migrations, HTTP requests, MCP
    # sessions, per-tool log lines) would bury them.
    logging.getLogger().setLevel(logging.WARNING)

    from oshara.providers.registry import ProviderError, ProviderUnavailable, validate_provider
    from oshara.voice.models import ModelError

    if model is not None:
        try:
            model = validate_provider("llm", model)
        except ProviderError as exc:
            raise click.ClickException(str(exc)) from exc
    options = EvalOptions(model=model, repeat=repeat, turn_timeout=turn_timeout)
    click.echo(f"{len(cases)} case(s) from {path}, model {model or '(characters)'}\n")
    done: list[CaseResult] = []

    def on_case(result: CaseResult) -> None:
        click.echo(case_line(result, verbose))
        done.append(result)
        if json_path is not None:  # a long run that is stopped still leaves its cases
            partial = {
                "partial": True,
                "model": model,
                "summary": summarize(done),
                "cases": [r.to_json() for r in done],
            }
            _write(json_path, partial)

    try:
        run = asyncio.run(
            run_eval(
                eval_set, cases, options, settings=settings, on_case=on_case, cases_file=str(path)
            )
        )
    except (ProviderError, ProviderUnavailable, ModelError) as exc:
        raise click.ClickException(f"the model cannot run: {exc}") from exc
    click.echo("")
    click.echo(summary_text(run.summary, run.model))
    if json_path is not None:
        _write(json_path, run.to_json())
        click.echo(f"\nwrote {json_path}")


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    tmp.replace(path)


commands = [eval_cmd]
