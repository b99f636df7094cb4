"""Server-side validation of form submissions.

:func:`validate_submission` rejects everything the guide's browser-side ``validate()`` rejects,
with the *same* messages, and adds the server-only rules documented below. The guide's rules run
on ``val = (values[name] ?? "").toString().trim()`` with exact JavaScript semantics
(:mod:`oshara.forms.jscompat`), including its quirks:

* ``min``/``max`` compare ``Number(val)`` for every field type that has them -- so an *empty
  optional* field with ``min > 0`` fails (``Number("") == 0``), ``"0x1A"`` counts as 26, and
  non-numeric text never fails them (NaN comparisons are false);
* later checks overwrite earlier messages for the same field (email < pattern < min < max) and
  nothing else is checked after "<label> is required".

Error dict: ``{field_name: message}`` per rejected field, ``{unknown_key: "Unknown field"}``
for keys that are not fields, and ``{"_form": message}`` when ``values`` itself is unusable.
An empty dict means valid.

Extra rules (server only, applied in this order per field):

1. safety first: a string longer than :data:`MAX_VALUE_CHARS`, containing NUL or a lone
   surrogate, or a value of the wrong JSON type (strings are accepted for every type; numbers
   also for ``number``; booleans also for ``checkbox``; ``null`` means missing; lists/objects are
   refused) -- these messages replace the guide's;
2. the guide's rules (its message wins whenever it rejects);
3. on a non-empty trimmed value: ``number`` must be a finite JavaScript number; ``date`` must be
   ``YYYY-MM-DD`` and a real date; ``time`` ``HH:MM`` or ``HH:MM:SS``; ``checkbox`` must be
   ``"true"``/``"false"`` and a *required* checkbox must be ``"true"`` (consent semantics: an
   unchecked required box is "<label> is required" even though the guide sends ``"false"``);
   ``select``/``radio`` must be one of the option values; on ``text``/``textarea``/``tel``/
   ``email`` ``min``/``max`` also bound the trimmed length in characters (code points).

Keys: unknown keys and keys of ``display`` fields are refused; more than
:data:`MAX_VALUE_KEYS` keys or non-string keys reject the whole submission under ``"_form"``.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping

from oshara.forms.definitions import FormDefinition, FormField
from oshara.forms.jscompat import (
    PatternTimeout,
    compile_js_regex,
    js_number_to_string,
    js_to_number,
    js_to_string,
    js_trim,
)

__all__ = [
    "FORM_ERROR_KEY",
    "MAX_VALUE_CHARS",
    "MAX_VALUE_KEYS",
    "SubmissionInvalid",
    "normalise_values",
    "validate_submission",
]

#: Error-dict key for problems with the submission as a whole.
FORM_ERROR_KEY = "_form"
#: Longest accepted string value (characters).
MAX_VALUE_CHARS = 10_000
#: Most keys accepted in one submission.
MAX_VALUE_KEYS = 200

#: The guide's email check, verbatim.
EMAIL_REGEX = compile_js_regex(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME_RE = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?")
_LENGTH_TYPES = frozenset({"text", "textarea", "tel", "email"})
_BAD_CHAR_RE = re.compile("[\x00\ud800-\udfff]")

JsonScalar = str | int | float


class SubmissionInvalid(ValueError):
    """Raised by :func:`normalise_values` for values that do not validate."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(f"invalid submission: {errors}")
        self.errors = errors


def _type_error(field: FormField, raw: object) -> str | None:
    """Rule 1: size, characters and JSON type of the raw value."""
    if raw is None:
        return None
    if isinstance(raw, str):
        if len(raw) > MAX_VALUE_CHARS:
            return f"Value is too long (at most {MAX_VALUE_CHARS} characters)"
        if _BAD_CHAR_RE.search(raw):
            return "Value contains invalid characters"
        return None
    if isinstance(raw, bool):
        return None if field.type == "checkbox" else "Must be a string"
    if isinstance(raw, int | float):
        return None if field.type == "number" else "Must be a string"
    if field.type == "number":
        return "Must be a number or a string"
    if field.type == "checkbox":
        return "Must be true or false"
    return "Must be a string"


