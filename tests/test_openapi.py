"""The OpenAPI document at ``/api/schema/`` and the interactive docs at ``/api/docs/``.

The schema is what the web client's types are generated from (DESIGN §2), so it must be a
valid OpenAPI 3 document, list every route the app serves, keep the guide's trailing slashes and
document the error answers the server really gives.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from jsonschema import Draft202012Validator

from oshara.app import create_app
from oshara.config import Settings
from oshara.deps import get_optional_subject, get_subject

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# The paths the public API guide uses (reference/oshara-api-guide.txt), with their methods.
GUIDE_PATHS = {
    "/api/auth/login/": {"post"},
    "/api/auth/refresh/": {"post"},
    "/api/ai-characters/": {"get", "post"},
    "/api/ai-characters/{slug}/": {"get", "patch"},
    "/api/agents/agent-session/": {"post"},
    "/api/agents/{slug}/appearance/": {"get"},
    "/api/agents/{slug}/form-responses/": {"get", "post"},
}

# Routes FastAPI adds by itself that are not part of our API.
FRAMEWORK_ROUTES = {"/docs/oauth2-redirect"}  # Swagger UI's OAuth2 helper page (unused)
# Browser assets and pages, outside the API on purpose (embed tags point at /widget.js).
ASSET_ROUTES = {
    "/widget.js",
    "/sdk.js",
    "/try/{slug}",
    "/api/docs/assets/{name}",
    "/",  # redirects to the dashboard
    "/dashboard",
    "/dashboard/assets/{name}",
    "/dashboard/{path:path}",  # the app's own routes
}


@pytest.fixture(scope="module")
def bare_app() -> FastAPI:
    """The app without a database: the schema and the docs page never touch one."""
    return create_app(
        Settings(env="test", secret_key="o" * 48, database_url="sqlite+aiosqlite:///:memory:")
    )


@pytest.fixture
async def bare_client(bare_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=bare_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def schema(bare_client: httpx.AsyncClient) -> dict[str, Any]:
    r = await bare_client.get("/api/schema/")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    doc: dict[str, Any] = r.json()
    return doc


def api_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and ctx.path is not None:
            for method in sorted(ctx.methods or ()):
                yield method.lower(), ctx.path, route


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield method, path, op


def resolve(schema: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"external reference {ref!r}"
    node: Any = schema
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolvable $ref {ref!r}"
        node = node[part]
    return node


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def _authenticated(route: APIRoute) -> bool:
    def walk(dep: Any) -> bool:
        return dep.call in (get_subject, get_optional_subject) or any(
            walk(d) for d in dep.dependencies
        )

    return walk(route.dependant)


# --------------------------------------------------------------------------------- validity


async def test_schema_is_a_valid_openapi_3_document(schema: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.(0|1)\.\d+", schema["openapi"]), schema["openapi"]
    assert schema["info"]["title"] and schema["info"]["version"]
    assert isinstance(schema["paths"], dict) and schema["paths"]
    assert set(schema) <= {
        "openapi",
        "info",
        "jsonSchemaDialect",
        "servers",
        "paths",
        "webhooks",
        "components",
        "security",
        "tags",
        "externalDocs",
    }
    seen_ids: set[str] = set()
    for method, path, op in operations(schema):
        where = f"{method.upper()} {path}"
        assert path.startswith("/"), where
        op_id = op.get("operationId")
        assert op_id and op_id not in seen_ids, f"{where}: operationId missing or repeated"
        seen_ids.add(op_id)
        assert op["responses"], f"{where}: no responses"
        for code, response in op["responses"].items():
            assert re.fullmatch(r"[1-5](\d\d|XX)|default", code), f"{where}: status {code!r}"
            if "$ref" not in response:
                assert isinstance(response.get("description"), str), f"{where} {code}"
        # Every {template} of the path is a declared, required path parameter, and back.
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{([^}]+)}", path)), where
        for param in op.get("parameters", []):
            assert param["in"] in {"path", "query", "header", "cookie"}, where
            assert "schema" in param or "content" in param, f"{where} {param['name']}"
            if param["in"] == "path":
                assert param.get("required") is True, f"{where} {param['name']}"
        if "requestBody" in op:
            assert op["requestBody"]["content"], where
    # Every reference resolves inside the document; every schema is valid JSON Schema.
    for ref in refs(schema):
        resolve(schema, ref)
    # OpenAPI 3.1 schema objects are JSON Schema 2020-12.
    for component in schema.get("components", {}).get("schemas", {}).values():
        Draft202012Validator.check_schema(component)


async def test_every_route_appears_in_the_schema(bare_app: FastAPI, schema: dict[str, Any]) -> None:
    served = {(m, p) for m, p, r in api_routes(bare_app) if r.include_in_schema}
    documented = {(m, p) for m, p, _ in operations(schema)}
    assert served - documented == set(), "routes missing from /api/schema/"
    assert documented - served == set(), "documented operations the app does not serve"
    for path, methods in GUIDE_PATHS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path


async def test_docs_serve_interactive_html(bare_client: httpx.AsyncClient) -> None:
    r = await bare_client.get("/api/docs/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "swagger" in r.text.lower()
    assert "/api/schema/" in r.text


async def test_docs_work_offline(bare_client: httpx.AsyncClient) -> None:
    """As found: the page loaded Swagger UI from a CDN and was blank offline. Every URL it
    references is this server's, and each answers 200."""
    import re

    r = await bare_client.get("/api/docs/")
    assert r.status_code == 200
    absolute = re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", r.text)
    assert [u for u in absolute if not u.startswith("http://testserver/")] == []
    refs = re.findall(r"""(?:href|src)\s*=\s*["']([^"']+)["']""", r.text)
    refs += re.findall(r"""url:\s*["']([^"']+)["']""", r.text)
    assert {"/api/docs/assets/swagger-ui-bundle.js", "/api/docs/assets/swagger-ui.css"} <= set(
        refs
    ), refs
    assert "validatorUrl" in r.text  # no badge from validator.swagger.io
    for ref in refs:
        asset = await bare_client.get(ref)
        assert asset.status_code == 200, (ref, asset.text[:200])
        assert "sourceMappingURL" not in asset.text[-300:]  # maps are not shipped
    css = await bare_client.get("/api/docs/assets/swagger-ui.css")
    assert css.headers["content-type"].startswith("text/css")
    missing = await bare_client.get("/api/docs/assets/index.html")
    assert missing.status_code == 404 and missing.json() == {"detail": "No docs asset 'index.html'"}


