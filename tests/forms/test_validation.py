"""Submission validation: the guide's rules and quirks, every server-only rule, jscompat."""

from __future__ import annotations

import math
from typing import Any

import pytest

from oshara.forms.definitions import FormDefinition, parse_forms
from oshara.forms.jscompat import (
    compile_js_regex,
    js_number_to_string,
    js_to_number,
    js_to_string,
    js_trim,
)
from oshara.forms.validation import (
    FORM_ERROR_KEY,
    MAX_VALUE_CHARS,
    MAX_VALUE_KEYS,
    SubmissionInvalid,
    normalise_values,
    validate_submission,
)
from tests.forms.test_definitions import BOOK_DEMO, CONTACT, ONBOARDING

GOOD_DEMO = {
    "name": "Ada",
    "email": "ada@example.com",
    "company": "",
    "use_case": "Other",
    "date": "2025-03-01",
}


def one(**field: Any) -> FormDefinition:
    """A form with one field ``f`` labelled ``F`` (type text unless given)."""
    spec: dict[str, Any] = {"name": "f", "label": "F", "type": "text", **field}
    return FormDefinition.model_validate({"id": "x", "title": "X", "fields": [spec]})


def err(form: FormDefinition, value: Any) -> str | None:
    """The error for field ``f`` when submitted alone (``...`` = key absent)."""
    values = {} if value is ... else {"f": value}
    return validate_submission(form, values).get("f")


# ------------------------------------------------------------------------- guide behaviour


def test_guide_forms_accept_good_submissions() -> None:
    demo, contact, onboarding = parse_forms([BOOK_DEMO, CONTACT, ONBOARDING])
    assert validate_submission(demo, GOOD_DEMO) == {}
    assert validate_submission(contact, {"name": "Bo", "message": "Hi\nthere"}) == {}
    good = {"name": "Cy", "day": "2025-01-31", "consent": "true", "team_size": "12",
            "channel": "web", "at": "09:30"}
    assert validate_submission(onboarding, good) == {}


def test_guide_messages() -> None:
    demo = parse_forms([BOOK_DEMO])[0]
    errors = validate_submission(demo, {**GOOD_DEMO, "name": "  ", "email": "a b@c.de"})
    assert errors == {"name": "Your name is required", "email": "Enter a valid email address"}
    assert validate_submission(demo, {}) == {
        "name": "Your name is required", "email": "Work email is required",
        "use_case": "Use case is required", "date": "Preferred date is required",
    }
    assert err(one(pattern="^[0-9]+$"), "12a") == "F format is invalid"
    assert err(one(type="number", min=5), "4") == "Minimum value is 5"
    assert err(one(type="number", max=5), "6") == "Maximum value is 5"


def test_later_guide_checks_overwrite_earlier_ones() -> None:
    form = one(type="email", pattern="^x", max=3)
    assert err(form, "7") == "Maximum value is 3"  # email, pattern and max all fail
    assert err(one(type="email", pattern="^x"), "nope") == "F format is invalid"


def test_required_stops_further_checks() -> None:
    assert err(one(required=True, min=5), "") == "F is required"


def test_empty_optional_field_with_min_is_rejected_like_the_guide() -> None:
    # Number("") is 0, so the guide rejects an empty optional field whose min is above 0.
    assert err(one(type="number", min=1), ...) == "Minimum value is 1"
    assert err(one(type="number", min=1), None) == "Minimum value is 1"
    assert err(one(type="number", min=0), ...) is None
    assert err(one(type="number", max=-1), "  ") == "Maximum value is -1"


def test_number_conversion_quirks() -> None:
    assert err(one(type="number", max=20), "0x1A") == "Maximum value is 20"
    assert err(one(type="number", max=30), "0x1A") is None
    assert err(one(type="number", max=5), " 12 ") == "Maximum value is 5"
    assert err(one(type="text", min=5), "hello") is None  # NaN comparisons are false
    assert err(one(type="text", max=5), "10") == "Maximum value is 5"


@pytest.mark.parametrize(
    ("bound", "shown"),
    [(5, "5"), (5.0, "5"), (2.5, "2.5"), (0.1, "0.1"), (1e21, "1e+21"), (-0.0, "0"),
     (1e-7, "1e-7")],
)
def test_numbers_in_messages_are_formatted_like_javascript(bound: float, shown: str) -> None:
    assert err(one(type="number", min=bound), "-1e30") == f"Minimum value is {shown}"


def test_whitespace_is_trimmed_the_javascript_way() -> None:
    required = one(required=True)
    assert err(required, "\u00a0\ufeff\u2028") == "F is required"
    assert err(required, "\x1c") is None  # JS trim keeps U+001C (Python's strip would not)
    assert err(one(type="email"), " a@b.co\ufeff") is None
    assert err(one(type="email"), "a@b.co\x85") is None  # U+0085 is not JS whitespace


