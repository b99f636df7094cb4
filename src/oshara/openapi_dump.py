"""Print the API's OpenAPI document without a server or a database.

``python -m oshara.openapi_dump > web/openapi.json`` (``npm run gen:api`` in ``web/`` runs it
and then generates ``web/src/api/schema.d.ts``, the web client's request/response types).
The output is deterministic -- sorted keys, two-space indent, a final newline, nothing from
the clock or the machine -- so regenerating an unchanged API gives a byte-identical file, and
``tests/web/test_api_types.py`` fails when the committed copy is stale.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from oshara.app import create_app
from oshara.config import Settings


def openapi_schema() -> dict[str, Any]:
    """The app's schema (``/api/schema/``), built with throwaway settings in a temp dir."""
    with tempfile.TemporaryDirectory(prefix="oshara-openapi-") as tmp:
        settings = Settings(
            env="test",
            data_dir=Path(tmp),
            secret_key="openapi-dump-" + "x" * 40,
            database_url="sqlite+aiosqlite:///:memory:",
            public_url="",
            _env_file=None,
        )
        return create_app(settings).openapi()


def render(schema: dict[str, Any] | None = None) -> str:
    """The schema as the committed ``web/openapi.json`` holds it."""
    doc = openapi_schema() if schema is None else schema
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