# ------------------------------------------------------------------------- trailing slashes


async def test_every_path_keeps_the_trailing_slash(
    bare_app: FastAPI, schema: dict[str, Any]
) -> None:
    paths = {ctx.path for ctx in iter_route_contexts(bare_app.routes) if ctx.path}
    paths |= set(schema["paths"])
    for path in sorted(paths - FRAMEWORK_ROUTES - ASSET_ROUTES):
        assert path.startswith("/api/"), f"{path} is outside /api/"
        assert path.endswith("/"), f"{path} lost the guide's trailing slash"
        assert "//" not in path, path


async def test_paths_without_the_slash_redirect_or_404(bare_client: httpx.AsyncClient) -> None:
    """``/api/health`` is not an API path; it may redirect to the real one, never crash."""
    for path in ("/api/health", "/api/ai-characters", "/api/auth/login", "/api/schema"):
        r = await bare_client.get(path)
        assert r.status_code in (307, 308, 404, 405), (path, r.status_code)
        if r.status_code in (307, 308):
            assert httpx.URL(r.headers["location"]).path == path + "/"
        else:
            assert "detail" in r.json()


# ------------------------------------------------------------------------ documented errors

# The error answers of the main endpoints (guide "Common errors", DESIGN §4).
EXPECTED_ERRORS: dict[tuple[str, str], set[int]] = {
    ("post", "/api/auth/login/"): {400, 401},
    ("post", "/api/auth/refresh/"): {400, 401},
    ("post", "/api/auth/register/"): {400, 403, 409},
    ("get", "/api/auth/me/"): {401},
    ("get", "/api/ai-characters/"): {400, 401},
    ("post", "/api/ai-characters/"): {400, 401, 409},
    ("get", "/api/ai-characters/{slug}/"): {401, 404},
    ("put", "/api/ai-characters/{slug}/"): {400, 401, 404},
    ("patch", "/api/ai-characters/{slug}/"): {400, 401, 404},
    ("delete", "/api/ai-characters/{slug}/"): {401, 404},
    ("post", "/api/agents/agent-session/"): {400, 401, 403, 404, 429},
    ("get", "/api/agents/{slug}/appearance/"): {403, 404},
    ("post", "/api/agents/{slug}/form-responses/"): {400, 403, 404},
    ("get", "/api/agents/{slug}/form-responses/"): {400, 401, 404},
    ("get", "/api/sessions/"): {400, 401},
    ("get", "/api/sessions/{session_id}/"): {401, 404},
    ("get", "/api/api-keys/"): {401},
    ("post", "/api/api-keys/"): {400, 401, 403},
    ("delete", "/api/api-keys/{key_id}/"): {400, 401, 403, 404},
    ("get", "/api/ai-characters/{slug}/webhook-secret/"): {401, 404},
    ("post", "/api/ai-characters/{slug}/webhook-secret/"): {400, 401, 404},
    ("delete", "/api/ai-characters/{slug}/webhook-secret/"): {401, 404},
}


