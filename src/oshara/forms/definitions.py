"""Form definitions, exactly as the public API guide shows them (Pattern 5).

A character's ``widget_appearance.forms`` is a list of :class:`FormDefinition`. Each form has
either flat ``fields`` or multi-step ``steps``; every field follows the guide's "Field schema
reference" table. Definitions are validated strictly (unknown keys refused, patterns checked
against JavaScript *and* Python semantics) so that the widget, custom front-ends running the
guide's ``validate()`` and the server's :func:`oshara.forms.validation.validate_submission`
all agree.

Decisions beyond the guide (all refused with an error naming the location):

* field names that are properties of JavaScript's ``Object.prototype`` (``constructor``,
  ``toString``, ``__proto__`` ...) are refused: the guide's ``values[field.name]`` would read the
  inherited property instead of "missing". ``_form`` is reserved for form-level errors.
* ``min``/``max`` are accepted on ``number``, ``text``, ``textarea``, ``tel`` and ``email`` only
  (the table defines them as a value or a character length); integers must be safe JS integers.
* ``rows`` only on ``textarea``; ``options`` only (and required) on ``select``/``radio``;
  ``display`` fields take no ``required``/``pattern``/``min``/``max``/``default_value``.
* a ``default_value`` of a select/radio must be an option value, of a checkbox ``"true"`` or
  ``"false"``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    TypeAdapter,
    field_validator,
    model_validator,
)

from oshara.forms.jscompat import compile_js_regex, js_trim

__all__ = [
    "FIELD_TYPES",
    "MAX_FIELDS_PER_FORM",
    "MAX_FORMS",
    "RESERVED_FIELD_NAMES",
    "FieldType",
    "FormDefinition",
    "FormField",
    "FormOption",
    "FormStep",
    "parse_forms",
]

FieldType = Literal[
    "text",
    "email",
    "tel",
    "textarea",
    "select",
    "number",
    "date",
    "time",
    "checkbox",
    "radio",
    "display",
]
#: Every field type the guide defines.
FIELD_TYPES: tuple[str, ...] = (
    "text",
    "email",
    "tel",
    "textarea",
    "select",
    "number",
    "date",
    "time",
    "checkbox",
    "radio",
    "display",
)
#: Types on which ``min``/``max`` are meaningful (numeric value or character length).
MIN_MAX_TYPES = frozenset({"number", "text", "textarea", "tel", "email"})
#: Types that carry ``options``.
OPTION_TYPES = frozenset({"select", "radio"})

#: Names refused for fields: JavaScript ``Object.prototype`` members plus the form-error key.
RESERVED_FIELD_NAMES = frozenset(
    {
        "__proto__",
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
        "constructor",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "toString",
        "valueOf",
        "_form",
    }
)

MAX_FORMS = 50
MAX_STEPS = 20
MAX_FIELDS_PER_FORM = 200
MAX_OPTIONS = 200
_MAX_SAFE_INTEGER = 2**53 - 1

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
FIELD_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$"

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


def _not_blank(value: str) -> str:
    if not js_trim(value):
        raise ValueError("must not be empty")
    return value


def _json_number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    if isinstance(value, int) and abs(value) > _MAX_SAFE_INTEGER:
        raise ValueError("integers must be between -(2**53-1) and 2**53-1 (safe in JavaScript)")
    return value


def _check_url(value: str | None) -> str | None:
    if value is None:
        return None
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError("must not contain whitespace or control characters")
    try:
        parts = urlsplit(value)
        _ = parts.port
    except ValueError as exc:
        raise ValueError(f"is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL (or null for managed storage)")
    return value


def _check_pattern(value: str | None) -> str | None:
    if value is not None:
        try:
            compile_js_regex(value)
        except ValueError as exc:
            raise ValueError(f"pattern is not usable: {exc}") from None
    return value


NonBlank = Annotated[str, AfterValidator(_not_blank)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
#: A finite JSON number (ints must be safe JavaScript integers).
JsonNumber = Annotated[StrictInt | StrictFloat, BeforeValidator(_json_number)]


class FormOption(BaseModel):
    """A select/radio choice in object form: ``{"value": ..., "label"?: ...}``."""

    model_config = _STRICT

    value: Annotated[NonBlank, Field(max_length=500)]
    label: Annotated[str | None, Field(max_length=500)] = None


def option_value(option: str | FormOption) -> str:
    """The submitted value of an option (strings are their own value)."""
    return option if isinstance(option, str) else option.value


class FormField(BaseModel):
    """One field of a form, as listed in the guide's "Field schema reference"."""

    model_config = _STRICT

    name: Annotated[str | None, Field(pattern=FIELD_NAME_PATTERN)] = None
    label: Annotated[NonBlank, Field(max_length=2000)]
    type: FieldType
    required: StrictBool = False
    placeholder: Annotated[str | None, Field(max_length=500)] = None
    options: Annotated[
        list[Annotated[str, AfterValidator(_not_blank), Field(max_length=500)] | FormOption] | None,
        Field(max_length=MAX_OPTIONS),
    ] = None
    rows: Annotated[StrictInt | None, Field(ge=1, le=50)] = None
    default_value: Annotated[str | None, Field(max_length=10_000)] = None
    help_text: Annotated[str | None, Field(max_length=2000)] = None
    pattern: Annotated[
        str | None, Field(min_length=1, max_length=1000), AfterValidator(_check_pattern)
    ] = None
    min: JsonNumber | None = None
    max: JsonNumber | None = None
    width: Literal["full", "half"] | None = None

    @model_validator(mode="after")
    def _check_consistency(self) -> FormField:
        where = f"field {self.name!r}" if self.name else f"{self.type} field"
        problems: list[str] = []
        if self.type == "display":
            for attr in ("pattern", "min", "max", "default_value", "options", "rows"):
                if getattr(self, attr) is not None:
                    problems.append(f"'{attr}' is not allowed on display fields")
            if self.required:
                problems.append("display fields cannot be required")
        elif self.name is None:
            problems.append("'name' is required (only display fields may omit it)")
        if self.name in RESERVED_FIELD_NAMES:
            problems.append(f"the name {self.name!r} is reserved")
        if self.type in OPTION_TYPES:
            if not self.options:
                problems.append(f"'options' must be a non-empty list for {self.type} fields")
            else:
                values = [option_value(opt) for opt in self.options]
                dupes = sorted({v for v in values if values.count(v) > 1})
                if dupes:
                    problems.append(f"option values must be unique (repeated: {dupes})")
                if self.default_value is not None and self.default_value not in values:
                    problems.append("'default_value' must be one of the option values")
        elif self.options is not None and self.type != "display":
            problems.append("'options' is only allowed on select and radio fields")
        if self.rows is not None and self.type not in ("textarea", "display"):
            problems.append("'rows' is only allowed on textarea fields")
        if self.type == "checkbox" and self.default_value not in (None, "true", "false"):
            problems.append('a checkbox \'default_value\' must be "true" or "false"')
        has_bounds = self.min is not None or self.max is not None
        if has_bounds and self.type not in MIN_MAX_TYPES and self.type != "display":
            problems.append(
                "'min'/'max' are only allowed on number, text, textarea, tel and email fields"
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            problems.append("'min' must not be greater than 'max'")
        if problems:
            raise ValueError(f"{where}: " + "; ".join(problems))
        return self

    @property
    def option_values(self) -> list[str]:
        """The accepted values of a select/radio field (empty for other types)."""
        return [option_value(opt) for opt in self.options or []]


class FormStep(BaseModel):
    """One step of a multi-step form."""

    model_config = _STRICT

    id: Slug
    title: Annotated[str | None, Field(max_length=200)] = None
    fields: Annotated[list[FormField], Field(min_length=1, max_length=MAX_FIELDS_PER_FORM)]


class FormDefinition(BaseModel):
    """A form the agent can show (``show_form``) or the visitor can open.

    Exactly one of ``fields`` and ``steps`` is given. Field names are unique across the whole
    form. ``submit_url: null`` stores submissions in managed storage.
    """

    model_config = _STRICT

    id: Slug
    title: Annotated[NonBlank, Field(max_length=200)]
    subtitle: Annotated[str | None, Field(max_length=500)] = None
    submit_url: Annotated[str | None, Field(max_length=2048), AfterValidator(_check_url)] = None
    submit_method: Literal["POST", "PUT", "PATCH"] = "POST"
    submit_label: Annotated[str | None, Field(max_length=100)] = None
    success_message: Annotated[str | None, Field(max_length=2000)] = None
    visitor_can_open: StrictBool = True
    fields: Annotated[
        list[FormField] | None, Field(min_length=1, max_length=MAX_FIELDS_PER_FORM)
    ] = None
    steps: Annotated[list[FormStep] | None, Field(min_length=1, max_length=MAX_STEPS)] = None

    @field_validator("submit_method", mode="before")
    @classmethod
    def _upper_method(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_layout(self) -> FormDefinition:
        if (self.fields is None) == (self.steps is None):
            raise ValueError("a form must have exactly one of 'fields' or 'steps'")
        if self.submit_url is None and self.submit_method != "POST":
            # Managed storage takes POST; the guide's submitForm() sends submit_method there.
            raise ValueError(
                "submit_method: must be POST (or left out) when submit_url is null "
                "(managed storage accepts POST only)"
            )
        if self.steps is not None:
            seen_steps: dict[str, int] = {}
            for index, step in enumerate(self.steps):
                if step.id in seen_steps:
                    raise ValueError(
                        f"steps[{index}].id: duplicate step id {step.id!r} "
                        f"(first used by steps[{seen_steps[step.id]}])"
                    )
                seen_steps[step.id] = index
        seen: dict[str, str] = {}
        count = 0
        for location, field in self._located_fields():
            count += 1
            if field.name is None:
                continue
            if field.name in seen:
                raise ValueError(
                    f"{location}.name: duplicate field name {field.name!r} "
                    f"(first used by {seen[field.name]})"
                )
            seen[field.name] = location
        if count > MAX_FIELDS_PER_FORM:
            raise ValueError(f"a form may have at most {MAX_FIELDS_PER_FORM} fields in total")
        return self

    def _located_fields(self) -> Iterator[tuple[str, FormField]]:
        if self.fields is not None:
            for index, field in enumerate(self.fields):
                yield f"fields[{index}]", field
        for step_index, step in enumerate(self.steps or []):
            for index, field in enumerate(step.fields):
                yield f"steps[{step_index}].fields[{index}]", field

    def all_fields(self) -> list[FormField]:
        """Every field of the form in display order (steps flattened)."""
        return [field for _, field in self._located_fields()]

    def public_dict(self) -> dict[str, Any]:
        """JSON-ready dict for public responses (appearance endpoint, widget).

        Unset attributes are *absent* (the guide's ``validate()`` tests
        ``field.min !== undefined``, so a ``null`` would break it); ``submit_url`` is always
        present, ``null`` meaning managed storage, as in the guide's example.
        """
        data = self.model_dump(mode="json", exclude_none=True)
        return {
            key: data.get(key)
            for key in type(self).model_fields
            if key in data or key == "submit_url"
        }


def _unique_form_ids(forms: list[FormDefinition]) -> list[FormDefinition]:
    seen: dict[str, int] = {}
    for index, form in enumerate(forms):
        if form.id in seen:
            raise ValueError(
                f"[{index}].id: duplicate form id {form.id!r} (first used by [{seen[form.id]}])"
            )
        seen[form.id] = index
    return forms


_FORMS_ADAPTER: TypeAdapter[list[FormDefinition]] = TypeAdapter(
    Annotated[list[FormDefinition], Field(max_length=MAX_FORMS), AfterValidator(_unique_form_ids)],
    config=ConfigDict(title="forms"),
)


def parse_forms(data: object) -> list[FormDefinition]:
    """Validate a list of form definitions (e.g. ``widget_appearance.forms``).

    Raises :class:`pydantic.ValidationError`; each error's ``loc`` starts with the form's index
    and its message names the offending field/step where the check spans several of them.
    Form ids must be unique.
    """
    return _FORMS_ADAPTER.validate_python(data)
