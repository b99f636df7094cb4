"""Runs eval cases through the real text-mode runtime, as ``oshara serve`` would.

One :class:`EvalEnvironment` per run:

* the tool servers on 127.0.0.1 (:mod:`oshara.evals.servers`) and an egress allow-list for
  exactly their two ports (``OSHARA_EGRESS_ALLOW``; everything else private stays refused);
* a temporary SQLite database built by the project's migrations, one organization, the
  characters created through the characters service (so they validate as the API's
  ``POST /api/ai-characters/`` would), their documents uploaded through the knowledge service;
* the server's agent runtime pieces: ``VoiceRunner`` with ``sessions.runtime.tool_deps``
  (the one egress client, the knowledge search) and the providers from the settings.

Each case is one session admitted like ``POST /api/agents/agent-session/`` (``mode: text``),
turned into a ``SessionSpec`` by ``sessions.runtime.build_spec`` (its LLM replaced by the
model under test), started with ``VoiceRunner.start_text`` and driven turn by turn with
``VoiceRunner.send_text`` — the path of ``POST /api/sessions/{id}/messages/``. A Pipecat
observer on the session's pipeline times the first LLM output of every turn.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipecat.frames.frames import (
    FunctionCallInProgressFrame,
    FunctionCallsStartedFrame,
    LLMFullResponseEndFrame,
    LLMTextFrame,
    MetricsFrame,
)
from pipecat.metrics.metrics import TTFBMetricsData
from pipecat.observers.base_observer import BaseObserver, FramePushed

from oshara.config import Settings
from oshara.evals.cases import Case, EvalSet
from oshara.evals.checks import DisclosureDetector
from oshara.evals.scoring import CaseResult, TurnResult, score_turn, summarize
from oshara.evals.servers import ToolServers

__all__ = ["EvalEnvironment", "EvalOptions", "EvalRun", "TurnTimer", "run_eval"]

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")


@dataclass
class EvalOptions:
    model: str | None = None
    """The LLM under test (``None``: the characters' own ``llm_model``)."""
    repeat: int = 1
    turn_timeout: float = 180.0


@dataclass
class EvalRun:
    model: str
    results: list[CaseResult]
    summary: dict[str, Any]
    started_at: str
    cases_file: str = ""
    code: dict[str, Any] | None = None
    """The code measured (:func:`code_version` when the run started)."""

    def to_json(self) -> dict[str, Any]:
        import os
        import platform

        return {
            "model": self.model,
            "started_at": self.started_at,
            "cases_file": self.cases_file,
            "code": self.code,
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
                "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            },
            "summary": self.summary,
            "cases": [r.to_json() for r in self.results],
        }


def code_version() -> dict[str, Any]:
    """The oshara version and, in a git checkout, its commit and whether files changed."""
    import subprocess
    from importlib.metadata import PackageNotFoundError, version

    try:
        out: dict[str, Any] = {"version": version("oshara")}
    except PackageNotFoundError:
        out = {"version": None}
    root = Path(__file__).resolve().parents[3]
    git = shutil.which("git")
    if git is None:
        return out
    try:
        commit = subprocess.run(  # noqa: S603 - git, fixed arguments
            [git, "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603
            [git, "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return out
    out.update(commit=commit, modified=bool(dirty))
    return out


class TurnTimer(BaseObserver):
    """Times one turn from ``begin()``: the first LLM text or tool-call frame, the first text
    frame, the LLM service's first TTFB metric and the last end of an LLM response.

    Observers run behind a queue; each frame's push time is recovered from its pipeline-clock
    timestamp, so the queue's delay does not count."""

    def __init__(self) -> None:
        super().__init__(observe_every_push=False)
        self.begin()

    def begin(self) -> None:
        self.started = time.perf_counter()
        self.first_output: float | None = None
        self.first_text: float | None = None
        self.last_end: float | None = None
        self.ttfb_ms: float | None = None

    def _pushed_at(self, data: FramePushed) -> float:
        now = time.perf_counter()
        try:
            lag_ns = data.source.get_clock().get_time() - data.timestamp
        except Exception:
            return now
        return now - max(0, lag_ns) / 1e9

    async def on_push_frame(self, data: FramePushed) -> None:
        frame = data.frame
        if isinstance(frame, LLMTextFrame):
            at = self._pushed_at(data)
            if at < self.started:
                return
            if self.first_text is None:
                self.first_text = at
            if self.first_output is None:
                self.first_output = at
        elif isinstance(frame, FunctionCallsStartedFrame | FunctionCallInProgressFrame):
            at = self._pushed_at(data)
            if at >= self.started and self.first_output is None:
                self.first_output = at
        elif isinstance(frame, LLMFullResponseEndFrame):
            at = self._pushed_at(data)
            if at >= self.started:
                self.last_end = at
        elif isinstance(frame, MetricsFrame) and self.ttfb_ms is None:
            for item in frame.data:
                if isinstance(item, TTFBMetricsData) and item.value:
                    if self._pushed_at(data) >= self.started:
                        self.ttfb_ms = round(item.value * 1000.0, 1)
                    break

    def ms(self, at: float | None) -> float | None:
        return None if at is None else round((at - self.started) * 1000.0, 1)


class TeeRecorder:
    """A ``SessionRecorder`` that reports to several (the database and memory)."""

    def __init__(self, *recorders: Any) -> None:
        self.recorders = recorders

    async def _each(self, method: str, *args: Any, **kwargs: Any) -> None:
        for recorder in self.recorders:
            await getattr(recorder, method)(*args, **kwargs)

    async def mark_active(self) -> None:
        await self._each("mark_active")

    async def add_turn(self, *args: Any, **kwargs: Any) -> None:
        await self._each("add_turn", *args, **kwargs)

    async def add_tool_call(self, *args: Any, **kwargs: Any) -> None:
        await self._each("add_tool_call", *args, **kwargs)

    async def add_event(self, kind: str, data: dict[str, Any]) -> None:
        await self._each("add_event", kind, data)

    async def set_metrics(self, metrics: dict[str, Any]) -> None:
        await self._each("set_metrics", metrics)

    async def end(self, reason: str, status: Any = "ended") -> None:
        await self._each("end", reason, status)


def fill_placeholders(value: Any, values: Mapping[str, str]) -> Any:
    """``${name}`` in every string of ``value`` (names not in ``values`` are left alone)."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [fill_placeholders(v, values) for v in value]
    if isinstance(value, dict):
        return {k: fill_placeholders(v, values) for k, v in value.items()}
    return value


def offered_schemas(session: Any) -> dict[str, dict[str, Any]]:
    """Name → the argument schema the LLM was offered, from the session's context."""
    tools = getattr(session.context, "tools", None)
    out: dict[str, dict[str, Any]] = {}
    for schema in getattr(tools, "standard_tools", None) or []:
        out[schema.name] = dict(schema.to_default_dict().get("parameters") or {"type": "object"})
    return out


class EvalEnvironment:
    """Tool servers, database, characters and agent runtime for one run (``async with``)."""

    def __init__(
        self,
        eval_set: EvalSet,
        options: EvalOptions | None = None,
        *,
        settings: Settings | None = None,
    ) -> None:
        self.eval_set = eval_set
        self.options = options or EvalOptions()
        self.base_settings = settings
        self.servers = ToolServers()
        self.detectors: dict[str, DisclosureDetector] = {}
        self.characters: dict[str, Any] = {}
        self._tmp: Path | None = None
        self._engine: Any = None
        self.maker: Any = None
        self.runner: Any = None
        self.settings: Settings | None = None
        self._deps: Any = None
        self.organization_id: Any = None

    async def __aenter__(self) -> EvalEnvironment:
        try:
            await self._start()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _start(self) -> None:
        from oshara.config import get_settings
        from oshara.db.engine import create_engine, create_sessionmaker
        from oshara.db.migrate import upgrade
        from oshara.sessions.agent_runtime import provider_settings
        from oshara.sessions.runtime import tool_deps
        from oshara.voice.runner import VoiceRunner

        await self.servers.__aenter__()
        self._tmp = Path(tempfile.mkdtemp(prefix="oshara-eval-"))
        base = self.base_settings or get_settings()
        self.settings = base.model_copy(
            update={
                "data_dir": self._tmp,
                "database_url": f"sqlite+aiosqlite:///{self._tmp / 'eval.db'}",
                "secret_key": "eval-" + secrets.token_urlsafe(32),
                "egress_allow": self.servers.allow,
            }
        )
        self._engine = create_engine(self.settings.database_url)
        await upgrade(self._engine)
        self.maker = create_sessionmaker(self._engine)
        await self._create_characters()
        self._deps = tool_deps(self.settings, self.maker)
        self.runner = VoiceRunner(
            provider_settings=provider_settings(self.settings), tool_deps=self._deps
        )
        for slug, entry in self.eval_set.characters.items():
            self.detectors[slug] = DisclosureDetector.for_prompt(
                entry.system_prompt, [entry.canary], self.servers.secrets
            )

    async def _create_characters(self) -> None:
        from oshara.auth.subject import AuthSubject
        from oshara.characters.schemas import CharacterCreate
        from oshara.characters.service import CharacterService
        from oshara.knowledge.limits import KnowledgeLimits
        from oshara.knowledge.repository import KnowledgeRepository
        from oshara.knowledge.service import KnowledgeService, Upload
        from oshara.orgs.models import Organization

        assert self.settings is not None
        async with self.maker() as db:
            org = Organization(name="Oshara eval")
            db.add(org)
            await db.flush()
            self.organization_id = org.id
            subject = AuthSubject(kind="user", organization_id=org.id)
            service = CharacterService(db, self.settings)
            knowledge = KnowledgeService(KnowledgeRepository(db), KnowledgeLimits())
            placeholders = self.servers.placeholders
            for slug, entry in self.eval_set.characters.items():
                body = CharacterCreate.model_validate(
                    fill_placeholders(entry.character, placeholders)
                )
                character = await service.create(subject, body)
                for rel in entry.knowledge:
                    path = self.eval_set.base_dir / rel
                    upload = Upload(data=path.read_bytes(), filename=path.name)
                    prepared = await knowledge.prepare(upload)
                    await knowledge.create(character, upload, prepared)
                self.characters[slug] = character.id
            await db.commit()

    async def aclose(self) -> None:
        if self.runner is not None:
            await self.runner.shutdown(drain=5)
            self.runner = None
        if self._deps is not None and self._deps.egress is not None:
            await self._deps.egress.aclose()
            self._deps = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
        await self.servers.__aexit__()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    # ------------------------------------------------------------------ one case

    async def _spec(self, case: Case) -> Any:
        from oshara.characters.models import Character
        from oshara.sessions.models import AgentSession
        from oshara.sessions.runtime import build_spec
        from oshara.sessions.schemas import AgentSessionIn
        from oshara.sessions.service import admit_session

        assert self.settings is not None
        entry = self.eval_set.characters[case.character]
        metadata = {**entry.metadata, **case.metadata}
        async with self.maker() as db:
            character = await db.get_one(Character, self.characters[case.character])
            body = AgentSessionIn(agent=case.character, mode="text", metadata=metadata)
            out = await admit_session(db, self.settings, character, body, origin=None, base_url="")
            await db.commit()
            row = await db.get_one(AgentSession, out.session_id)
            row.token_used_at = row.created_at
            await db.commit()
            spec = build_spec(row, character, self.settings)
        spec.metadata_trusted = True  # the eval set's own metadata, like an owner's backend's
        if self.options.model:
            spec.llm_model = self.options.model
        return spec

    async def run_case(self, case: Case, repeat: int = 0) -> CaseResult:
        from oshara.providers.registry import ProviderError, ProviderUnavailable
        from oshara.sessions.recorder import DbSessionRecorder
        from oshara.voice.models import ModelError
        from oshara.voice.spec import InMemoryRecorder

        result = CaseResult(id=case.id, kind=case.kind, character=case.character, repeat=repeat)
        started = time.perf_counter()
        session_id: str | None = None
        try:
            spec = await self._spec(case)
            session_id = result.session_id = spec.session_id
            recorder = TeeRecorder(InMemoryRecorder(), DbSessionRecorder(self.maker, session_id))
            session = await self.runner.start_text(spec, recorder)
            result.start_ms = round((time.perf_counter() - started) * 1000.0, 1)
            session.turn_timeout = self.options.turn_timeout
            timer = TurnTimer()
            session.worker.add_observer(timer)
            schemas = offered_schemas(session)
            detector = self.detectors[case.character]
            for index, turn in enumerate(case.turns):
                if self.runner.get(session_id) is None:
                    ended = TurnResult(index=index, input=turn.label, error="session ended")
                    ended.failures.append("the session had already ended before this turn")
                    result.turns.append(ended)
                    break
                timer.begin()
                try:
                    if turn.form_result is not None:
                        out = await self.runner.send_text(
                            session_id, "", form_result=turn.form_result
                        )
                    else:
                        out = await self.runner.send_text(session_id, turn.user or "")
                except Exception as exc:
                    message = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
                    failed = TurnResult(index=index, input=turn.label, error=message)
                    failed.failures.append(f"the turn failed ({message})")
                    result.turns.append(failed)
                    break
                done = time.perf_counter()
                await asyncio.sleep(0.02)  # let the observer's queue catch up
                scored = score_turn(index, turn, out, schemas, detector)
                scored.first_token_ms = timer.ms(timer.first_output)
                scored.first_text_ms = timer.ms(timer.first_text)
                scored.llm_ttfb_ms = timer.ttfb_ms
                scored.full_ms = timer.ms(timer.last_end or done)
                result.turns.append(scored)
            if len(result.turns) < len(case.turns) and result.error is None:
                missing = len(case.turns) - len(result.turns)
                result.turns[-1].failures.append(f"{missing} later turn(s) not run")
        except (ProviderError, ProviderUnavailable, ModelError):
            raise  # the model cannot run at all: no case would, stop here
        except Exception as exc:
            log.exception("eval case %s crashed", case.id)
            result.error = f"{type(exc).__name__}: {exc}"
        finally:
            if session_id is not None and self.runner.get(session_id) is not None:
                await self.runner.end(session_id, "completed")
            result.wall_ms = round((time.perf_counter() - started) * 1000.0, 1)
        return result


async def run_eval(
    eval_set: EvalSet,
    cases: list[Case],
    options: EvalOptions | None = None,
    *,
    settings: Settings | None = None,
    on_case: Callable[[CaseResult], None] | None = None,
    cases_file: str = "",
) -> EvalRun:
    """Run ``cases`` (``options.repeat`` times each) and score them."""
    options = options or EvalOptions()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    code = code_version()
    t0 = time.perf_counter()
    results: list[CaseResult] = []
    async with EvalEnvironment(eval_set, options, settings=settings) as env:
        for repeat in range(max(1, options.repeat)):
            for case in cases:
                result = await env.run_case(case, repeat)
                results.append(result)
                if on_case is not None:
                    on_case(result)
        model = options.model or _characters_model(env)
    summary = summarize(results, time.perf_counter() - t0)
    return EvalRun(model, results, summary, started_at, cases_file, code)


def _characters_model(env: EvalEnvironment) -> str:
    from oshara.characters.schemas import CharacterCreate

    models = {
        str(CharacterCreate.model_validate(fill_placeholders(e.character, {})).llm_model)
        for e in env.eval_set.characters.values()
    }
    return ", ".join(sorted(models))