# ------------------------------------------------------------------------- submission shape


@pytest.mark.parametrize("values", [None, [], "x", 3, [("f", "a")]])
def test_values_must_be_an_object(values: Any) -> None:
    assert validate_submission(one(), values) == {FORM_ERROR_KEY: "Values must be a JSON object"}


def test_key_limits() -> None:
    many = {f"k{i}": "" for i in range(MAX_VALUE_KEYS + 1)}
    assert validate_submission(one(), many) == {
        FORM_ERROR_KEY: f"Too many values (at most {MAX_VALUE_KEYS})",
    }
    assert validate_submission(one(), {1: "a"}) == {FORM_ERROR_KEY: "Value keys must be strings"}


def test_unknown_and_display_keys_are_refused() -> None:
    form = parse_forms([ONBOARDING])[0]
    values = {"name": "A", "day": "2025-01-01", "consent": "true", "team_size": 4,
              "nickname": "x"}
    assert validate_submission(form, values) == {"nickname": "Unknown field"}
    display = FormDefinition.model_validate({"id": "x", "title": "X", "fields": [
        {"type": "display", "name": "note", "label": "Hello"},
    ]})
    assert validate_submission(display, {}) == {}
    assert validate_submission(display, {"note": "hi"}) == {
        "note": "This field does not take a value",
    }


def test_steps_are_validated_as_one_flat_object() -> None:
    form = parse_forms([ONBOARDING])[0]
    assert validate_submission(form, {"name": "A"}) == {
        "team_size": "Minimum value is 1",  # the guide's quirk: optional, but Number("") < 1
        "day": "Day is required",
        "consent": "I agree to be contacted is required",
    }


# ------------------------------------------------------------------------- value types


def test_value_types() -> None:
    assert err(one(), ["a"]) == "Must be a string"
    assert err(one(), {"a": 1}) == "Must be a string"
    assert err(one(), 5) == "Must be a string"
    assert err(one(), True) == "Must be a string"
    assert err(one(required=True), None) == "F is required"
    assert err(one(type="number"), 5) is None
    assert err(one(type="number"), 2.5) is None
    assert err(one(type="number"), [5]) == "Must be a number or a string"
    assert err(one(type="number"), True) == "Must be a string"
    assert err(one(type="checkbox"), True) is None
    assert err(one(type="checkbox"), 1) == "Must be a string"
    assert err(one(type="checkbox"), ["true"]) == "Must be true or false"


def test_size_and_character_caps() -> None:
    message = f"Value is too long (at most {MAX_VALUE_CHARS} characters)"
    assert err(one(required=True), "x" * (MAX_VALUE_CHARS + 1)) == message
    assert err(one(), "x" * MAX_VALUE_CHARS) is None
    assert err(one(), "a\x00b") == "Value contains invalid characters"
    assert err(one(), "a\ud800b") == "Value contains invalid characters"
    assert err(one(), "😀") is None


# ------------------------------------------------------------------------- extra rules


@pytest.mark.parametrize("value", ["12", " 12 ", "-1.5e3", "0x1A", "0b11", ".5", 7, -0.5])
def test_number_accepts_javascript_numbers(value: Any) -> None:
    assert err(one(type="number"), value) is None


@pytest.mark.parametrize("value", ["abc", "1_000", "inf", "nan", "Infinity", "-Infinity",
                                   "1e400", "12px", "\u0661\u0662", "+0x1", math.nan, math.inf])
def test_number_refuses_non_finite_or_non_numbers(value: Any) -> None:
    assert err(one(type="number"), value) == "Enter a valid number"


def test_number_guide_message_wins_over_extra_rule() -> None:
    assert err(one(type="number", max=5), "Infinity") == "Maximum value is 5"


@pytest.mark.parametrize(("value", "ok"), [
    ("2024-02-29", True), (" 2024-02-29 ", True), ("2023-02-29", False), ("2024-1-01", False),
    ("2024-13-01", False), ("2024-01-01T10:00", False), ("01/02/2024", False),
    ("\u0662\u0660\u0662\u0664-\u0660\u0661-\u0660\u0661", False),
])
def test_date(value: str, ok: bool) -> None:
    assert err(one(type="date"), value) == (None if ok else "Enter a valid date (YYYY-MM-DD)")


@pytest.mark.parametrize(("value", "ok"), [
    ("00:00", True), ("09:30", True), ("23:59:59", True), ("24:00", False), ("9:30", False),
    ("12:60", False), ("12:30:60", False), ("12:30pm", False),
])
def test_time(value: str, ok: bool) -> None:
    assert err(one(type="time"), value) == (None if ok else "Enter a valid time (HH:MM)")


