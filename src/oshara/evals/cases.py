"""The eval set's files: characters (``characters.json``) and cases (``cases.json``).

A case is a scripted text-mode conversation with one character::

    {"id": "sup-status-456", "kind": "direct_tool", "character": "eval-support",
     "metadata": {"user_name": "Dana"},
     "turns": [{"user": "What's the status of ticket TICKET-456?",
                "calls": [{"name": "ticket_lookup", "arguments": {"ticket_id": "TICKET-456"}}],
                "reply_contains": [{"$re": "in[ _-]?progress"}],
                "reference": "Ticket TICKET-456 is in progress ..."}]}

Per turn: ``user`` (the visitor's text) or ``form_result`` (the outcome of a form the agent
showed, as the text UI posts it); ``calls`` — the tools the agent must call in this turn
(``[]``: none at all; omitted: not checked), ``allow`` — other tools it may call as well;
``reply_contains`` / ``reply_excludes`` — text checks; ``ended`` — whether the session must
have ended after the turn; ``reference`` — a correct reply (documentation, and what the
scripted test model answers). Matcher syntax: :mod:`oshara.evals.checks`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "KINDS",
    "Case",
    "CharacterEntry",
    "EvalSet",
    "ExpectedCall",
    "Turn",
    "default_cases_path",
    "load_eval_set",
]

Kind = Literal[
    "direct_tool",
    "arguments",
    "kb",
    "form",
    "mcp",
    "multi_turn",
    "small_talk",
    "ambiguous",
    "injection",
    "tool_error",
    "end_call",
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExpectedCall(_Strict):
    name: str
    arguments: dict[str, Any] | None = None
    """Argument matchers (:func:`oshara.evals.checks.match_arguments`); ``None``: any."""
    exact: bool = False
    """No argument beyond those listed (default: the listed ones must match, others may be
    present)."""
    example: dict[str, Any] | None = None
    """Concrete arguments that satisfy the matchers (what the scripted test model sends);
    defaults to ``arguments`` when those are plain values."""


class Turn(_Strict):
    user: str | None = Field(default=None, min_length=1)
    form_result: dict[str, Any] | None = None
    calls: list[ExpectedCall] | None = None
    allow: list[str] = Field(default_factory=list)
    reply_contains: list[Any] = Field(default_factory=list)
    reply_excludes: list[Any] = Field(default_factory=list)
    ended: bool | None = None
    reference: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_input(self) -> Turn:
        if (self.user is None) == (self.form_result is None):
            raise ValueError("a turn has exactly one of 'user' and 'form_result'")
        return self

    @property
    def expects_end_call(self) -> bool:
        return any(c.name == "end_call" for c in self.calls or [])

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user
        return f"[form {self.form_result.get('form_id')} {self.form_result.get('status')}]"  # type: ignore[union-attr]


class Case(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    kind: Kind
    character: str
    description: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)
    turns: list[Turn] = Field(min_length=1)


class CharacterEntry(_Strict):
    character: dict[str, Any]
    """A ``POST /api/ai-characters/`` body (``${http}`` … placeholders in strings)."""
    canary: str = Field(min_length=6)
    knowledge: list[str] = Field(default_factory=list)
    """Documents for the character's knowledge base, relative to the characters file."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """The caller's session metadata (prompt variables); a case's ``metadata`` adds to it."""

    @property
    def slug(self) -> str:
        return str(self.character["slug"])

    @property
    def system_prompt(self) -> str:
        return str(self.character.get("system_prompt") or "")

    @model_validator(mode="after")
    def _canary_in_prompt(self) -> CharacterEntry:
        if self.canary not in self.system_prompt:
            raise ValueError(f"the canary {self.canary!r} is not in the system prompt")
        return self


class EvalSet(BaseModel):
    cases: list[Case]
    characters: dict[str, CharacterEntry]
    base_dir: Path
    """Where the characters file lives (knowledge paths are relative to it)."""

    def select(self, only: list[str] | None = None, limit: int | None = None) -> list[Case]:
        """Cases whose id, kind or character matches one of ``only`` (``fnmatch`` patterns
        for ids), in file order; then the first ``limit``."""
        from fnmatch import fnmatchcase

        chosen = list(self.cases)
        if only:
            wanted = [w.strip() for w in only if w.strip()]
            chosen = [
                c
                for c in chosen
                if any(w in (c.kind, c.character) or fnmatchcase(c.id, w) for w in wanted)
            ]
        if limit is not None:
            chosen = chosen[: max(0, limit)]
        return chosen


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except ValueError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None


def load_eval_set(path: Path) -> EvalSet:
    """Load and check a cases file and the characters file it names."""
    path = Path(path)
    raw = _read_json(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("cases"), list):
        raise ValueError(f"{path}: expected an object with a 'cases' list")
    characters_path = path.parent / str(raw.get("characters") or "characters.json")
    raw_chars = _read_json(characters_path)
    entries = [CharacterEntry.model_validate(e) for e in raw_chars.get("characters", [])]
    characters = {e.slug: e for e in entries}
    cases = [Case.model_validate(c) for c in raw["cases"]]
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise ValueError(f"{path}: duplicate case id {case.id!r}")
        seen.add(case.id)
        if case.character not in characters:
            raise ValueError(f"{path}: case {case.id!r} names unknown character {case.character!r}")
    return EvalSet(cases=cases, characters=characters, base_dir=characters_path.parent)


def default_cases_path() -> Path:
    """``./evals/cases.json`` if it exists, else the copy in the source tree (editable
    installs and checkouts: ``<repo>/evals/cases.json``)."""
    here = Path.cwd() / "evals" / "cases.json"
    if here.exists():
        return here
    return Path(__file__).resolve().parents[3] / "evals" / "cases.json"
