"""Bodies of the form-response endpoints (guide, Patterns 3 and 5)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NotRequired

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict


class FormResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    form_id: str = Field(min_length=1, max_length=64)
    values: Any = Field(description="Flat object of field name → value, as the form was filled.")
    session_id: str | None = Field(default=None, max_length=40)


class FormResponseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    form_id: str
    session_id: str | None
    values: dict[str, Any]
    source: str
    created_at: datetime


class FieldErrorItem(TypedDict):
    field: str
    message: str


class FormInvalidBody(TypedDict):
    """400 of a submission: ``{detail, errors?}`` like every 400, plus ``field_errors``
    (``{field name: message}``) when the values fail the stored form's rules."""

    detail: str
    errors: NotRequired[list[FieldErrorItem]]
    field_errors: NotRequired[dict[str, str]]
