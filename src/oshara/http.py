"""Small request helpers shared by endpoints."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import Request
from pydantic import BaseModel, ValidationError

from oshara.errors import BadRequest, ValidationFailed

M = TypeVar("M", bound=BaseModel)


def field_errors(
    errors: Iterable[Mapping[str, Any]], prefix: tuple[str | int, ...] = ()
) -> list[dict[str, str]]:
    """Pydantic/FastAPI error dicts as ``[{"field": "tools[1].name", "message": …}]``."""
    return [
        {
            "field": format_loc((*prefix, *err.get("loc", ()))),
            "message": str(err.get("msg", "invalid")).removeprefix("Value error, "),
        }
        for err in errors
    ]


def pydantic_errors(
    exc: ValidationError, prefix: tuple[str | int, ...] = ()
) -> list[dict[str, str]]:
    """Turn a pydantic error into ``[{"field": "tools[1].name", "message": …}]``."""
    return field_errors(exc.errors(include_url=False, include_input=False), prefix)


def format_loc(loc: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("body",) and not out:
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


async def lenient_json(request: Request) -> Any:
    """Parse a JSON body whatever the Content-Type says.

    The guide's refresh example is ``curl -d '{"refresh": …}'`` with no JSON Content-Type, so
    curl labels it form-encoded. JSON is tried first; a genuine form body is accepted too.
    """
    raw = await request.body()
    if not raw.strip():
        raise BadRequest("Request body is empty; send a JSON object")
    try:
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise BadRequest("Request body is not valid UTF-8") from exc
    except RecursionError as exc:
        raise BadRequest("Request body is nested too deeply") from exc
    except json.JSONDecodeError as exc:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            try:
                return dict(parse_qsl(raw.decode("utf-8"), strict_parsing=True))
            except (UnicodeDecodeError, ValueError):
                pass
        raise BadRequest(
            f"Request body is not valid JSON: {exc.msg} at position {exc.pos}"
        ) from exc


def parse_model(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(pydantic_errors(exc)) from exc


def openapi_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a body that is parsed by hand (see ``lenient_json``)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }
