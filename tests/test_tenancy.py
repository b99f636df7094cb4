"""Tenancy: another organization's objects answer exactly like missing ones, on every endpoint.

Two organizations, A and B, each with a character (form, tool with a secret header), a session,
a form response and an API key. For every endpoint that accepts credentials — enumerated from
``app.routes``, so a new one fails :func:`test_every_authenticated_endpoint_has_a_tenancy_case`
until it gets a case here — B tries to read, change or delete A's objects with its JWT and with
its API key. Each attempt must answer like a request for an object that does not exist (same
status, same body with the id swapped), lists must never show A's objects, and afterwards
everything of A is exactly as before.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from oshara.app import create_app
from oshara.config import Settings
from oshara.deps import get_optional_subject, get_subject
from tests.helpers import PASSWORD, character_body, register

A_ORIGIN = "https://a.example"
B_ORIGIN = "https://b.example"
FORM = {
    "id": "contact",
    "title": "Contact",
    "fields": [
        {"name": "full_name", "label": "Name", "type": "text", "required": True},
        {"name": "email", "label": "Email", "type": "email"},
    ],
}


def _tool(secret: str) -> dict[str, Any]:
    return {
        "name": "crm_lookup",
        "kind": "http",
        "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
        "config": {"url": "https://crm.example/api", "headers": {"X-Api-Key": secret}},
    }


@dataclass
class Tenant:
    name: str
    email: str
    org_id: str
    access: str
    refresh: str
    key: str
    key_id: str
    slug: str
    origin: str
    session_id: str
    response_id: str
    document_id: str = ""
    webhook_secret: str = ""
    user_id: str = ""
    invitation_id: str = ""
    invitation_token: str = ""

    @property
    def jwt(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}

    @property
    def api_key(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def creds(self, kind: str) -> dict[str, str]:
        return self.jwt if kind == "jwt" else self.api_key

    def body(self, **overrides: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "name": f"{self.name} bot",
            "allowed_origins": [self.origin],
            "widget_appearance": {"name": self.name, "forms": [FORM]},
            "tools": [_tool(f"secret-of-{self.name}")],
        }
        return character_body(self.slug, **{**fields, **overrides})


async def make_tenant(client: httpx.AsyncClient, name: str, origin: str) -> Tenant:
    email = f"owner@{name.lower()}.example"
    data = await register(client, email, f"Organization {name}")
    jwt = {"Authorization": f"Bearer {data['access']}"}
    r = await client.post("/api/api-keys/", json={"name": f"{name} server"}, headers=jwt)
    assert r.status_code == 201, r.text
    key, key_id = r.json()["key"], r.json()["id"]
    tenant = Tenant(
        name,
        email,
        data["user"]["organization"]["id"],
        data["access"],
        data["refresh"],
        key,
        key_id,
        f"{name.lower()}-bot",
        origin,
        "",
        "",
    )
    r = await client.post("/api/ai-characters/", json=tenant.body(), headers=jwt)
    assert r.status_code == 201, r.text
    r = await client.post(
        "/api/agents/agent-session/",
        json={"agent": tenant.slug, "metadata": {"user_name": f"{name} visitor"}},
        headers={"Origin": origin},
    )
    assert r.status_code == 200, r.text
    tenant.session_id = r.json()["session_id"]
    r = await client.post(
        f"/api/agents/{tenant.slug}/form-responses/",
        json={
            "form_id": "contact",
            "values": {"full_name": f"{name} visitor"},
            "session_id": tenant.session_id,
        },
        headers={"Origin": origin, "Idempotency-Key": "shared-key"},
    )
    assert r.status_code == 201, r.text
    tenant.response_id = r.json()["id"]
    r = await client.post(
        f"/api/ai-characters/{tenant.slug}/knowledge/",
        json={"title": f"{name} notes", "text": f"The vault code of {name} is 4242."},
        headers=jwt,
    )
    assert r.status_code == 201, r.text
    tenant.document_id = r.json()["id"]
    r = await client.post(f"/api/ai-characters/{tenant.slug}/webhook-secret/", headers=jwt)
    assert r.status_code == 201, r.text
    tenant.webhook_secret = r.json()["secret"]
    tenant.user_id = data["user"]["id"]
    r = await client.post(
        "/api/organization/invitations/",
        json={"email": f"invitee@{name.lower()}.example", "role": "admin"},
        headers=jwt,
    )
    assert r.status_code == 201, r.text
    tenant.invitation_id, tenant.invitation_token = r.json()["id"], r.json()["token"]
    return tenant


@dataclass
class Tenants:
    a: Tenant
    b: Tenant


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A crash comes back as a 500 response (as a real client sees it), not as an exception."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def tenants(client: httpx.AsyncClient) -> Tenants:
    return Tenants(
        await make_tenant(client, "A", A_ORIGIN), await make_tenant(client, "B", B_ORIGIN)
    )


# ------------------------------------------------------------------------------ A's state


async def snapshot(client: httpx.AsyncClient, a: Tenant) -> dict[str, Any]:
    """Everything of A that B might touch, as A sees it."""

    async def get(url: str, headers: dict[str, str] | None = None) -> Any:
        r = await client.get(url, headers=a.jwt if headers is None else headers)
        assert r.status_code == 200, (url, r.status_code, r.text)
        return r.json()

    keys = await get("/api/api-keys/")
    for k in keys:
        k.pop("last_used_at", None)
    me_by_key = await get("/api/auth/me/", a.api_key)
    return {
        "character": await get(f"/api/ai-characters/{a.slug}/"),
        "characters": await get("/api/ai-characters/"),
        "session": await get(f"/api/sessions/{a.session_id}/"),
        "sessions": await get("/api/sessions/"),
        "responses": await get(f"/api/agents/{a.slug}/form-responses/"),
        "keys": keys,
        "me": await get("/api/auth/me/"),
        "me_by_key": me_by_key["organization"],
        "appearance": await get(f"/api/agents/{a.slug}/appearance/", {"Origin": a.origin}),
        "knowledge": await get(f"/api/ai-characters/{a.slug}/knowledge/"),
        "knowledge_doc": await get(f"/api/ai-characters/{a.slug}/knowledge/{a.document_id}/"),
        "knowledge_search": await get(f"/api/ai-characters/{a.slug}/knowledge-search/?q=vault"),
        "webhook_secret": await get(f"/api/ai-characters/{a.slug}/webhook-secret/"),
        "members": await get("/api/organization/members/"),
        "invitations": await get("/api/organization/invitations/"),
    }


async def login(client: httpx.AsyncClient, t: Tenant) -> dict[str, str]:
    r = await client.post("/api/auth/login/", json={"email": t.email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    data: dict[str, str] = r.json()
    return data


def like_missing(
    theirs: httpx.Response, missing: httpx.Response, their_id: str, missing_id: str
) -> None:
    """``theirs`` (A's object, asked by B) answers exactly as ``missing`` (no such object)."""
    assert theirs.status_code == missing.status_code, (theirs.text, missing.text)
    assert theirs.headers.get("content-type") == missing.headers.get("content-type")
    body, other = theirs.json(), missing.json()
    assert isinstance(body, dict) and "detail" in body, body
    assert set(body) == set(other)
    normalised = {k: str(v).replace(their_id, "<id>") for k, v in body.items()}
    expected = {k: str(v).replace(missing_id, "<id>") for k, v in other.items()}
    assert normalised == expected


def missing_slug() -> str:
    return f"zz-{uuid.uuid4().hex[:12]}"


def missing_session() -> str:
    return "sess_" + uuid.uuid4().hex[:24]


# ------------------------------------------------------------------------------ the cases

Case = Callable[[httpx.AsyncClient, Tenant, Tenant, str], Awaitable[None]]
CASES: dict[str, Case] = {}


def case(key: str) -> Callable[[Case], Case]:
    def register_case(fn: Case) -> Case:
        CASES[key] = fn
        return fn

    return register_case


@case("GET /api/ai-characters/{slug}/")
async def _get_character(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_slug()
    theirs = await c.get(f"/api/ai-characters/{a.slug}/", headers=b.creds(cred))
    missing = await c.get(f"/api/ai-characters/{ghost}/", headers=b.creds(cred))
    assert missing.status_code == 404
    like_missing(theirs, missing, a.slug, ghost)
    assert "secret-of-A" not in theirs.text and a.name + " bot" not in theirs.text


@case("PUT /api/ai-characters/{slug}/")
async def _put_character(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_slug()
    body = {k: v for k, v in b.body(name="Hijacked").items() if k != "slug"}
    theirs = await c.put(f"/api/ai-characters/{a.slug}/", json=body, headers=b.creds(cred))
    missing = await c.put(f"/api/ai-characters/{ghost}/", json=body, headers=b.creds(cred))
    assert missing.status_code == 404
    like_missing(theirs, missing, a.slug, ghost)
    # An invalid body must not reveal existence either (404 before validation, or alike).
    bad = {"name": ""}
    theirs = await c.put(f"/api/ai-characters/{a.slug}/", json=bad, headers=b.creds(cred))
    missing = await c.put(f"/api/ai-characters/{ghost}/", json=bad, headers=b.creds(cred))
    like_missing(theirs, missing, a.slug, ghost)


@case("PATCH /api/ai-characters/{slug}/")
async def _patch_character(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_slug()
    for body in (
        {"name": "Hijacked", "allowed_origins": [B_ORIGIN, "*"]},
        {"tools": []},
        {"slug": "renamed-by-b"},
        {"name": ""},
    ):
        theirs = await c.patch(f"/api/ai-characters/{a.slug}/", json=body, headers=b.creds(cred))
        missing = await c.patch(f"/api/ai-characters/{ghost}/", json=body, headers=b.creds(cred))
        like_missing(theirs, missing, a.slug, ghost)
    assert missing.status_code in (400, 404)


@case("DELETE /api/ai-characters/{slug}/")
async def _delete_character(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_slug()
    theirs = await c.delete(f"/api/ai-characters/{a.slug}/", headers=b.creds(cred))
    missing = await c.delete(f"/api/ai-characters/{ghost}/", headers=b.creds(cred))
    assert missing.status_code == 404
    like_missing(theirs, missing, a.slug, ghost)


@case("GET /api/ai-characters/")
async def _list_characters(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    for params in ({}, {"limit": 500}, {"offset": 1}):
        r = await c.get("/api/ai-characters/", params=params, headers=b.creds(cred))
        assert r.status_code == 200, r.text
        assert a.slug not in r.text and "secret-of-A" not in r.text
    r = await c.get("/api/ai-characters/", headers=b.creds(cred))
    assert [x["slug"] for x in r.json()] == [b.slug]


@case("POST /api/ai-characters/")
async def _create_character(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    # Slugs are unique across the server (they name the public endpoints), so taking A's slug
    # is a conflict, exactly as for any other taken slug; it changes nothing of A.
    r = await c.post("/api/ai-characters/", json=a.body(), headers=b.creds(cred))
    assert r.status_code == 409, r.text
    assert "secret-of-A" not in r.text
    new = f"b-{cred}-extra"
    r = await c.post("/api/ai-characters/", json=character_body(new), headers=b.creds(cred))
    assert r.status_code == 201, r.text
    mine = await c.get("/api/ai-characters/", headers=b.jwt)
    assert new in {x["slug"] for x in mine.json()}
    theirs = await c.get(f"/api/ai-characters/{new}/", headers=a.jwt)
    assert theirs.status_code == 404


@case("GET /api/agents/{slug}/appearance/")
async def _appearance(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    url = f"/api/agents/{a.slug}/appearance/"
    anonymous = await c.get(url, headers={"Origin": B_ORIGIN})
    assert anonymous.status_code == 403, anonymous.text
    with_b = await c.get(url, headers={**b.creds(cred), "Origin": B_ORIGIN})
    assert with_b.status_code == 403, with_b.text
    assert with_b.json() == anonymous.json()
    # A's own credentials let the owner preview from anywhere.
    with_a = await c.get(url, headers={**a.creds(cred), "Origin": B_ORIGIN})
    assert with_a.status_code == 200, with_a.text


@case("POST /api/agents/agent-session/")
async def _agent_session(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    body = {"agent": a.slug, "metadata": {"user_name": "intruder"}}
    url = "/api/agents/agent-session/"
    anonymous = await c.post(url, json=body, headers={"Origin": B_ORIGIN})
    assert anonymous.status_code == 403
    for extra in ({"Origin": B_ORIGIN}, {"Origin": "null"}, {}):
        r = await c.post(url, json=body, headers={**b.creds(cred), **extra})
        assert r.status_code == 403, (extra, r.text)
        assert B_ORIGIN not in extra.values() or r.json() == anonymous.json()


async def _agent_session_owner_control(c: httpx.AsyncClient, a: Tenant, cred: str) -> None:
    body = {"agent": a.slug, "metadata": {"user_name": "owner test"}}
    r = await c.post(
        "/api/agents/agent-session/", json=body, headers={**a.creds(cred), "Origin": B_ORIGIN}
    )
    assert r.status_code == 200, r.text


@case("GET /api/sessions/")
async def _list_sessions(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    for params in ({}, {"agent": a.slug}, {"status": "created"}, {"limit": 500}):
        r = await c.get("/api/sessions/", params=params, headers=b.creds(cred))
        assert r.status_code == 200, r.text
        assert a.session_id not in r.text and "A visitor" not in r.text
    r = await c.get("/api/sessions/", params={"agent": a.slug}, headers=b.creds(cred))
    assert r.json() == []
    r = await c.get("/api/sessions/", headers=b.creds(cred))
    assert [s["id"] for s in r.json()] == [b.session_id]


@case("GET /api/sessions/{session_id}/")
async def _get_session(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_session()
    theirs = await c.get(f"/api/sessions/{a.session_id}/", headers=b.creds(cred))
    missing = await c.get(f"/api/sessions/{ghost}/", headers=b.creds(cred))
    assert missing.status_code == 404
    like_missing(theirs, missing, a.session_id, ghost)


@case("GET /api/agents/{slug}/form-responses/")
async def _list_responses(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_slug()
    filters = ({}, {"form_id": "contact"}, {"session_id": a.session_id}, {"since": "2000-01-01"})
    for params in filters:
        theirs = await c.get(
            f"/api/agents/{a.slug}/form-responses/", params=params, headers=b.creds(cred)
        )
        missing = await c.get(
            f"/api/agents/{ghost}/form-responses/", params=params, headers=b.creds(cred)
        )
        assert missing.status_code == 404
        like_missing(theirs, missing, a.slug, ghost)
    # B's own export never includes A's response, whatever the filters.
    r = await c.get(
        f"/api/agents/{b.slug}/form-responses/",
        params={"session_id": a.session_id},
        headers=b.creds(cred),
    )
    assert r.status_code == 200 and r.json() == []


@case("POST /api/agents/{slug}/form-responses/")
async def _submit_response(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    body = {"form_id": "contact", "values": {"full_name": "intruder"}}
    url = f"/api/agents/{a.slug}/form-responses/"
    anonymous = await c.post(url, json=body, headers={"Origin": B_ORIGIN})
    assert anonymous.status_code == 403
    r = await c.post(url, json=body, headers={**b.creds(cred), "Origin": B_ORIGIN})
    assert r.status_code == 403, r.text
    assert r.json() == anonymous.json()
    # Without an Origin, B's credentials get exactly what no credentials get (probed with a
    # body that cannot be stored; what a stored one records is checked separately below).
    invalid = {"form_id": "contact", "values": {"full_name": ""}}
    anonymous = await c.post(url, json=invalid)
    r = await c.post(url, json=invalid, headers=b.creds(cred))
    assert (r.status_code, r.json()) == (anonymous.status_code, anonymous.json())
    # B's form, but A's session id: answered like an unknown session id, nothing stored.
    ghost = missing_session()
    url = f"/api/agents/{b.slug}/form-responses/"
    theirs = await c.post(url, json={**body, "session_id": a.session_id}, headers=b.creds(cred))
    missing = await c.post(url, json={**body, "session_id": ghost}, headers=b.creds(cred))
    assert missing.status_code == 400, missing.text
    like_missing(theirs, missing, a.session_id, ghost)
    # Both tenants submitted with the same Idempotency-Key: a retry replays B's own record.
    r = await c.post(
        url,
        json={
            "form_id": "contact",
            "values": {"full_name": "B visitor"},
            "session_id": b.session_id,
        },
        headers={**b.creds(cred), "Idempotency-Key": "shared-key"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["id"] == b.response_id != a.response_id


@case("GET /api/api-keys/")
async def _list_keys(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    r = await c.get("/api/api-keys/", headers=b.creds(cred))
    assert r.status_code == 200, r.text
    assert a.key_id not in r.text and a.key[:12] not in r.text
    assert [k["id"] for k in r.json()] == [b.key_id]


@case("POST /api/api-keys/")
async def _create_key(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    r = await c.post("/api/api-keys/", json={"name": "b-second"}, headers=b.creds(cred))
    if cred == "key":
        assert r.status_code == 403, r.text  # keys are managed by signed-in users only
        return
    assert r.status_code == 201, r.text
    me = await c.get("/api/auth/me/", headers={"Authorization": f"Bearer {r.json()['key']}"})
    assert me.json()["organization"]["id"] == b.org_id


@case("DELETE /api/api-keys/{key_id}/")
async def _delete_key(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = str(uuid.uuid4())
    theirs = await c.delete(f"/api/api-keys/{a.key_id}/", headers=b.creds(cred))
    missing = await c.delete(f"/api/api-keys/{ghost}/", headers=b.creds(cred))
    # JWT: 404. An API key may not manage keys at all: 403 for every id alike.
    assert missing.status_code == (404 if cred == "jwt" else 403), missing.text
    like_missing(theirs, missing, a.key_id, ghost)
    r = await c.get("/api/auth/me/", headers=a.api_key)
    assert r.status_code == 200


@case("GET /api/auth/me/")
async def _me(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    r = await c.get("/api/auth/me/", headers=b.creds(cred))
    assert r.status_code == 200
    assert r.json()["organization"]["id"] == b.org_id
    assert a.org_id not in r.text and a.email not in r.text


@case("POST /api/auth/logout/")
async def _logout(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    # B sends one of A's refresh tokens: only B's own login may end, never A's.
    pair = await login(c, a)
    r = await c.post("/api/auth/logout/", json={"refresh": pair["refresh"]}, headers=b.creds(cred))
    assert r.status_code in (204, 400), r.text
    me = await c.get("/api/auth/me/", headers={"Authorization": f"Bearer {pair['access']}"})
    assert me.status_code == 200, "B's logout revoked A's login"
    r = await c.post("/api/auth/refresh/", json={"refresh": pair["refresh"]})
    assert r.status_code == 200, r.text


@case("POST /api/auth/password/")
async def _password(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    body = {"current_password": PASSWORD, "new_password": PASSWORD + " changed"}
    r = await c.post("/api/auth/password/", json=body, headers=b.creds(cred))
    assert r.status_code == (200 if cred == "jwt" else 400), r.text
    await login(c, a)  # A's password is untouched


# ------------------------------------------------------------------------------ knowledge


def _kb(slug: str) -> str:
    return f"/api/ai-characters/{slug}/knowledge/"


def _kb_search(slug: str, q: str) -> str:
    return f"/api/ai-characters/{slug}/knowledge-search/?q={q}"


@case("GET /api/ai-characters/{slug}/knowledge/")
async def _list_knowledge(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_slug()
    theirs = await c.get(_kb(a.slug), headers=b.creds(cred))
    missing = await c.get(_kb(ghost), headers=b.creds(cred))
    assert missing.status_code == 404
    like_missing(theirs, missing, a.slug, ghost)
    mine = await c.get(_kb(b.slug), headers=b.creds(cred))
    assert [d["id"] for d in mine.json()] == [b.document_id]


@case("POST /api/ai-characters/{slug}/knowledge/")
async def _upload_knowledge(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_slug()
    bodies: list[dict[str, Any]] = [
        {"files": {"file": ("planted.txt", b"Planted by B.")}},
        {"json": {"title": "Planted", "text": "Planted by B."}},
        {"json": {"title": ""}},
    ]
    for body in bodies:
        theirs = await c.post(_kb(a.slug), headers=b.creds(cred), **body)
        missing = await c.post(_kb(ghost), headers=b.creds(cred), **body)
        assert missing.status_code == 404
        like_missing(theirs, missing, a.slug, ghost)


@case("GET /api/ai-characters/{slug}/knowledge-search/")
async def _search_knowledge(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_slug()
    theirs = await c.get(_kb_search(a.slug, "vault"), headers=b.creds(cred))
    missing = await c.get(_kb_search(ghost, "vault"), headers=b.creds(cred))
    assert missing.status_code == 404
    like_missing(theirs, missing, a.slug, ghost)
    mine = await c.get(_kb_search(b.slug, "vault code"), headers=b.creds(cred))
    assert mine.status_code == 200 and [h["title"] for h in mine.json()] == ["B notes"]


@case("GET /api/ai-characters/{slug}/knowledge/{document_id}/")
async def _get_knowledge(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost, ghost_doc = missing_slug(), str(uuid.uuid4())
    for theirs_url, missing_url, their_id, missing_id in (
        (f"{_kb(a.slug)}{a.document_id}/", f"{_kb(ghost)}{ghost_doc}/", a.slug, ghost),
        (f"{_kb(b.slug)}{a.document_id}/", f"{_kb(b.slug)}{ghost_doc}/", a.document_id, ghost_doc),
    ):
        theirs = await c.get(theirs_url, headers=b.creds(cred))
        missing = await c.get(missing_url, headers=b.creds(cred))
        assert missing.status_code == 404
        like_missing(theirs, missing, their_id, missing_id)


@case("DELETE /api/ai-characters/{slug}/knowledge/{document_id}/")
async def _delete_knowledge(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost, ghost_doc = missing_slug(), str(uuid.uuid4())
    for theirs_url, missing_url, their_id, missing_id in (
        (f"{_kb(a.slug)}{a.document_id}/", f"{_kb(ghost)}{ghost_doc}/", a.slug, ghost),
        (f"{_kb(b.slug)}{a.document_id}/", f"{_kb(b.slug)}{ghost_doc}/", a.document_id, ghost_doc),
    ):
        theirs = await c.delete(theirs_url, headers=b.creds(cred))
        missing = await c.delete(missing_url, headers=b.creds(cred))
        assert missing.status_code == 404
        like_missing(theirs, missing, their_id, missing_id)


# ------------------------------------------------------------------------------ webhook secret


def _hook(slug: str) -> str:
    return f"/api/ai-characters/{slug}/webhook-secret/"


@case("GET /api/ai-characters/{slug}/webhook-secret/")
async def _get_webhook_secret(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_slug()
    theirs = await c.get(_hook(a.slug), headers=b.creds(cred))
    missing = await c.get(_hook(ghost), headers=b.creds(cred))
    assert missing.status_code == 404
    like_missing(theirs, missing, a.slug, ghost)
    mine = await c.get(_hook(b.slug), headers=b.creds(cred))
    assert mine.status_code == 200 and mine.json()["enabled"] is True
    assert b.webhook_secret not in mine.text and a.webhook_secret not in mine.text


@case("POST /api/ai-characters/{slug}/webhook-secret/")
async def _rotate_webhook_secret(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_slug()
    bodies: list[dict[str, Any]] = [{}, {"json": {}}, {"json": {"secret": "whsec_planted"}}]
    for body in bodies:
        theirs = await c.post(_hook(a.slug), headers=b.creds(cred), **body)
        missing = await c.post(_hook(ghost), headers=b.creds(cred), **body)
        assert missing.status_code in (400, 404)
        like_missing(theirs, missing, a.slug, ghost)
        assert a.webhook_secret not in theirs.text


@case("DELETE /api/ai-characters/{slug}/webhook-secret/")
async def _delete_webhook_secret(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_slug()
    theirs = await c.delete(_hook(a.slug), headers=b.creds(cred))
    missing = await c.delete(_hook(ghost), headers=b.creds(cred))
    assert missing.status_code == 404
    like_missing(theirs, missing, a.slug, ghost)


# ------------------------------------------------------------------------------ organization


def _member(user_id: str) -> str:
    return f"/api/organization/members/{user_id}/"


@case("GET /api/organization/members/")
async def _list_members(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    r = await c.get("/api/organization/members/", headers=b.creds(cred))
    assert r.status_code == 200, r.text
    assert [m["email"] for m in r.json()] == [b.email]
    assert a.email not in r.text and a.user_id not in r.text


@case("PATCH /api/organization/members/{user_id}/")
async def _change_role(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = str(uuid.uuid4())
    for body in ({"role": "member"}, {"role": "owner"}, {"role": "nonsense"}):
        theirs = await c.patch(_member(a.user_id), json=body, headers=b.creds(cred))
        missing = await c.patch(_member(ghost), json=body, headers=b.creds(cred))
        like_missing(theirs, missing, a.user_id, ghost)
    # JWT: 404 (or 400 for the invalid role); an API key may not manage people: 403 alike.
    r = await c.patch(_member(ghost), json={"role": "member"}, headers=b.creds(cred))
    assert r.status_code == (404 if cred == "jwt" else 403), r.text


@case("DELETE /api/organization/members/{user_id}/")
async def _remove_member(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = str(uuid.uuid4())
    theirs = await c.delete(_member(a.user_id), headers=b.creds(cred))
    missing = await c.delete(_member(ghost), headers=b.creds(cred))
    assert missing.status_code == (404 if cred == "jwt" else 403), missing.text
    like_missing(theirs, missing, a.user_id, ghost)


@case("GET /api/organization/invitations/")
async def _list_invitations(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    r = await c.get("/api/organization/invitations/", headers=b.creds(cred))
    if cred == "key":
        assert r.status_code == 403, r.text
        return
    assert r.status_code == 200, r.text
    assert [i["id"] for i in r.json()] == [b.invitation_id]
    assert a.invitation_id not in r.text and "invitee@a.example" not in r.text


@case("POST /api/organization/invitations/")
async def _create_invitation(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    # Inviting A's own owner from B: an invitation of B's (A's members are untouched).
    body = {"email": a.email, "role": "owner"}
    r = await c.post("/api/organization/invitations/", json=body, headers=b.creds(cred))
    if cred == "key":
        assert r.status_code == 403, r.text
        return
    assert r.status_code == 201, r.text
    mine = await c.get("/api/organization/invitations/", headers=b.jwt)
    assert r.json()["id"] in {i["id"] for i in mine.json()}


@case("DELETE /api/organization/invitations/{invitation_id}/")
async def _revoke_invitation(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = str(uuid.uuid4())
    url = "/api/organization/invitations/{}/"
    theirs = await c.delete(url.format(a.invitation_id), headers=b.creds(cred))
    missing = await c.delete(url.format(ghost), headers=b.creds(cred))
    assert missing.status_code == (404 if cred == "jwt" else 403), missing.text
    like_missing(theirs, missing, a.invitation_id, ghost)


@case("POST /api/organization/join/")
async def _accept_invitation(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    # B holds A's token (leaked): it is bound to the invited email, so B cannot join A.
    url = "/api/organization/join/"
    r = await c.post(url, json={"token": a.invitation_token}, headers=b.creds(cred))
    assert r.status_code == 403, r.text
    assert a.org_id not in r.text
    r = await c.post(url, json={"token": "osi_" + "x" * 43}, headers=b.creds(cred))
    assert r.status_code == (404 if cred == "jwt" else 403), r.text


@case("POST /api/ai-characters/{slug}/tools/{name}/test/")
async def _test_tool(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    def url(slug: str) -> str:
        return f"/api/ai-characters/{slug}/tools/crm_lookup/test/"

    body = {"arguments": {"q": "x"}}
    ghost = missing_slug()
    theirs = await c.post(url(a.slug), json=body, headers=b.creds(cred))
    missing = await c.post(url(ghost), json=body, headers=b.creds(cred))
    assert missing.status_code == 404
    like_missing(theirs, missing, a.slug, ghost)
    # B's own tool runs (its host does not resolve here): neither tenant's secret is shown.
    mine = await c.post(url(b.slug), json=body, headers=b.creds(cred))
    assert mine.status_code == 200, mine.text
    assert "secret-of-" not in mine.text


@case("GET /api/ai-characters/{slug}/tools/{name}/mcp-tools/")
async def _list_mcp_tools(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    def url(slug: str) -> str:
        return f"/api/ai-characters/{slug}/tools/crm_lookup/mcp-tools/"

    ghost = missing_slug()
    theirs = await c.get(url(a.slug), headers=b.creds(cred))
    missing = await c.get(url(ghost), headers=b.creds(cred))
    assert missing.status_code == 404
    like_missing(theirs, missing, a.slug, ghost)
    mine = await c.get(url(b.slug), headers=b.creds(cred))
    assert mine.status_code == 400 and "secret-of-" not in mine.text  # an http tool


@case("POST /api/sessions/{session_id}/events/ticket/")
async def _events_ticket(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_session()
    theirs = await c.post(f"/api/sessions/{a.session_id}/events/ticket/", headers=b.creds(cred))
    missing = await c.post(f"/api/sessions/{ghost}/events/ticket/", headers=b.creds(cred))
    assert missing.status_code == 404
    like_missing(theirs, missing, a.session_id, ghost)
    mine = await c.post(f"/api/sessions/{b.session_id}/events/ticket/", headers=b.creds(cred))
    assert mine.status_code in (200, 201), mine.text
    # B's ticket opens B's stream only.
    r = await c.get(
        f"/api/sessions/{a.session_id}/events/",
        params={"ticket": mine.json()["ticket"], "max_seconds": 1},
    )
    assert r.status_code in (401, 403, 404), r.text


@case("GET /api/sessions/{session_id}/events/")
async def _events(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_session()
    params = {"max_seconds": 1}
    theirs = await c.get(
        f"/api/sessions/{a.session_id}/events/", params=params, headers=b.creds(cred)
    )
    missing = await c.get(f"/api/sessions/{ghost}/events/", params=params, headers=b.creds(cred))
    assert missing.status_code == 404
    like_missing(theirs, missing, a.session_id, ghost)


@case("GET /api/stats/overview/")
async def _stats(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    ghost = missing_slug()
    theirs = await c.get("/api/stats/overview/", params={"agent": a.slug}, headers=b.creds(cred))
    missing = await c.get("/api/stats/overview/", params={"agent": ghost}, headers=b.creds(cred))
    assert missing.status_code == 404
    like_missing(theirs, missing, a.slug, ghost)
    mine = await c.get("/api/stats/overview/", headers=b.creds(cred))
    assert mine.status_code == 200, mine.text
    totals = mine.json()["totals"]
    assert totals["sessions"] == 1 and totals["form_submissions"] == 1, totals  # B's own only


@case("GET /api/models/")
async def _models(c: httpx.AsyncClient, a: Tenant, b: Tenant, cred: str) -> None:
    # Not tenant data: the same for everyone, and no secret in it.
    r = await c.get("/api/models/", headers=b.creds(cred))
    assert r.status_code == 200, r.text
    assert "secret-of-" not in r.text and a.slug not in r.text


# Run order per case: the API key first, then the JWT (logout and password change end B's
# JWT login, so it goes last).
CREDS = ("key", "jwt")


def _authenticated(dependant: Dependant) -> bool:
    if dependant.call in (get_subject, get_optional_subject):
        return True
    return any(_authenticated(d) for d in dependant.dependencies)


def authenticated_routes(app: FastAPI) -> set[str]:
    out: set[str] = set()
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and _authenticated(route.dependant):
            out |= {f"{m} {ctx.path}" for m in ctx.methods or ()}
    return out


def test_every_authenticated_endpoint_has_a_tenancy_case() -> None:
    app = create_app(
        Settings(env="test", secret_key="t" * 48, database_url="sqlite+aiosqlite:///:memory:")
    )
    routes = authenticated_routes(app)
    assert routes - set(CASES) == set(), "endpoints taking credentials without a tenancy case"
    assert set(CASES) - routes == set(), "tenancy cases for endpoints that no longer exist"


@pytest.mark.parametrize("key", sorted(CASES))
async def test_other_organization_is_invisible(
    client: httpx.AsyncClient, tenants: Tenants, key: str
) -> None:
    a, b = tenants.a, tenants.b
    before = await snapshot(client, a)
    for cred in CREDS:
        await CASES[key](client, a, b, cred)
    after = await snapshot(client, a)
    assert after == before, f"{key}: B changed A's state"
    # B's own objects are still B's (the case did not corrupt the fixture for B either).
    r = await client.get(f"/api/ai-characters/{b.slug}/", headers=b.api_key)
    assert r.status_code == 200
    if key == "POST /api/agents/agent-session/":
        for cred in CREDS:
            await _agent_session_owner_control(client, a, cred)


async def test_other_credentials_are_anonymous_on_public_endpoints(
    client: httpx.AsyncClient, tenants: Tenants
) -> None:
    """On A's public endpoints, B's JWT or API key counts for nothing: B is a visitor.

    Whatever a visitor without ``Origin`` may do (submit a form from a native app), B may do
    too, but the record must not claim to come from the owner's API (``source: "api"``).
    """
    a, b = tenants.a, tenants.b
    url = f"/api/agents/{a.slug}/form-responses/"
    anonymous = await client.post(url, json={"form_id": "contact", "values": {"full_name": "v"}})
    for cred in CREDS:
        r = await client.post(
            url, json={"form_id": "contact", "values": {"full_name": cred}}, headers=b.creds(cred)
        )
        assert r.status_code == anonymous.status_code, r.text
        if r.status_code == 201:
            assert r.json()["source"] == anonymous.json()["source"], (
                f"B's {cred} made a submission to A's agent look like A's own API call"
            )
    owner = await client.post(
        url, json={"form_id": "contact", "values": {"full_name": "o"}}, headers=a.api_key
    )
    assert owner.status_code == 201 and owner.json()["source"] == "api"
    for cred in CREDS:
        r = await client.get(
            f"/api/agents/{a.slug}/appearance/", headers={**b.creds(cred), "Origin": B_ORIGIN}
        )
        assert r.status_code == 403, r.text
        r = await client.post(
            "/api/agents/agent-session/", json={"agent": a.slug}, headers=b.creds(cred)
        )
        assert r.status_code == 403, r.text


async def test_a_stays_intact_after_every_attempt_at_once(
    client: httpx.AsyncClient, tenants: Tenants
) -> None:
    """All cases in a row against one database (secrets included) leave A unchanged."""
    a, b = tenants.a, tenants.b
    before = await snapshot(client, a)
    for key in sorted(CASES):
        if key in ("POST /api/auth/logout/", "POST /api/auth/password/"):
            continue  # they end B's JWT login; covered on their own above
        for cred in CREDS:
            await CASES[key](client, a, b, cred)
    assert await snapshot(client, a) == before
    r = await client.get(f"/api/ai-characters/{a.slug}/", headers=a.jwt)
    assert r.json()["name"] == "A bot"
    assert r.json()["tools"][0]["config"]["headers"] == {"X-Api-Key": "********"}
