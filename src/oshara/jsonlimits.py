"""How deeply nested the JSON we accept may be.

Python walks nested data recursively almost everywhere (``json``, ``copy.deepcopy``,
``jsonschema``, pydantic), and each level can cost several stack frames: a JSON value nested a
few hundred levels deep can exhaust the interpreter's recursion limit (``RecursionError``, a
500) long before it is large. Request bodies are bounded as a whole by the body-limit
middleware (:data:`MAX_BODY_DEPTH`); fields that are walked recursively later (a tool's
``input_schema``, session ``metadata``) have their own, smaller bounds, checked by
:func:`json_depth`, which never recurses itself.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_BODY_DEPTH", "MAX_SCHEMA_DEPTH", "json_depth"]

MAX_BODY_DEPTH = 256
"""Any JSON request body: far more than a legitimate body needs, far from the recursion limit."""

MAX_SCHEMA_DEPTH = 32
"""A JSON Schema written by an owner (tool ``input_schema``) or listed by an MCP server."""


def json_depth(value: Any, limit: int | None = None) -> int:
    """How many containers (objects, arrays) are nested in ``value``: ``1`` → 0, ``{}`` → 1,
    ``{"a": [1]}`` → 2. Computed without recursion; with ``limit``, the walk stops as soon as
    the depth exceeds it (the result is then ``limit + 1``)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if limit is not None and deepest > limit:
                return limit + 1
        stack.extend((child, depth) for child in children)
    return deepest
