"""The web client's API types are generated from the server's OpenAPI schema and kept fresh.

``web/openapi.json`` (``python -m oshara.openapi_dump``) and ``web/src/api/schema.d.ts``
(openapi-typescript on it) are committed; the SDK's and the dashboard's request/response types
are derived from them, so a field renamed on the server breaks ``npm run build`` instead of a
visitor's page. These tests fail when either file no longer matches the current app.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from oshara.openapi_dump import render

WEB = Path(__file__).resolve().parents[2] / "web"
SCHEMA_JSON = WEB / "openapi.json"
SCHEMA_TS = WEB / "src" / "api" / "schema.d.ts"
REGENERATE = "regenerate with `cd web && npm run gen:api` and commit both files"


def _node_tool(package: str) -> str:
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / package).is_dir():
        pytest.skip(f"needs Node.js and `npm ci` in web/ ({package})")
    return node


def test_openapi_json_matches_the_app() -> None:
    current = render()
    committed = SCHEMA_JSON.read_text(encoding="utf-8") if SCHEMA_JSON.exists() else ""
    if committed != current:
        old = json.loads(committed or "{}")
        new = json.loads(current)
        changed = sorted(
            name
            for name in {*old.get("paths", {}), *new.get("paths", {})}
            if old.get("paths", {}).get(name) != new.get("paths", {}).get(name)
        )
        schemas_old = old.get("components", {}).get("schemas", {})
        schemas_new = new.get("components", {}).get("schemas", {})
        changed += sorted(
            f"#/components/schemas/{name}"
            for name in {*schemas_old, *schemas_new}
            if schemas_old.get(name) != schemas_new.get(name)
        )
        pytest.fail(
            f"web/openapi.json is stale (the API changed: {', '.join(changed[:12]) or 'info'}"
            f"{' …' if len(changed) > 12 else ''}): {REGENERATE}",
            pytrace=False,
        )


def test_dump_is_deterministic() -> None:
    assert render() == render()


def test_schema_d_ts_matches_openapi_json() -> None:
    node = _node_tool("openapi-typescript")
    out = subprocess.run(
        [node, "scripts/gen-api.mjs", "--stdout"],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    committed = SCHEMA_TS.read_text(encoding="utf-8") if SCHEMA_TS.exists() else ""
    if committed != out:
        pytest.fail(f"web/src/api/schema.d.ts is stale: {REGENERATE}", pytrace=False)


def test_sdk_types_come_from_the_schema() -> None:
    """The SDK derives the server's shapes instead of declaring duplicates."""
    types = (WEB / "src" / "sdk" / "types.ts").read_text(encoding="utf-8")
    assert 'from "../api/schema"' in types
    for name in ("AgentSessionOut", "AppearanceOut", "PublicFormDefinition", "FormResponseOut"):
        assert f'Schemas["{name}"]' in types, name
    assert "interface FormField" not in types and "interface SessionGrant" not in types


def test_sdk_and_widget_typecheck_against_the_generated_types() -> None:
    """`npm run typecheck` (tsc, also the first step of `npm run build`)."""
    node = _node_tool("typescript")
    tsc = WEB / "node_modules" / "typescript" / "bin" / "tsc"
    result = subprocess.run(
        [node, str(tsc), "-p", "."], cwd=WEB, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, (
        "the web client does not compile against web/src/api/schema.d.ts (did an API shape "
        f"change? fix the SDK/dashboard code):\n{result.stdout}{result.stderr}"
    )