def test_checkbox_values_and_consent() -> None:
    optional, required = one(type="checkbox"), one(type="checkbox", required=True)
    for value in ("true", "false", True, False, "", None, ...):
        assert err(optional, value) is None
    assert err(optional, "yes") == "Must be true or false"
    assert err(optional, "TRUE") == "Must be true or false"
    assert err(required, "true") is None
    assert err(required, True) is None
    assert err(required, "false") == "F is required"  # extra rule: consent must be given
    assert err(required, False) == "F is required"
    assert err(required, "") == "F is required"  # the guide's own rule


@pytest.mark.parametrize("kind", ["select", "radio"])
def test_choices_must_be_options(kind: str) -> None:
    form = one(type=kind, options=["Customer support", {"value": "other", "label": "Other"}])
    assert err(form, "Customer support") is None
    assert err(form, "other") is None
    assert err(form, "Other") == "Choose one of the available options"
    assert err(form, "customer support") == "Choose one of the available options"
    assert err(form, "") is None  # optional and empty


def test_text_length_bounds() -> None:
    form = one(min=3, max=6)
    assert err(form, "abc") is None
    assert err(form, "ab") == "Must be at least 3 characters"
    assert err(form, "abcdefg") == "Must be at most 6 characters"
    assert err(form, "  abc  ") is None  # trimmed, like the guide
    assert err(form, "2") == "Minimum value is 3"  # the guide's numeric rules win
    assert err(form, "12") == "Maximum value is 6"
    assert err(one(type="textarea", max=2.5), "abc") == "Must be at most 2.5 characters"
    assert err(one(type="tel", min=7), "+1 555") == "Must be at least 7 characters"
    assert err(one(type="email", max=5), "a@b.co") == "Must be at most 5 characters"
    assert err(one(type="number", max=3), "1000.5") == "Maximum value is 3"
    assert err(one(type="number", min=1, max=3), "2.000001") is None  # no length rule


def test_pattern_uses_javascript_semantics() -> None:
    assert err(one(pattern=r"^\d+$"), "\u0661\u0662") == "F format is invalid"  # \d is ASCII in JS
    assert err(one(pattern=r"^\S+$"), "a\ufeffb") == "F format is invalid"
    assert err(one(pattern=r"^\S+$"), "a\x1cb") is None
    assert err(one(pattern="^.$"), "😀") == "F format is invalid"  # two UTF-16 code units
    assert err(one(pattern="^..$"), "😀") is None


# ------------------------------------------------------------------------- normalise_values


def test_normalise_values() -> None:
    form = FormDefinition.model_validate({"id": "x", "title": "X", "fields": [
        {"name": "t", "label": "T", "type": "text"},
        {"name": "n", "label": "N", "type": "number"},
        {"name": "c", "label": "C", "type": "checkbox"},
        {"name": "d", "label": "D", "type": "checkbox"},
        {"type": "display", "label": "hi"},
        {"name": "s", "label": "S", "type": "select", "options": ["a"]},
    ]})
    stored = normalise_values(form, {"s": " a", "c": True, "d": "false", "n": 2.5, "t": " x "})
    assert stored == {"t": " x ", "n": 2.5, "c": "true", "d": "false", "s": " a"}
    assert list(stored) == ["t", "n", "c", "d", "s"]
    assert normalise_values(form, {"t": None}) == {}
    with pytest.raises(SubmissionInvalid) as info:
        normalise_values(form, {"n": "x", "z": 1})
    assert info.value.errors == {"n": "Enter a valid number", "z": "Unknown field"}


# ------------------------------------------------------------------------- jscompat


def test_js_trim() -> None:
    assert js_trim("\ufeff\u00a0 x \u3000\u2029") == "x"
    assert js_trim("\x1c x \x85") == "\x1c x \x85"
    assert js_trim("\u180e") == "\u180e"


@pytest.mark.parametrize(("text", "number"), [
    ("", 0.0), ("  ", 0.0), (" 12 ", 12.0), ("0x1A", 26.0), ("0o17", 15.0), ("0B11", 3.0),
    ("1e3", 1000.0), (".5", 0.5), ("5.", 5.0), ("-0", -0.0), ("+Infinity", math.inf),
    ("-Infinity", -math.inf), ("1e400", math.inf), ("0x" + "f" * 300, math.inf),
])
def test_js_to_number(text: str, number: float) -> None:
    result = js_to_number(text)
    assert result == number and math.copysign(1, result) == math.copysign(1, number)


@pytest.mark.parametrize("text", ["inf", "nan", "NaN", "infinity", "1_000", "\u0661", "-0x1", "0x",
                                  ".", "1e", "e5", "\x1c1", "1 2", "0b2", "--1"])
