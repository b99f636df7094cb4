"""Bodies of the form-response endpoints (guide, Patterns 3 and 5)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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