def _error_schema(schema: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in response:
        response = resolve(schema, response["$ref"])
    body = response["content"]["application/json"]["schema"]
    if "$ref" in body:
        body = resolve(schema, body["$ref"])
    result: dict[str, Any] = body
    return result


async def test_main_endpoints_document_their_errors(schema: dict[str, Any]) -> None:
    missing: list[str] = []
    for (method, path), codes in EXPECTED_ERRORS.items():
        op = schema["paths"][path][method]
        documented = {int(c) for c in op["responses"] if c.isdigit()}
        if codes - documented:
            missing.append(f"{method.upper()} {path}: {sorted(codes - documented)} undocumented")
        for code in codes & documented:
            body = _error_schema(schema, op["responses"][str(code)])
            if "detail" not in body.get("properties", {}):
                missing.append(f"{method.upper()} {path} {code}: body has no 'detail'")
    assert not missing, "\n".join(missing)


async def test_every_error_the_schema_documents_is_the_json_detail_shape(
    schema: dict[str, Any],
) -> None:
    """The server answers every error as ``{"detail": …}`` with 4xx codes it really uses.

    Validation errors are 400 (``{"detail", "errors"}``), never FastAPI's default 422, so the
    generated client must not be told to expect a 422 ``HTTPValidationError``.
    """
    wrong: list[str] = []
    for method, path, op in operations(schema):
        for code, response in op["responses"].items():
            if not code.startswith(("4", "5")):
                continue
            where = f"{method.upper()} {path} {code}"
            if code == "422":
                wrong.append(f"{where}: documents 422, the server answers validation errors 400")
                continue
            body = _error_schema(schema, response)
            if "detail" not in body.get("properties", {}):
                wrong.append(f"{where}: error body without 'detail'")
    assert not wrong, "\n".join(wrong)


async def test_validation_errors_really_are_400_not_422(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/auth/register/", json={"email": "x"})
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] in {"email", "password"}


async def test_operations_that_read_a_body_document_it(
    bare_app: FastAPI, schema: dict[str, Any]
) -> None:
    missing = [
        f"{m.upper()} {p}"
        for m, p, _ in api_routes(bare_app)
        if m in {"post", "put", "patch"} and "requestBody" not in schema["paths"][p][m]
    ]
    assert not missing, (
        f"operations reading a JSON body without a documented requestBody: {missing}"
    )


async def test_authenticated_operations_declare_bearer_auth(
    bare_app: FastAPI, schema: dict[str, Any]
) -> None:
    """So the interactive docs can send a token and generated clients know which calls need one."""
    schemes = schema.get("components", {}).get("securitySchemes", {})
    bearer = {
        n for n, s in schemes.items() if s.get("type") == "http" and s.get("scheme") == "bearer"
    }
    assert bearer, "no HTTP bearer security scheme in components.securitySchemes"
    undeclared = []
    for method, path, route in api_routes(bare_app):
        if not _authenticated(route):
            continue
        op = schema["paths"][path][method]
        declared = {name for req in op.get("security", schema.get("security", [])) for name in req}
        if not declared & bearer:
            undeclared.append(f"{method.upper()} {path}")
    assert not undeclared, (
        f"authenticated operations without a bearer security requirement: {undeclared}"
    )