def test_js_to_number_nan(text: str) -> None:
    assert math.isnan(js_to_number(text))


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (True, "true"), (False, "false"), (0, "0"), (-0.0, "0"), (1.0, "1"),
    (0.1, "0.1"), (1e21, "1e+21"), (1e20, "100000000000000000000"), (1.5e-7, "1.5e-7"),
    (0.000001, "0.000001"), (123.456, "123.456"), (-2.5e300, "-2.5e+300"),
    (2**53 + 1, "9007199254740992"), (10**400, "Infinity"), (-(10**400), "-Infinity"),
    ([1, [2, None], "a", True, {}], "1,2,,a,true,[object Object]"), ({"a": 1}, "[object Object]"),
    ([], ""), ("str", "str"),
])
def test_js_to_string(value: Any, text: str) -> None:
    assert js_to_string(value) == text


def test_js_number_to_string_specials() -> None:
    assert js_number_to_string(math.nan) == "NaN"
    assert js_number_to_string(-math.inf) == "-Infinity"
    assert js_number_to_string(5e-324) == "5e-324"


def test_regex_anchors_and_classes() -> None:
    assert not compile_js_regex("a$").test("a\n")  # JS $ is end of input only
    assert not compile_js_regex("^b").test("a\nb")
    assert compile_js_regex("a").test("xxa")  # unanchored, like RegExp#test
    assert compile_js_regex(r"[\s]").test("\ufeff")
    assert not compile_js_regex(r"\s").test("\x1c")
    assert compile_js_regex(r"[^\S]").test("\u00a0")
    assert not compile_js_regex(r"\w").test("é")
    assert not compile_js_regex(".").test("\u2028")
    assert compile_js_regex("[^]").test("\n")
    assert not compile_js_regex("[]").test("a")
    assert compile_js_regex(r"\B").test("")
    assert compile_js_regex("(?<q>['\"]).*\\k<q>").test("'x'")
    assert compile_js_regex(r"(a)|b\1").test("b")  # unset group matches empty, as in JS
    assert compile_js_regex(r"\cJ\x41\u0042\0").test("\nAB\x00")


@pytest.mark.parametrize(("pattern", "reason"), [
    ("(?P<x>a)", "unsupported group syntax"),
    ("(?i)a", "unsupported group syntax"),
    (r"\Z", "unsupported escape"),
    (r"\A", "unsupported escape"),
    (r"\p{L}", "unsupported escape"),
    ("a*+", "nothing to repeat"),
    ("a{2}{3}", "nothing to repeat"),
    ("*a", "nothing to repeat"),
    ("^*", "assertion cannot be repeated"),
    ("(?=a)+", "assertion cannot be repeated"),
    ("a{,3}", "escaped"),
    ("a{3,1}", "out of order"),
    ("a{1001}", "above 1000"),
    ("[z-a]", "out of order"),
    (r"[\w-z]", "class escape cannot bound a range"),
    (r"\1(a)", "must follow the group"),
    (r"(a\1)", "must follow the group"),
    (r"(?:(a)|b)+\1", "repeated group or a lookaround"),
    (r"(?=(a))\1", "repeated group or a lookaround"),
    (r"\2(a)", "missing groups"),
    (r"\012", "octal"),
    (r"\k<x>", "named backreference"),
    (r"(?<x>a)\k<y>", "invalid named reference"),
    ("(?<x>a)(?<x>b)", "duplicate group name"),
    ("(?<$x>a)", "group names must match"),
    (r"\x4", "incomplete \\x"),
    (r"\u{41}", "incomplete \\u"),
    (r"\c1", "\\c must be followed by a letter"),
    ("a\\", "end of pattern"),
    ("(a", "unterminated group"),
    ("a)", "unmatched ')'"),
    ("[a", "unterminated character class"),
    ("(?<=a+)b", "fixed-width"),
    ("(" * 33 + ")" * 33, "nested deeper"),
    ("a" * 1001, "longer than 1000"),
])
def test_regex_refusals(pattern: str, reason: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        compile_js_regex(pattern)
    assert reason in str(info.value)


def test_catastrophic_pattern_times_out_instead_of_hanging() -> None:
    """An owner pattern like ^(a+)+$ must not freeze a worker on a crafted submission."""
    import time

    from oshara.forms.definitions import FormDefinition
    from oshara.forms.validation import validate_submission

    form = FormDefinition.model_validate(
        {
            "id": "evil",
            "title": "t",
            "fields": [{"name": "x", "label": "X", "type": "text", "pattern": "^(a+)+$"}],
        }
    )
    t0 = time.monotonic()
    errors = validate_submission(form, {"x": "a" * 40 + "!"})
    assert time.monotonic() - t0 < 2
    assert errors == {"x": "X format is invalid"}
    assert validate_submission(form, {"x": "aaaa"}) == {}
