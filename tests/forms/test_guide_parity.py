"""Property tests: the server agrees with the guide's JavaScript ``validate()`` run in Node.

One Node process (``parity_runner.js``) serves the whole session. Checked properties:

* every field the guide rejects is rejected with the guide's exact message (unless one of our
  type/size pre-checks fired, whose message replaces it);
* a field the guide accepts is rejected exactly when one of our documented extra rules applies;
* ``jscompat`` primitives (trim, Number, toString) and the regex translation match JavaScript.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oshara.forms.definitions import FIELD_TYPES, MIN_MAX_TYPES, FormDefinition, FormField
from oshara.forms.jscompat import (
    compile_js_regex,
    js_number_to_string,
    js_to_number,
    js_to_string,
    js_trim,
)
from oshara.forms.validation import MAX_VALUE_CHARS, validate_submission

RUNNER = Path(__file__).with_name("parity_runner.js")
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed (needed to run the guide's JavaScript validate())"
)

PROPERTY = settings(
    max_examples=2500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=False,
)


class JsBridge:
    """JSON-lines client for parity_runner.js."""

    def __init__(self) -> None:
        assert NODE is not None
        self.proc = subprocess.Popen(
            [NODE, str(RUNNER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def call(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("parity_runner.js exited")
        answer: dict[str, Any] = json.loads(line)
        if "exception" in answer:
            raise AssertionError(f"JavaScript threw: {answer['exception']}")
        return answer

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def js() -> Iterator[JsBridge]:
    bridge = JsBridge()
    try:
        yield bridge
    finally:
        bridge.close()


# ----------------------------------------------------------------------------- strategies

WHITESPACE = ["\u00a0", "\ufeff", "\x1c", "\x1f", "\x85", "\u2028", "\u3000", "\u180e", "\t", "\n"]
ALPHABET = "aZ09 _-.@+xe" + "".join(WHITESPACE) + "é😀\u0661"
NUMERIC = [
    "0x1A", "0X1f", "0o17", "0b101", "-0x1", "+0x1", "0x", "1e3", "1E-3", "1e", ".5", "5.", ".",
    " 12 ", "\u00a012\ufeff", "\x1c12", "12\x85", "Infinity", "-Infinity", "+Infinity",
    "infinity", "inf", "nan", "NaN", "1_000", "\u0661\u0662", "0", "-0", "00012", "1e400",
    "-1e400", "  ", "", "\n", "3", "10", "100", "2.5", "-5", "9007199254740993", "1e21", "0.1",
]
EMAILS = [
    "a@b.co", "a b@c.de", "a@b", "@b.c", "a@b.c ", " a@b.c", "a@@b.c", "a@b.c.d", "ü@ñ.é",
    "a\u00a0@b.c", "a@b\ufeff.c", "a@b.c\x1c", "x@y.z\u180e", "😀@😀.😀",
]
DATES_TIMES = [
    "2024-02-29", "2023-02-29", "2024-13-01", "2024-1-01", " 2024-01-01 ", "2024-01-01T00:00",
    "12:30", "23:59:59", "24:00", "7:30", "12:30:60", "\u0661\u0662:\u0663\u0660",
]
FLAGS = ["true", "false", "TRUE", " true", "on", "1", "false\ufeff"]
OPTIONS = ["A", "B", "Other", " spaced ", "1", "true", "é"]
NAMES = ["name", "email", "a", "b_1", "x.y", "f-3", "_z", "Qty"]
LABELS = ["Name", "Åge", "x", "Work email"]
PATTERNS = [
    "^[0-9]+$", r"^\d{3}-\d{4}$", "[a-z]", r"^\S+$", r"^\s*x", "^.{2,5}$", "😀", r"^[^\s@]+$",
    r"\bfoo\b", "^(?:a|b)+$", "x$", r"^\w+$", r"(?<q>a)\k<q>", r"(a)|b\1", "^[\u00a0]", r"\B",
    "[^]", "^1", r"^-?\d+(\.\d+)?$", "e|Z",
]
BOUNDS = [0, 1, 2, 3, 5, 10, -5, 2.5, 1e21, 0.1, 100, 12, 26]

tricky_text = st.one_of(
    st.text(alphabet=ALPHABET, max_size=12),
    st.sampled_from(NUMERIC + EMAILS + DATES_TIMES + FLAGS + OPTIONS),
    st.builds(lambda w, s, w2: w + s + w2, st.sampled_from(["", *WHITESPACE]),
              st.sampled_from(NUMERIC + EMAILS + OPTIONS + FLAGS + DATES_TIMES),
              st.sampled_from(["", *WHITESPACE])),
)
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=False, allow_infinity=False),
    tricky_text,
)
raw_value = st.one_of(
    tricky_text,
    tricky_text,
    tricky_text,
    json_scalar,
    st.lists(json_scalar, max_size=3),
    st.dictionaries(st.sampled_from(["k", "v"]), json_scalar, max_size=2),
    st.just("x" * (MAX_VALUE_CHARS + 1)),
    st.just("a\x00b"),
)


@st.composite
def field_dicts(draw: st.DrawFn, name: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(FIELD_TYPES))
    field: dict[str, Any] = {"label": draw(st.sampled_from(LABELS)), "type": kind}
    if kind == "display":
        if draw(st.booleans()):
            field["name"] = name
        return field
    field["name"] = name
    field["required"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        field["pattern"] = draw(st.sampled_from(PATTERNS))
    if kind in MIN_MAX_TYPES:
        low, high = draw(st.sampled_from([*BOUNDS, None])), draw(st.sampled_from([*BOUNDS, None]))
        if low is not None and high is not None and low > high:
            low, high = high, low
        if low is not None:
            field["min"] = low
        if high is not None:
            field["max"] = high
    if kind in ("select", "radio"):
        values = draw(st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=4, unique=True))
        field["options"] = [
            v if draw(st.booleans()) else {"value": v, "label": v.upper()} for v in values
        ]
    return field


@st.composite
def cases(draw: st.DrawFn) -> tuple[FormDefinition, dict[str, Any]]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
    fields = [draw(field_dicts(name)) for name in names]
    form = FormDefinition.model_validate({"id": "f", "title": "T", "fields": fields})
    values: dict[str, Any] = {}
    for field in form.all_fields():
        if field.name is None or draw(st.integers(0, 5)) == 0:
            continue
        values[field.name] = draw(st.one_of(raw_value, _plausible(field)))
    if draw(st.integers(0, 9)) == 0:
        values["unknown_key"] = draw(tricky_text)
    return form, values


def _plausible(field: FormField) -> st.SearchStrategy[Any]:
    """Values that often pass, so the accept path is exercised too."""
    if field.type in ("select", "radio"):
        return st.sampled_from(field.option_values)
    if field.type == "number":
        return st.one_of(st.sampled_from(NUMERIC), st.integers(-20, 200), st.floats(-50, 150))
    if field.type == "date":
        return st.dates().map(datetime.date.isoformat)
    if field.type == "time":
        return st.sampled_from(["00:00", "09:30", "23:59:59"])
    if field.type == "checkbox":
        return st.sampled_from(["true", "false", True, False])
    if field.type == "email":
        return st.sampled_from(EMAILS)
    return st.text(alphabet="abc 0123", min_size=0, max_size=14)


# ------------------------------------------------------------- independent oracle of our extras

_TIME = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?")


def precheck_applies(field: FormField, raw: Any) -> bool:
    """Rule 1 of validation.py: size/characters/JSON type."""
    if raw is None:
        return False
    if isinstance(raw, str):
        bad = any(ch == "\x00" or 0xD800 <= ord(ch) <= 0xDFFF for ch in raw)
        return len(raw) > MAX_VALUE_CHARS or bad
    if isinstance(raw, bool):
        return field.type != "checkbox"
    if isinstance(raw, int | float):
        return field.type != "number"
    return True


def _valid_date(val: str) -> bool:
    try:
        return bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", val)) and bool(
            datetime.date.fromisoformat(val)
        )
    except ValueError:
        return False


def extra_rule_applies(field: FormField, raw: Any) -> bool:
    """Whether a documented server-only rule rejects ``raw`` (guide rules aside)."""
    if precheck_applies(field, raw):
        return True
    val = js_trim(js_to_string(raw))
    if not val:
        return False
    kind = field.type
    if kind == "number":
        return not math.isfinite(js_to_number(val))
    if kind == "date":
        return not _valid_date(val)
    if kind == "time":
        return not _TIME.fullmatch(val)
    if kind == "checkbox":
        return val not in ("true", "false") or (field.required and val == "false")
    if kind in ("select", "radio"):
        return val not in field.option_values
    if kind in ("text", "textarea", "tel", "email"):
        too_short = field.min is not None and len(val) < field.min
        too_long = field.max is not None and len(val) > field.max
        return too_short or too_long
    return False


# ------------------------------------------------------------------------------------ tests


@PROPERTY
@given(case=cases())
def test_submission_parity_with_guide_validate(js: JsBridge, case: Any) -> None:
    form, values = case
    public = form.public_dict()
    js_errors = js.call({"fields": public["fields"], "values": values})["errors"]
    ours = validate_submission(form, values)
    for field in form.all_fields():
        if field.name is None:
            continue
        if field.type == "display":
            if field.name in values:
                assert ours[field.name] == "This field does not take a value"
            continue
        raw = values.get(field.name)
        guide, mine = js_errors.get(field.name), ours.get(field.name)
        context = f"field={field.model_dump(exclude_none=True)!r} raw={raw!r}"
        if guide is not None:
            assert mine is not None, f"guide rejects ({guide!r}) but we accept: {context}"
            if not precheck_applies(field, raw):
                assert mine == guide, context
        else:
            assert (mine is not None) == extra_rule_applies(field, raw), f"{mine!r} {context}"
    if "unknown_key" in values:
        assert ours["unknown_key"] == "Unknown field"
    assert set(ours) <= {f.name for f in form.all_fields()} | {"unknown_key"}


TOKENS = [
    "a", "b", "-", " ", "\u00a0", "😀", "é", ".", "^", "$", r"\d", r"\D", r"\s", r"\S", r"\w",
    r"\W", r"\b", r"\B", "[", "]", "[^", "(", ")", "(?:", "(?=", "(?!", "(?<=", "(?<!", "(?<n>",
    r"\k<n>", r"\1", r"\2", "*", "+", "?", "*?", "{2}", "{1,3}", "{2,}", "{,2}", "{", "}", "|",
    "\\", r"\x41", r"\u00a0", r"\cA", r"\0", r"\-", r"\.", r"\/", r"\n", "a-z", "z-a", "0-9",
    r"\A", r"\Z", "(?P<m>", "(?i)", r"[\b]",
]
SUBJECT_ALPHABET = "ab-AZ09_ .\n\u00a0\ufeff\x1c\u2028é😀\x08\x01"


@PROPERTY
@given(
    tokens=st.lists(st.sampled_from(TOKENS), max_size=8),
    inputs=st.lists(st.text(alphabet=SUBJECT_ALPHABET, max_size=10), min_size=1, max_size=8),
)
def test_regex_translation_matches_javascript(
    js: JsBridge, tokens: list[str], inputs: list[str]
) -> None:
    pattern = "".join(tokens)
    answer = js.call({"op": "regex", "pattern": pattern, "inputs": inputs})
    try:
        regex = compile_js_regex(pattern)
    except ValueError:
        return  # refusing more than JavaScript is allowed
    assert answer["ok"], f"we accept {pattern!r} but JavaScript refuses: {answer.get('error')}"
    assert [regex.test(s) for s in inputs] == answer["results"], (pattern, regex.python_pattern)


KNOWN_GOOD = [*PATTERNS, r"^[^\s@]+@[^\s@]+\.[^\s@]+$", r"^\+?[0-9 ()-]{7,20}$",
              r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$", r"(?<=\$)\d+", r"^(?!0)\d+", r"[\S\d]",
              r"^[a-z-]+$", r"[--z]", r"[\]\\]", r"\x41\u0042\cC", r"a{0}", "^$", ""]


@pytest.mark.parametrize("pattern", KNOWN_GOOD)
def test_known_patterns_accepted_and_equivalent(js: JsBridge, pattern: str) -> None:
    inputs = ["", "abc", "ABC123", "a@b.c", "123-4567", "$42", "0", "\u00a0x", " x\n", "😀",
              "foo", "foo bar", "-", "\x03", "aa", "ba", "é", "]", "\\"]
    regex = compile_js_regex(pattern)
    answer = js.call({"op": "regex", "pattern": pattern, "inputs": inputs})
    assert answer["ok"]
    assert [regex.test(s) for s in inputs] == answer["results"]


@PROPERTY
@given(
    strings=st.lists(tricky_text, min_size=1, max_size=6),
    values=st.lists(
        st.one_of(json_scalar, st.lists(st.one_of(json_scalar, st.lists(json_scalar, max_size=2)),
                                        max_size=3),
                  st.dictionaries(st.just("k"), json_scalar, max_size=1)),
        min_size=1, max_size=6,
    ),
)
def test_primitives_match_javascript(js: JsBridge, strings: list[str], values: list[Any]) -> None:
    answer = js.call({"op": "prims", "strings": strings, "values": values})
    numbers = []
    for s in strings:
        n = js_to_number(s)
        numbers.append("-0" if n == 0 and math.copysign(1, n) < 0 else js_number_to_string(n))
    assert numbers == answer["number"]
    assert [js_trim(s) for s in strings] == answer["trim"]
    assert [js_to_string(v) for v in values] == answer["tostring"]


def test_whitespace_set_matches_javascript_for_every_code_unit(js: JsBridge) -> None:
    strings = [chr(code) + "7" + chr(code) for code in range(0x10000)]
    answer = js.call({"op": "prims", "strings": strings, "values": []})
    assert [js_trim(s) for s in strings] == answer["trim"]
    numbers = [js_number_to_string(js_to_number(s)) for s in strings]
    assert numbers == answer["number"]
    probe = compile_js_regex(r"^\s$")
    inputs = [chr(code) for code in range(0x10000)]
    regex_answer = js.call({"op": "regex", "pattern": r"^\s$", "inputs": inputs})
    assert [probe.test(s) for s in inputs] == regex_answer["results"]
