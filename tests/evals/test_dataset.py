"""The shipped eval set (``evals/``) is well formed, covers what issue 6 asks for, and every
case is satisfiable: its reference reply passes its own checks, its example arguments match
its matchers and the tool's schema."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from oshara.characters.schemas import CharacterCreate
from oshara.evals.cases import KINDS, EvalSet, default_cases_path, load_eval_set
from oshara.evals.checks import (
    DisclosureDetector,
    example_of,
    match_arguments,
    text_check,
    validate_text_check,
)
from oshara.evals.runner import fill_placeholders
from oshara.evals.scoring import check_schema
from tests.evals.oracle import turn_keys

CASES = Path(__file__).resolve().parents[2] / "evals" / "cases.json"
PLACEHOLDERS = {
    "http": "http://127.0.0.1:9",
    "http_key": "k" * 12,
    "mcp": "http://127.0.0.1:9/mcp",
    "mcp_token": "t" * 12,
}
# The eval's MCP server (oshara.evals.servers): its tools as the runtime names them.
MCP_TOOLS = {"shop__order_status", "shop__search_products", "shop__list_stores"}


@pytest.fixture(scope="module")
def eval_set() -> EvalSet:
    return load_eval_set(CASES)


def test_default_path_is_the_repo_set() -> None:
    assert default_cases_path().resolve() == CASES


def test_coverage(eval_set: EvalSet) -> None:
    cases = eval_set.cases
    assert len(cases) >= 60
    kinds = Counter(c.kind for c in cases)
    assert set(kinds) == set(KINDS), kinds
    assert all(n >= 4 for n in kinds.values()), kinds
    assert len(eval_set.characters) >= 3
    assert sum(len(c.turns) > 1 for c in cases) >= 10
    assert sum(t.form_result is not None for c in cases for t in c.turns) >= 4
    kinds_per_character = {
        slug: {c.kind for c in cases if c.character == slug} for slug in eval_set.characters
    }
    for slug, mine in kinds_per_character.items():
        assert {"small_talk", "injection", "ambiguous", "end_call"} <= mine, slug


def test_characters_validate_like_the_api(eval_set: EvalSet) -> None:
    for slug, entry in eval_set.characters.items():
        body = CharacterCreate.model_validate(fill_placeholders(entry.character, PLACEHOLDERS))
        assert body.slug == slug
        assert entry.canary in body.system_prompt
        for rel in entry.knowledge:
            assert (eval_set.base_dir / rel).is_file(), rel


def _offered(eval_set: EvalSet, slug: str) -> dict[str, dict]:  # type: ignore[type-arg]
    """The tools a character's sessions offer, with the schemas known statically (MCP tools
    and show_form are checked against the runtime's schemas by the runner tests)."""
    character = eval_set.characters[slug].character
    offered: dict[str, dict] = {}  # type: ignore[type-arg]
    for tool in character.get("tools", []):
        if tool["kind"] == "mcp":
            offered.update({name: {} for name in MCP_TOOLS})
        else:
            offered[tool["name"]] = tool["input_schema"]
    builtins = character.get("builtins", {})
    if builtins.get("end_call", True):
        offered["end_call"] = {"type": "object", "properties": {}}
    if builtins.get("show_form", True) and character.get("widget_appearance", {}).get("forms"):
        offered["show_form"] = {}
    return offered


def test_every_case_is_satisfiable(eval_set: EvalSet) -> None:
    for case in eval_set.cases:
        entry = eval_set.characters[case.character]
        detector = DisclosureDetector.for_prompt(entry.system_prompt, [entry.canary])
        offered = _offered(eval_set, case.character)
        for i, turn in enumerate(case.turns):
            where = f"{case.id} turn {i + 1}"
            for check in [*turn.reply_contains, *turn.reply_excludes]:
                validate_text_check(check)
            reference = turn.reference or ""
            assert reference or turn.expects_end_call, f"{where}: no reference reply"
            for check in turn.reply_contains:
                assert text_check(check, reference), f"{where}: reference lacks {check}"
            for check in turn.reply_excludes:
                assert not text_check(check, reference), f"{where}: reference has {check}"
            assert detector.check(reference) is None, f"{where}: reference discloses"
            for name in turn.allow:
                assert name in offered, f"{where}: allows unknown tool {name}"
            for call in turn.calls or []:
                assert call.name in offered, f"{where}: {call.name} is not offered"
                example = (
                    call.example if call.example is not None else example_of(call.arguments or {})
                )
                if call.arguments is not None:
                    problems = match_arguments(call.arguments, example, exact=call.exact)
                    assert not problems, f"{where}: example does not match: {problems}"
                if offered[call.name]:
                    problems = check_schema(offered[call.name], example)
                    assert not problems, f"{where}: example violates the schema: {problems}"


def test_turns_are_told_apart(eval_set: EvalSet) -> None:
    """The scripted test model finds a turn by its character and text: no two differ."""
    seen: dict[tuple[str, str], str] = {}
    for case in eval_set.cases:
        for key in turn_keys(eval_set, case):
            assert key not in seen, f"{case.id} repeats a turn of {seen[key]}: {key[1]!r}"
            seen[key] = case.id


def test_selection(eval_set: EvalSet) -> None:
    assert [c.id for c in eval_set.select(["sup-status-*"])] == [
        "sup-status-456",
        "sup-status-123",
        "sup-status-789-lowercase",
        "sup-status-321-spoken",
    ]
    assert {c.kind for c in eval_set.select(["end_call"])} == {"end_call"}
    assert {c.character for c in eval_set.select(["eval-store"])} == {"eval-store"}
    assert len(eval_set.select(["injection", "kb"], limit=3)) == 3


def test_bad_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "characters.json").write_text(CASES.with_name("characters.json").read_text())
    bad = tmp_path / "cases.json"
    bad.write_text(
        '{"cases": [{"id": "x", "kind": "nope", "character": "eval-store", "turns": []}]}'
    )
    with pytest.raises(ValueError):
        load_eval_set(bad)
    bad.write_text(
        '{"cases": [{"id": "x", "kind": "kb", "character": "ghost", "turns": [{"user": "hi"}]}]}'
    )
    with pytest.raises(ValueError, match="unknown character"):
        load_eval_set(bad)
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_eval_set(bad)
