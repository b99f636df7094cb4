"""The public JSON of forms and themes, as the appearance endpoint and the widget receive it.

:meth:`FormDefinition.public_dict <oshara.forms.definitions.FormDefinition.public_dict>` and
``Theme.values()`` leave unset attributes *out* (never ``null``: the guide's ``validate()``
tests ``field.min !== undefined``), except ``submit_url``, always present (``null`` = managed
storage). These TypedDicts describe that shape for the OpenAPI schema only (see
:class:`oshara.schemadoc.DocumentedAs`); validation stays with the pydantic models.
``required``, ``submit_method`` and ``visitor_can_open`` are always sent (with their defaults)
but stay optional here, as in the guide's field table, so clients may build forms without them.
"""

from __future__ import annotations

from typing import Literal, NotRequired

from pydantic import ConfigDict
from typing_extensions import TypedDict

from oshara.forms.definitions import FieldType

__all__ = [
    "PublicFormDefinition",
    "PublicFormField",
    "PublicFormOption",
    "PublicFormStep",
    "PublicTheme",
]


class PublicFormOption(TypedDict):
    """A select/radio choice in object form; a plain string is its own value and label."""

    value: str
    label: NotRequired[str]


class PublicFormField(TypedDict):
    """One field of a form (the guide's "Field schema reference"); unset attributes absent."""

    name: NotRequired[str]
    label: str
    type: FieldType
    required: NotRequired[bool]
    placeholder: NotRequired[str]
    options: NotRequired[list[str | PublicFormOption]]
    rows: NotRequired[int]
    default_value: NotRequired[str]
    help_text: NotRequired[str]
    pattern: NotRequired[str]
    min: NotRequired[float]
    max: NotRequired[float]
    width: NotRequired[Literal["full", "half"]]


class PublicFormStep(TypedDict):
    """One step of a multi-step form."""

    id: str
    title: NotRequired[str]
    fields: list[PublicFormField]


class PublicFormDefinition(TypedDict):
    """A form the agent can show or the visitor can open: ``fields`` or ``steps``."""

    id: str
    title: str
    subtitle: NotRequired[str]
    submit_url: str | None
    submit_method: NotRequired[Literal["POST", "PUT", "PATCH"]]
    submit_label: NotRequired[str]
    success_message: NotRequired[str]
    visitor_can_open: NotRequired[bool]
    fields: NotRequired[list[PublicFormField]]
    steps: NotRequired[list[PublicFormStep]]


_THEME_EXTRA = {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}


class PublicTheme(TypedDict):
    """Widget theme: the known keys, plus other keys holding a string, number or boolean."""

    __pydantic_config__ = ConfigDict(  # type: ignore[misc]
        extra="allow", json_schema_extra={"additionalProperties": _THEME_EXTRA}
    )

    primary_color: NotRequired[str]
    background_color: NotRequired[str]
    text_color: NotRequired[str]
    font_family: NotRequired[str]
    border_radius: NotRequired[float | str]
    position: NotRequired[Literal["bottom-right", "bottom-left"]]
