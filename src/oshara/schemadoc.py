"""Documenting a value's precise shape in the OpenAPI schema without changing how it is sent.

Some answers are built as plain dicts on purpose (the appearance endpoint leaves unset form
attributes *out* instead of sending ``null``; the text-mode turn passes the agent runtime's
dict through), so their pydantic type is ``dict[str, Any]`` and the schema would say only
"object". ``Annotated[dict[str, Any], DocumentedAs(SomeTypedDict)]`` keeps validation and
serialization exactly as they were and makes the JSON schema (hence ``/api/schema/`` and the
web client's generated types, ``web/src/api/schema.d.ts``) describe ``SomeTypedDict``.
"""

from __future__ import annotations

from typing import Any

from pydantic import GetJsonSchemaHandler, TypeAdapter
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema


class DocumentedAs:
    """Annotation metadata: document the annotated value as ``shape`` (schema only)."""

    def __init__(self, shape: Any) -> None:
        self.shape = shape
        self._core: CoreSchema | None = None

    def __get_pydantic_json_schema__(
        self, _core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        if self._core is None:
            self._core = TypeAdapter(self.shape).core_schema
        return handler(self._core)

    def __repr__(self) -> str:
        return f"DocumentedAs({self.shape!r})"
