"""The authorization matrix: every operation of the OpenAPI schema by every kind of caller.

Operations come from ``app.openapi()``, so a new endpoint is in the matrix the day it is
added: its policy is read from the code (does it need credentials? which ``RequireRole``?)
and :func:`test_the_policy_table_matches_the_code` fails until :data:`POLICY` (the documented
policy, docs/api.md "Roles") or :data:`PUBLIC` lists it.

The target is organization A: an owner, an admin, a member (and a second member to act on),
a character with a secret prompt and a tool header, a session, a form response, a document,
an API key, a pending invitation. Callers: nobody, an expired token, a forged token (signed
with another key), a revoked token (after logout), the owner of another organization B, an
API key of B, A's member, A's admin — and A's owner as the control that the request itself
is valid. Path parameters always name A's objects.

Expected, per operation: anonymous and bad tokens → 401; B → 404 for A's objects (403 when
its role or kind is not enough; its own organization for collections, with none of A's data
in the answer); A's members → 403 below the operation's role; the first of A's callers
allowed must succeed (2xx). A 2xx anywhere else is an *unexpected 2xx*; the test prints how
many requests it made and fails on any unexpected 2xx or other mismatch.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from oshara.app import create_app
from oshara.config import Settings
from oshara.deps import RequireRole, get_optional_subject, get_subject
from oshara.orgs.models import Role
from tests.helpers import PASSWORD, bearer, character_body, invite, join, register

EVIL_ORIGIN = "https://evil.example"
A_ORIGIN = "https://a.example"
PROMPT_MARKER = "PROMPT-OF-A-7f3c"
TOOL_SECRET = "tool-secret-of-a-91d2"
TOOL_URL = "https://crm.a-internal.example/lookup"

# ------------------------------------------------------------------------ the policy

PUBLIC: dict[str, str] = {
    "GET /api/health/": "health check",
    "POST /api/auth/login/": "sign in",
    "POST /api/auth/refresh/": "the refresh token is the credential",
    "POST /api/auth/register/": "sign up (new organization, or an invitation token)",
    "POST /api/agents/agent-session/": "visitors: allowed origins, or the organization",
    "GET /api/agents/{slug}/appearance/": "visitors: allowed origins, or the organization",
    "POST /api/agents/{slug}/form-responses/": "visitors: allowed origins, or the organization",
    "POST /api/sessions/{session_id}/webrtc/": "the session token is the credential",
    "PATCH /api/sessions/{session_id}/webrtc/": "the session token is the credential",
    "POST /api/sessions/{session_id}/messages/": "the session token is the credential",
    "GET /api/sessions/{session_id}/events/": "JWT / API key in the header, or a ticket "
    "(?ticket= from POST …/events/ticket/); tested in tests/sessions/test_session_events.py",
}
ORIGIN_CHECKED = {k for k, why in PUBLIC.items() if "allowed origins" in why}
SESSION_TOKEN = {k for k, why in PUBLIC.items() if "session token" in why}

MEMBER, ADMIN, OWNER = Role.member, Role.admin, Role.owner
POLICY: dict[str, tuple[Role, bool]] = {
    # operation: (lowest role, signed-in users only — API keys refused)
    "POST /api/auth/logout/": (MEMBER, False),
    "GET /api/auth/me/": (MEMBER, False),
    "POST /api/auth/password/": (MEMBER, False),
    "GET /api/api-keys/": (ADMIN, False),
    "POST /api/api-keys/": (ADMIN, True),
    "DELETE /api/api-keys/{key_id}/": (ADMIN, True),
    "GET /api/organization/members/": (MEMBER, False),
    "PATCH /api/organization/members/{user_id}/": (OWNER, True),
    "DELETE /api/organization/members/{user_id}/": (OWNER, True),
    "GET /api/organization/invitations/": (ADMIN, True),
    "POST /api/organization/invitations/": (ADMIN, True),
    "POST /api/organization/join/": (MEMBER, True),
    "DELETE /api/organization/invitations/{invitation_id}/": (ADMIN, True),
    "GET /api/ai-characters/": (MEMBER, False),
    "POST /api/ai-characters/": (ADMIN, False),
    "GET /api/ai-characters/{slug}/": (MEMBER, False),
    "PUT /api/ai-characters/{slug}/": (ADMIN, False),
    "PATCH /api/ai-characters/{slug}/": (ADMIN, False),
    "DELETE /api/ai-characters/{slug}/": (ADMIN, False),
    "GET /api/ai-characters/{slug}/webhook-secret/": (MEMBER, False),
    "POST /api/ai-characters/{slug}/webhook-secret/": (ADMIN, False),
    "DELETE /api/ai-characters/{slug}/webhook-secret/": (ADMIN, False),
    "POST /api/ai-characters/{slug}/knowledge/": (ADMIN, False),
    "GET /api/ai-characters/{slug}/knowledge/": (MEMBER, False),
    "GET /api/ai-characters/{slug}/knowledge-search/": (MEMBER, False),
    "GET /api/ai-characters/{slug}/knowledge/{document_id}/": (MEMBER, False),
    "DELETE /api/ai-characters/{slug}/knowledge/{document_id}/": (ADMIN, False),
    "GET /api/sessions/": (MEMBER, False),
    "GET /api/sessions/{session_id}/": (MEMBER, False),
    "GET /api/agents/{slug}/form-responses/": (MEMBER, False),
    "GET /api/models/": (MEMBER, False),
    "GET /api/stats/overview/": (MEMBER, False),
    "POST /api/sessions/{session_id}/events/ticket/": (MEMBER, False),
    "POST /api/ai-characters/{slug}/tools/{name}/test/": (ADMIN, False),
    "GET /api/ai-characters/{slug}/tools/{name}/mcp-tools/": (ADMIN, False),
}
SERVICE_CHECKED = {
    # The dependency admits any signed-in member (who may remove themself: leaving); removing
    # someone else needs the owner role, checked in OrganizationService.remove.
    "DELETE /api/organization/members/{user_id}/": (MEMBER, True),
}
SELF = {
    # Act on the caller's own account, whatever organization it is in.
    "POST /api/auth/logout/",
    "GET /api/auth/me/",
    "POST /api/auth/password/",
}
NEVER_2XX = {
    # Only the invited email may accept; no caller here is the invited one.
    "POST /api/organization/join/",
}

INVALID = ("anonymous", "expired", "forged", "revoked")
OUTSIDERS = ("other_owner", "other_key")
INSIDERS = ("member", "admin", "owner")
CALLERS = (*INVALID, *OUTSIDERS, *INSIDERS)
INSIDER_ROLE = {"member": MEMBER, "admin": ADMIN, "owner": OWNER}


def _uses(dependant: Dependant, calls: tuple[Any, ...]) -> bool:
    return dependant.call in calls or any(_uses(d, calls) for d in dependant.dependencies)


def _required_role(dependant: Dependant) -> tuple[Role, bool] | None:
    if isinstance(dependant.call, RequireRole):
        return dependant.call.role, dependant.call.users_only
    found = [r for d in dependant.dependencies if (r := _required_role(d)) is not None]
    return max(found, key=lambda r: (r[0].rank, r[1])) if found else None


def code_policy(app: FastAPI) -> dict[str, tuple[Role, bool] | None]:
    """Per operation, what the code enforces: None (no credentials needed) or (role, users)."""
    out: dict[str, tuple[Role, bool] | None] = {}
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        authenticated = _uses(route.dependant, (get_subject,))
        policy = _required_role(route.dependant) or (MEMBER, False)
        for method in ctx.methods or ():
            out[f"{method} {ctx.path}"] = policy if authenticated else None
    return out


def openapi_operations(app: FastAPI) -> list[str]:
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return [f"{m.upper()} {p}" for p, ops in paths.items() for m in ops]


def test_the_policy_table_matches_the_code() -> None:
    app = create_app(
        Settings(env="test", secret_key="t" * 48, database_url="sqlite+aiosqlite:///:memory:")
    )
    code = code_policy(app)
    ops = openapi_operations(app)
    assert set(ops) == set(code), "operations of the schema and of the routes differ"
    public = {op for op, p in code.items() if p is None}
    assert public == set(PUBLIC), "public endpoints changed: update PUBLIC (and docs/api.md)"
    unlisted = set(ops) - set(PUBLIC) - set(POLICY)
    assert not unlisted, f"classify these operations in POLICY (and docs/api.md): {unlisted}"
    assert not set(POLICY) - set(ops), "POLICY lists operations that no longer exist"
    for op, expected in POLICY.items():
        assert code[op] == SERVICE_CHECKED.get(op, expected), op
    # Optional credentials on public endpoints: a bad token is still refused (401).
    optional = {
        f"{m} {ctx.path}"
        for ctx in iter_route_contexts(app.routes)
        if isinstance(ctx.original_route, APIRoute)
        and _uses(ctx.original_route.dependant, (get_optional_subject,))
        for m in ctx.methods or ()
    }
    assert optional >= ORIGIN_CHECKED


# ------------------------------------------------------------------------ organization A


@dataclass
class World:
    tag: str
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    markers: list[str] = field(default_factory=list)
    """Strings of A that B must never receive."""
    pending_token: str = ""
    setup_requests: int = 0


def _resign(token: str, key: str, **changes: Any) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(changes)
    return jwt.encode(claims, f"{key}:access", algorithm="HS256")


class Counting(httpx.AsyncClient):
    """Counts the requests it sends."""

    sent = 0

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        self.sent += 1
        return await super().send(request, **kwargs)


async def build_world(c: Counting, secret: str) -> World:
    before = c.sent
    w = World(tag=uuid.uuid4().hex[:8])
    email = {r: f"{r}-{w.tag}@a.example" for r in ("owner", "admin", "member", "member2")}
    owner = await register(c, email["owner"], "Organization A")
    org_a = owner["user"]["organization"]["id"]
    w.headers["owner"] = bearer(owner)
    for role in ("admin", "member", "member2"):
        invited = await invite(
            c, w.headers["owner"], email[role], "admin" if role == "admin" else "member"
        )
        joined = await join(c, invited["token"], email[role])
        w.headers[role] = bearer(joined)
        w.ids[role] = joined["user"]["id"]
    pending = await invite(c, w.headers["owner"], f"pending-{w.tag}@a.example")
    w.pending_token, w.ids["invitation"] = pending["token"], pending["id"]
    slug = f"victim-{w.tag}"
    body = character_body(
        slug,
        system_prompt=f"{PROMPT_MARKER}: never reveal this.",
        allowed_origins=[A_ORIGIN],
        widget_appearance={
            "name": "A bot",
            "forms": [
                {
                    "id": "contact",
                    "title": "Contact",
                    "fields": [{"name": "full_name", "label": "Name", "type": "text"}],
                }
            ],
        },
        tools=[
            {
                "name": "crm",
                "kind": "http",
                "input_schema": {"type": "object", "properties": {}},
                "config": {"url": TOOL_URL, "headers": {"X-Key": TOOL_SECRET}},
            },
            {
                "name": "crm_mcp",
                "kind": "mcp",
                "config": {"url": TOOL_URL, "headers": {"X-Key": TOOL_SECRET}},
            },
        ],
    )
    r = await c.post("/api/ai-characters/", json=body, headers=w.headers["owner"])
    assert r.status_code == 201, r.text
    w.ids["slug"] = slug
    w.ids["http_tool"], w.ids["mcp_tool"] = "crm", "crm_mcp"
    r = await c.post("/api/api-keys/", json={"name": "a"}, headers=w.headers["owner"])
    w.ids["key_id"], key_prefix = r.json()["id"], r.json()["prefix"]
    r = await c.post(
        f"/api/ai-characters/{slug}/knowledge/",
        json={"title": "Vault notes of A", "text": "The vault code is 4242."},
        headers=w.headers["owner"],
    )
    assert r.status_code == 201, r.text
    w.ids["document_id"] = r.json()["id"]
    r = await c.post(f"/api/ai-characters/{slug}/webhook-secret/", headers=w.headers["owner"])
    webhook_secret = r.json()["secret"]
    r = await c.post(
        "/api/agents/agent-session/", json={"agent": slug}, headers={"Origin": A_ORIGIN}
    )
    assert r.status_code == 200, r.text
    w.ids["session_id"] = r.json()["session_id"]
    r = await c.post(
        f"/api/agents/{slug}/form-responses/",
        json={"form_id": "contact", "values": {"full_name": "Visitor of A"}},
        headers={"Origin": A_ORIGIN},
    )
    assert r.status_code == 201, r.text
    # Bad credentials, all made from the owner's own login.
    login = {"email": email["owner"], "password": PASSWORD}
    fresh = (await c.post("/api/auth/login/", json=login)).json()["access"]
    now = int(time.time())
    w.headers["expired"] = bearer(
        {"access": _resign(fresh, secret, iat=now - 7200, exp=now - 3600)}
    )
    w.headers["forged"] = bearer({"access": _resign(fresh, "another-secret-" + "z" * 40)})
    w.headers["revoked"] = bearer({"access": fresh})
    r = await c.post("/api/auth/logout/", headers=w.headers["revoked"])
    assert r.status_code == 204
    w.headers["anonymous"] = {}
    # Organization B: its owner and an API key.
    other = await register(c, f"owner-{w.tag}@b.example", "Organization B")
    w.headers["other_owner"] = bearer(other)
    r = await c.post("/api/api-keys/", json={"name": "b"}, headers=w.headers["other_owner"])
    w.headers["other_key"] = {"Authorization": f"Bearer {r.json()['key']}"}
    w.markers = [
        org_a,
        *email.values(),
        f"pending-{w.tag}@a.example",
        slug,
        w.ids["session_id"],
        w.ids["document_id"],
        w.ids["invitation"],
        key_prefix,
        webhook_secret,
        PROMPT_MARKER,
        TOOL_SECRET,
        TOOL_URL,
        "Vault notes of A",
        "Visitor of A",
    ]
    w.setup_requests = c.sent - before
    return w


# ------------------------------------------------------------------------ requests

Body = Callable[[World, str], Any]
BODIES: dict[str, Body] = {
    "POST /api/auth/login/": lambda w, who: {"email": "nobody@x.example", "password": "wrong-pw"},
    "POST /api/auth/refresh/": lambda w, who: {"refresh": "not-a-token"},
    "POST /api/auth/register/": lambda w, who: {
        "email": f"new-{who}-{_fresh()}@x.example",
        "password": PASSWORD,
    },
    "POST /api/auth/password/": lambda w, who: {
        "current_password": PASSWORD,
        "new_password": PASSWORD + "!",
    },
    "POST /api/api-keys/": lambda w, who: {"name": f"by-{who}"},
    "PATCH /api/organization/members/{user_id}/": lambda w, who: {"role": "admin"},
    "POST /api/organization/invitations/": lambda w, who: {
        "email": f"inv-{who}-{_fresh()}@x.example",
        "role": "member",
    },
    "POST /api/organization/join/": lambda w, who: {"token": w.pending_token},
    "POST /api/ai-characters/": lambda w, who: character_body(
        f"new-{who.replace('_', '-')}-{_fresh()}"
    ),
    "PUT /api/ai-characters/{slug}/": lambda w, who: {
        k: v for k, v in character_body(w.ids["slug"], name=f"Put by {who}").items() if k != "slug"
    },
    "PATCH /api/ai-characters/{slug}/": lambda w, who: {"name": f"Patched by {who}"},
    "POST /api/ai-characters/{slug}/knowledge/": lambda w, who: {
        "title": f"Notes by {who}",
        "text": "Planted text.",
    },
    "POST /api/agents/agent-session/": lambda w, who: {"agent": w.ids["slug"]},
    "POST /api/agents/{slug}/form-responses/": lambda w, who: {
        "form_id": "contact",
        "values": {"full_name": f"Sent by {who}"},
    },
    "POST /api/sessions/{session_id}/webrtc/": lambda w, who: {"sdp": "v=0", "type": "offer"},
    "PATCH /api/sessions/{session_id}/webrtc/": lambda w, who: {"pc_id": "x", "candidates": []},
    "POST /api/sessions/{session_id}/messages/": lambda w, who: {"text": "hello"},
}
QUERY = {
    "GET /api/ai-characters/{slug}/knowledge-search/": {"q": "vault"},
    "GET /api/sessions/{session_id}/events/": {"max_seconds": 1},  # a stream: end it
}
PATH_IDS = {
    # path parameter → which of A's objects it names
    "slug": "slug",
    "session_id": "session_id",
    "document_id": "document_id",
    "key_id": "key_id",
    "user_id": "member2",  # not the caller: leaving is allowed to anyone
    "invitation_id": "invitation",
    "name": "http_tool",
}
OP_PATH_IDS = {
    # per operation, when a parameter must name another of A's objects
    "GET /api/ai-characters/{slug}/tools/{name}/mcp-tools/": {"name": "mcp_tool"},
}


def _url(op: str, w: World) -> str:
    path = op.split(" ", 1)[1]
    ids = {**PATH_IDS, **OP_PATH_IDS.get(op, {})}
    return re.sub(r"\{(\w+)\}", lambda m: w.ids.get(ids.get(m[1], m[1]), "unknown"), path)


def _fresh() -> str:
    return uuid.uuid4().hex[:8]


@dataclass
class Expect:
    statuses: set[int] | None  # None: any non-5xx
    must_succeed: bool = False
    may_2xx: bool = False


def expect(op: str, who: str, policy: tuple[Role, bool] | None, first_insider: bool) -> Expect:
    path = op.split(" ", 1)[1]
    if op in SESSION_TOKEN:
        return Expect({401})
    if op in ORIGIN_CHECKED:
        if who in INVALID[1:]:
            return Expect({401})
        if who in ("anonymous", *OUTSIDERS):
            return Expect({403})
        return Expect(None, must_succeed=True, may_2xx=True)
    if policy is None:  # public, not about A
        return Expect(None, may_2xx=True)
    if who in INVALID:
        return Expect({401})
    role, users_only = policy
    if who in OUTSIDERS:
        is_key = who == "other_key"
        if (users_only and is_key) or (is_key and role == OWNER):
            return Expect({403})
        if op in NEVER_2XX:
            return Expect({403, 404})
        if op in SELF:
            return Expect(None, may_2xx=True)
        if "{" in path:
            return Expect({404})
        return Expect(None, must_succeed=True, may_2xx=True)  # its own organization
    if not INSIDER_ROLE[who].at_least(role):
        return Expect({403})
    if op in NEVER_2XX:
        return Expect({403})
    if op in SELF:
        return Expect(None, may_2xx=True)
    if first_insider:
        return Expect(None, must_succeed=True, may_2xx=True)
    return Expect(None, may_2xx=True)  # after the first one changed or deleted the object


@dataclass
class Tally:
    requests: int = 0
    setup_requests: int = 0
    unexpected_2xx: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)


async def run_operation(
    c: Counting, w: World, op: str, policy: tuple[Role, bool] | None, tally: Tally
) -> None:
    method = op.split(" ", 1)[0]
    url = _url(op, w)
    first_insider_seen = False
    for who in CALLERS:
        first = False
        if who in INSIDERS and policy is not None and INSIDER_ROLE[who].at_least(policy[0]):
            first, first_insider_seen = not first_insider_seen, True
        exp = expect(op, who, policy, first)
        headers = dict(w.headers[who])
        if op in ORIGIN_CHECKED:
            headers["Origin"] = EVIL_ORIGIN
        body = BODIES.get(op, lambda w, who: {} if method in ("POST", "PUT", "PATCH") else None)
        payload = body(w, who)
        r = await c.request(method, url, json=payload, params=QUERY.get(op), headers=headers)
        tally.requests += 1
        status = r.status_code
        label = f"{op} as {who}: {status} {r.text[:160]}"
        if 200 <= status < 300 and not exp.may_2xx:
            tally.unexpected_2xx.append(label)
        elif status >= 500:
            tally.mismatches.append(label)
        elif exp.statuses is not None and status not in exp.statuses:
            tally.mismatches.append(f"{label} (expected {sorted(exp.statuses)})")
        elif exp.must_succeed and not 200 <= status < 300:
            tally.mismatches.append(f"{label} (expected 2xx)")
        elif (
            exp.statuses is None
            and who in INSIDERS
            and status in (401, 403)
            and op not in SELF
            and policy is not None
        ):
            tally.mismatches.append(f"{label} (refused a role that is allowed)")
        if 200 <= status < 300:
            secret_markers = (
                w.markers
                if who in OUTSIDERS or who in INVALID
                else [PROMPT_MARKER, TOOL_SECRET, TOOL_URL]
                if who == "member"
                else [TOOL_SECRET]
            )
            leaked = [m for m in secret_markers if m in r.text]
            if leaked:
                tally.leaks.append(f"{op} as {who}: {leaked}")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_enabled": False}


async def test_authorization_matrix(app: FastAPI, capsys: pytest.CaptureFixture[str]) -> None:
    secret = app.state.settings.secret_key
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    code = code_policy(app)
    ops = openapi_operations(app)
    tally = Tally()
    async with Counting(transport=transport, base_url="http://testserver") as c:
        shared = await build_world(c, secret)  # read-only operations share one world
        tally.setup_requests += shared.setup_requests
        for op in ops:
            policy = POLICY.get(op, code[op]) if code[op] is not None else None
            if op.startswith("GET "):
                world = shared
            else:  # a fresh A and B for anything that may change or end something
                world = await build_world(c, secret)
                tally.setup_requests += world.setup_requests
            await run_operation(c, world, op, policy, tally)
    backend = app.state.settings.database_url.split(":", 1)[0]
    summary = (
        f"authorization matrix [{backend}]: {len(ops)} operations x {len(CALLERS)} callers = "
        f"{tally.requests} requests (+{tally.setup_requests} to set up), "
        f"{len(tally.unexpected_2xx)} unexpected 2xx, {len(tally.mismatches)} other mismatches, "
        f"{len(tally.leaks)} leaks"
    )
    with capsys.disabled():
        print("\n" + summary)
    assert tally.requests == len(ops) * len(CALLERS)
    assert not tally.unexpected_2xx, "\n".join([summary, *tally.unexpected_2xx])
    assert not tally.leaks, "\n".join([summary, *tally.leaks])
    assert not tally.mismatches, "\n".join([summary, *tally.mismatches])