def guide_error(field: FormField, val: str) -> str | None:
    """The guide's ``validate()`` for one field, given its trimmed string ``val``.

    Returns the message the guide would store in ``errors[field.name]``, or ``None``.
    """
    if field.type == "display":
        return None
    if field.required and not val:
        return f"{field.label} is required"
    error: str | None = None
    if field.type == "email" and val and not EMAIL_REGEX.test(val):
        error = "Enter a valid email address"
    if field.pattern and val:
        try:
            matched = compile_js_regex(field.pattern).test(val)
        except PatternTimeout:
            matched = False  # a pathological pattern/value pair: refuse rather than hang
        if not matched:
            error = f"{field.label} format is invalid"
    if field.min is not None and js_to_number(val) < field.min:
        error = f"Minimum value is {js_number_to_string(field.min)}"
    if field.max is not None and js_to_number(val) > field.max:
        error = f"Maximum value is {js_number_to_string(field.max)}"
    return error


def _is_real_date(val: str) -> bool:
    if not _DATE_RE.fullmatch(val):
        return False
    try:
        datetime.date.fromisoformat(val)
    except ValueError:
        return False
    return True


def _extra_error(field: FormField, val: str) -> str | None:
    """Rule 3: server-only checks on a non-empty trimmed value."""
    kind = field.type
    if kind == "number" and not math.isfinite(js_to_number(val)):
        return "Enter a valid number"
    if kind == "date" and not _is_real_date(val):
        return "Enter a valid date (YYYY-MM-DD)"
    if kind == "time" and not _TIME_RE.fullmatch(val):
        return "Enter a valid time (HH:MM)"
    if kind == "checkbox":
        if val not in ("true", "false"):
            return "Must be true or false"
        if field.required and val != "true":
            return f"{field.label} is required"
    if kind in ("select", "radio") and val not in field.option_values:
        return "Choose one of the available options"
    if kind in _LENGTH_TYPES:
        length = len(val)
        if field.min is not None and length < field.min:
            return f"Must be at least {js_number_to_string(field.min)} characters"
        if field.max is not None and length > field.max:
            return f"Must be at most {js_number_to_string(field.max)} characters"
    return None


def field_error(field: FormField, raw: object) -> str | None:
    """Validate one field's raw JSON value (``None`` = missing); ``None`` means valid."""
    if field.type == "display":
        return None
    error = _type_error(field, raw)
    if error is not None:
        return error
    val = js_trim(js_to_string(raw))
    error = guide_error(field, val)
    if error is not None or not val:
        return error
    return _extra_error(field, val)


def validate_submission(form: FormDefinition, values: object) -> dict[str, str]:
    """Validate submitted ``values`` against ``form``; return per-key errors (empty = valid).

    ``values`` is the decoded JSON ``values`` object of a submission. See the module docstring
    for the exact rules and the shape of the result.
    """
    if not isinstance(values, Mapping):
        return {FORM_ERROR_KEY: "Values must be a JSON object"}
    if len(values) > MAX_VALUE_KEYS:
        return {FORM_ERROR_KEY: f"Too many values (at most {MAX_VALUE_KEYS})"}
    if not all(isinstance(key, str) for key in values):
        return {FORM_ERROR_KEY: "Value keys must be strings"}
    errors: dict[str, str] = {}
    fields = form.all_fields()
    for field in fields:
        if field.type == "display" or field.name is None:
            continue
        error = field_error(field, values.get(field.name))
        if error is not None:
            errors[field.name] = error
    types = {field.name: field.type for field in fields if field.name is not None}
    for key in values:
        if key not in types:
            errors[key] = "Unknown field"
        elif types[key] == "display":
            errors[key] = "This field does not take a value"
    return errors


def normalise_values(form: FormDefinition, values: object) -> dict[str, JsonScalar]:
    """Validate ``values`` and return the representation to store.

    Fields are returned in form order; ``null``/absent values are left out; strings are kept
    exactly as submitted (not trimmed); checkbox booleans become ``"true"``/``"false"``;
    numbers stay numbers. Raises :class:`SubmissionInvalid` (with ``.errors``) if
    :func:`validate_submission` reports any error.
    """
    errors = validate_submission(form, values)
    if errors:
        raise SubmissionInvalid(errors)
    assert isinstance(values, Mapping)
    stored: dict[str, JsonScalar] = {}
    for field in form.all_fields():
        if field.name is None or field.type == "display":
            continue
        raw = values.get(field.name)
        if isinstance(raw, bool):
            stored[field.name] = "true" if raw else "false"
        elif isinstance(raw, str | int | float):
            stored[field.name] = raw
    return stored
