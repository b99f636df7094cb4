"""Replay every HTTP call of the public API guide against a real running server.

The guide (``oshara-api-guide.txt``, DESIGN §4) promises that its curl calls, Node and Python
snippets and form code work against our server with only the base URL changed. Each test below
replays one section or snippet of it over real HTTP (``live_server``: uvicorn on 127.0.0.1, once
per database backend). The guide's text is copied verbatim into ``tests/guide/``:

* ``*.sh`` — curl calls, run with the real ``curl`` binary exactly as written (placeholders such
  as ``<your-token>`` filled in);
* ``*.js`` — JavaScript snippets, run in Node with its own ``fetch``; ``harness.js`` supplies the
  names the snippets assume (``app``, ``requireAuth``, ``crm``, ``OSHARA_TOKEN``) and records
  every request they make;
* ``pattern1_voice_token.py`` — the Python snippet, mounted as a FastAPI router that calls the
  live server with real ``httpx``;
* ``*.json.txt`` — request and response bodies shown in the guide.

``test_snippets_are_verbatim_from_the_guide`` fails when a copy drifts from the guide.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import shlex
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from oshara.auth import tokens
from oshara.db.engine import create_engine
from tests.helpers import character_body
from tests.live import LiveServer, live_server  # noqa: F401  (pytest fixture)

GUIDE_BASE = "https://api.oshara.ai"
GUIDE_DIR = Path(__file__).with_name("guide")
HARNESS = GUIDE_DIR / "harness.js"
GUIDE_TEXT = Path(os.environ.get("OSHARA_API_GUIDE", "/work/shared/reference/oshara-api-guide.txt"))

CURL = shutil.which("curl")
NODE = shutil.which("node")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

# The guide's example account and site.
GUIDE_EMAIL = "you@yoursite.com"
GUIDE_PASSWORD = "yourpassword"
SITE = "https://yoursite.com"

SESSION_KEYS = {"session_id", "token", "transport", "livekit_url", "webrtc_url", "expires_at"}

# -- the guide's text, verbatim from tests/guide/ ------------------------------------------------


def guide_file(name: str) -> str:
    return (GUIDE_DIR / name).read_text(encoding="utf-8")


LOGIN_CURL = guide_file("auth_login.sh")
REFRESH_CURL = guide_file("auth_refresh.sh")
REGISTER_TOOL_CURL = guide_file("pattern2_register_tool.sh")
MULTIPLE_TOOLS: list[dict[str, Any]] = json.loads(
    "{" + guide_file("pattern2_multiple_tools.json.txt") + "}"
)["tools"]
# The example response of `GET /api/agents/support-bot/appearance/` (its theme is `{ ... }`).
GUIDE_APPEARANCE: dict[str, Any] = json.loads(
    guide_file("pattern5_appearance.json.txt").replace("{ ... }", "{}")
)
GUIDE_FORMS: list[dict[str, Any]] = GUIDE_APPEARANCE["forms"]
GUIDE_THEME = {"primary_color": "#4F46E5"}

# The guide's multi-step shape, its `fields: [...]` filled with fields that between them use
# every attribute of the "Field schema reference" table.
ONBOARDING_FIELDS: dict[str, list[dict[str, Any]]] = {
    "details": [
        {"type": "display", "label": "Tell us a little about yourself."},
        {
            "name": "full_name",
            "label": "Full name",
            "type": "text",
            "required": True,
            "placeholder": "Ada Lovelace",
            "min": 2,
            "max": 80,
            "width": "half",
        },
        {
            "name": "work_email",
            "label": "Work email",
            "type": "email",
            "required": True,
            "width": "half",
            "help_text": "We never share it.",
        },
        {
            "name": "phone",
            "label": "Phone",
            "type": "tel",
            "required": False,
            "pattern": "^\\+?[0-9 ]{6,20}$",
            "width": "full",
        },
    ],
    "use-case": [
        {
            "name": "team_size",
            "label": "Team size",
            "type": "number",
            "required": True,
            "min": 1,
            "max": 10000,
            "default_value": "5",
        },
        {
            "name": "channel",
            "label": "Channel",
            "type": "radio",
            "required": True,
            "options": [{"value": "web", "label": "Website"}, {"value": "app"}],
        },
        {
            "name": "plan",
            "label": "Plan",
            "type": "select",
            "required": False,
            "options": ["free", "pro", "enterprise"],
            "default_value": "pro",
        },
        {"name": "notes", "label": "Notes", "type": "textarea", "required": False, "rows": 6},
    ],
    "schedule": [
        {"name": "day", "label": "Day", "type": "date", "required": True},
        {"name": "slot", "label": "Time", "type": "time", "required": True},
        {
            "name": "consent",
            "label": "I agree to be contacted",
            "type": "checkbox",
            "required": True,
            "default_value": "false",
        },
    ],
}
ONBOARDING_FORM: dict[str, Any] = json.loads(
    guide_file("pattern5_multi_step.json.txt").replace("[...]", "[]")
)
for _step in ONBOARDING_FORM["steps"]:
    _step["fields"] = ONBOARDING_FIELDS[_step["id"]]


# -- running the guide's clients ---------------------------------------------------------------


@dataclass
class CurlResult:
    status: int
    body: Any
    request_line: str
    request_headers: dict[str, str]


def run_curl(command: str, live: LiveServer, **placeholders: str) -> CurlResult:
    """Run a curl command from the guide with real curl; only the base URL is changed.

    ``placeholders`` replace the guide's placeholder text (e.g. ``"<your-token>"``) first.
    ``-sS -v -w`` are added only to read the status and the request curl actually sent.
    """
    assert CURL is not None
    for placeholder, value in placeholders.items():
        assert placeholder in command, placeholder
        command = command.replace(placeholder, value)
    argv = shlex.split(command.replace("\\\n", " "))  # a shell drops backslash-newline
    assert argv[0] == "curl"
    args = [arg.replace(GUIDE_BASE, live.url) for arg in argv[1:]]
    proc = subprocess.run(
        [CURL, "-sS", "-v", "--max-time", "20", "-w", "\n%{http_code}", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    raw_body, _, status = proc.stdout.rpartition("\n")
    sent = [line[2:] for line in proc.stderr.splitlines() if line.startswith("> ")]
    headers = {}
    for line in sent[1:]:
        name, sep, value = line.partition(": ")
        if sep:
            headers[name.lower()] = value
    body: Any = json.loads(raw_body) if raw_body.strip() else None
    return CurlResult(int(status), body, sent[0] if sent else "", headers)


@dataclass
class JsRun:
    result: Any
    requests: list[dict[str, Any]]


def run_js(
    live: LiveServer,
    tmp_path: Path,
    snippets: Sequence[str],
    driver: str,
    *,
    token: str | None = None,
    browser_origin: str | None = None,
    env: dict[str, str] | None = None,
) -> JsRun:
    """Run guide snippets (files in tests/guide/) and then ``driver`` in one Node process.

    Snippet text is used verbatim except that ``https://api.oshara.ai`` becomes the live
    server's URL. ``browser_origin`` makes every request carry that ``Origin`` (a browser page).
    """
    assert NODE is not None
    parts = [HARNESS.read_text(encoding="utf-8"), "(async () => {"]
    for name in snippets:
        source = (GUIDE_DIR / name).read_text(encoding="utf-8")
        parts.append(source.replace(GUIDE_BASE, live.url))
    parts += [
        "return await (async () => {",
        driver,
        "})();",
        "})().then(",
        "  (result) => {",
        "    process.stdout.write(JSON.stringify({ result, requests: __requests }));",
        "  },",
        "  (err) => {",
        "    process.stdout.write(JSON.stringify({ error: String(err?.stack ?? err), "
        "requests: __requests }));",
        "    process.exitCode = 1;",
        "  },",
        ");",
    ]
    script = tmp_path / "guide_run.js"
    script.write_text("\n".join(parts), encoding="utf-8")
    run_env = {k: v for k, v in os.environ.items() if k not in ("BROWSER_ORIGIN", "OSHARA_TOKEN")}
    run_env.update(env or {})
    if token is not None:
        run_env["OSHARA_TOKEN"] = token
    if browser_origin is not None:
        run_env["BROWSER_ORIGIN"] = browser_origin
    proc = subprocess.run(
        [NODE, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env=run_env,
        cwd=tmp_path,
        check=False,
    )
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"node printed no JSON (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    if "error" in out:
        pytest.fail(
            "the guide's JavaScript threw:\n"
            + out["error"]
            + "\nrequests:\n"
            + json.dumps(out["requests"], indent=2)
        )
    return JsRun(out["result"], out["requests"])


# -- fixtures and setup helpers (plain HTTP; not part of the replay) ----------------------------


@dataclass
class Owner:
    access: str
    refresh: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[httpx.Client]:  # noqa: F811
    with httpx.Client(base_url=live_server.url, timeout=20) as client:
        yield client


@pytest.fixture
def owner(api: httpx.Client) -> Owner:
    """The guide's account (you@yoursite.com / yourpassword), registered through the API."""
    r = api.post("/api/auth/register/", json={"email": GUIDE_EMAIL, "password": GUIDE_PASSWORD})
    assert r.status_code == 201, r.text
    return Owner(r.json()["access"], r.json()["refresh"])


def create_character(api: httpx.Client, owner: Owner, **overrides: Any) -> dict[str, Any]:
    r = api.post("/api/ai-characters/", json=character_body(**overrides), headers=owner.headers)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def guide_appearance(forms: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "name": "Support Bot",
        "theme": dict(GUIDE_THEME),
        "forms": copy.deepcopy(GUIDE_FORMS if forms is None else forms),
    }


def start_session(api: httpx.Client, agent: str = "support-bot", **body: Any) -> httpx.Response:
    return api.post(
        "/api/agents/agent-session/", json={"agent": agent, **body}, headers={"Origin": SITE}
    )


def field_as_served(field: dict[str, Any]) -> dict[str, Any]:
    """A field definition as the API serves it: ``required`` defaults to false."""
    return {"required": False, **field}


def all_fields(form: dict[str, Any]) -> list[dict[str, Any]]:
    if "steps" in form:
        return [f for step in form["steps"] for f in step["fields"]]
    fields: list[dict[str, Any]] = form["fields"]
    return fields


def assert_no_nulls(value: Any, path: str = "") -> None:
    """Absent attributes are absent, never ``null`` (``submit_url`` is the one exception)."""
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else key
            if key != "submit_url":
                assert item is not None, f"{here} is null; absent attributes must be left out"
            assert_no_nulls(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_no_nulls(item, f"{path}[{index}]")


# -- the guide itself ---------------------------------------------------------------------------


def _squash(source: str) -> str:
    return " ".join(source.split())


def test_snippets_are_verbatim_from_the_guide() -> None:
    """Every file in tests/guide/ (but the harness) appears in the guide, whitespace aside."""
    if not GUIDE_TEXT.exists():
        pytest.skip(f"guide not found at {GUIDE_TEXT} (set OSHARA_API_GUIDE)")
    guide = _squash(GUIDE_TEXT.read_text(encoding="utf-8"))
    names = sorted(p.name for p in GUIDE_DIR.iterdir() if p.is_file() and p.name != "harness.js")
    assert len(names) == 14, names
    for name in names:
        source = guide_file(name)
        if name.endswith(".py"):  # our two header comment lines are not part of the guide
            source = "\n".join(line for line in source.splitlines() if not line.startswith("#"))
        assert _squash(source) in guide, f"tests/guide/{name} is not verbatim from the guide"
    assert "GET /api/agents/support-bot/form-responses/?session_id=sess_abc123" in guide
    assert "GET /api/agents/support-bot/appearance/" in guide


# -- Authentication -----------------------------------------------------------------------------


@needs_curl
def test_auth_login_curl(live_server: LiveServer, owner: Owner) -> None:  # noqa: F811
    """`curl -X POST …/api/auth/login/` → {access, refresh}; the access token works as Bearer."""
    login = run_curl(LOGIN_CURL, live_server)
    assert login.request_headers["content-type"] == "application/json"
    assert login.status == 200, login.body
    assert set(login.body) == {"access", "refresh"}
    assert login.body["access"].startswith("eyJhbGci")
    assert login.body["refresh"].startswith("eyJhbGci")

    # "Tokens are valid for 10 days."
    claims = jwt.decode(login.body["access"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 10 * 24 * 3600

    # "Include the access token in every request: Authorization: Bearer eyJhbGci..."
    me = run_curl(
        f'curl {GUIDE_BASE}/api/auth/me/ -H "Authorization: Bearer {login.body["access"]}"',
        live_server,
    )
    assert me.status == 200, me.body
    assert me.body["email"] == GUIDE_EMAIL


@needs_curl
def test_auth_refresh_curl_without_json_content_type(
    live_server: LiveServer,  # noqa: F811
    owner: Owner,
) -> None:
    """The refresh curl exactly as written: curl labels the JSON body form-urlencoded."""
    refreshed = run_curl(REFRESH_CURL, live_server, **{"eyJhbGci...": owner.refresh})
    assert refreshed.request_line == "POST /api/auth/refresh/ HTTP/1.1"
    assert refreshed.request_headers["content-type"] == "application/x-www-form-urlencoded"
    assert refreshed.status == 200, refreshed.body
    assert set(refreshed.body) == {"access", "refresh"}
    assert refreshed.body["refresh"] != owner.refresh

    me = httpx.get(
        f"{live_server.url}/api/auth/me/",
        headers={"Authorization": f"Bearer {refreshed.body['access']}"},
    )
    assert me.status_code == 200, me.text

    # Refresh tokens rotate: the new one works the same way, the old one is spent.
    again = run_curl(REFRESH_CURL, live_server, **{"eyJhbGci...": refreshed.body["refresh"]})
    assert again.status == 200, again.body
    reused = run_curl(REFRESH_CURL, live_server, **{"eyJhbGci...": owner.refresh})
    assert reused.status == 401, reused.body


# -- Pattern 1: start a session from your backend ----------------------------------------------


def assert_session_response(live: LiveServer, body: dict[str, Any]) -> None:
    assert set(body) == SESSION_KEYS, body
    session_id = body["session_id"]
    assert session_id.startswith("sess_")
    assert body["transport"] == "webrtc"
    assert body["livekit_url"] is None
    assert body["webrtc_url"] == f"{live.url}/api/sessions/{session_id}/webrtc/"
    expires_at = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    remaining = (expires_at - datetime.now(UTC)).total_seconds()
    assert 0 < remaining <= live.settings.session_token_ttl_seconds + 1
    claims = tokens.decode(live.settings.ensure_secret(), "session", body["token"])
    assert claims["sub"] == session_id
    assert claims["agent"] == "support-bot"


@needs_node
def test_pattern1_node_express_snippet(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
    tmp_path: Path,
) -> None:
    """The Express handler's fetch, run for real in Node: the browser gets token/livekit_url/id."""
    create_character(api, owner)
    run = run_js(
        live_server,
        tmp_path,
        ["pattern1_express.js"],
        """
        const user = { id: "u_123", fullName: "Ada Lovelace", email: "ada@yoursite.com",
                       plan: "pro", orgId: "org_9" };
        return [
          await callRoute("POST", "/your-api/voice-token", { user, body: {} }),
          await callRoute("POST", "/your-api/voice-token", { user, body: { language: "de" } }),
        ];
        """,
    )
    assert len(run.requests) == 2
    for (browser, call), language in zip(
        zip(run.result, run.requests, strict=True), ["en", "de"], strict=True
    ):
        assert call["method"] == "POST"
        assert call["url"] == f"{live_server.url}/api/agents/agent-session/"
        assert call["request_headers"]["origin"] == SITE
        assert call["status"] == 200, call["body"]
        assert_session_response(live_server, call["body"])
        # What the snippet hands to the browser: exactly the keys it reads.
        assert browser["status"] == 200
        assert browser["body"] == {
            "token": call["body"]["token"],
            "livekit_url": call["body"]["livekit_url"],
            "session_id": call["body"]["session_id"],
        }
        # The injected user context is stored with the session.
        detail = api.get(f"/api/sessions/{call['body']['session_id']}/", headers=owner.headers)
        assert detail.status_code == 200, detail.text
        assert detail.json()["agent"] == "support-bot"
        assert detail.json()["language"] == language
        assert detail.json()["origin"] == SITE
        assert detail.json()["metadata"] == {
            "user_id": "u_123",
            "user_name": "Ada Lovelace",
            "user_email": "ada@yoursite.com",
            "account_tier": "pro",
            "org_id": "org_9",
        }


async def test_pattern1_python_snippet(
    live_server: LiveServer,  # noqa: F811
    owner: Owner,
) -> None:
    """The FastAPI + httpx "Python equivalent", mounted in an app and called for real."""
    async with httpx.AsyncClient(base_url=live_server.url) as oshara:
        r = await oshara.post("/api/ai-characters/", json=character_body(), headers=owner.headers)
        assert r.status_code == 201, r.text

    user = SimpleNamespace(id=uuid.uuid4(), full_name="Ada Lovelace", email="ada@yoursite.com")

    def get_current_user() -> SimpleNamespace:
        return user

    source = (GUIDE_DIR / "pattern1_voice_token.py").read_text(encoding="utf-8")
    assert GUIDE_BASE in source
    namespace: dict[str, Any] = {"get_current_user": get_current_user}
    exec(
        compile(source.replace(GUIDE_BASE, live_server.url), "pattern1_voice_token.py", "exec"),
        namespace,
    )
    your_backend = FastAPI()
    your_backend.include_router(namespace["router"])

    transport = httpx.ASGITransport(app=your_backend)
    async with httpx.AsyncClient(transport=transport, base_url="http://your-backend") as browser:
        r = await browser.post("/voice-token")
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"token", "livekit_url"}
    claims = tokens.decode(live_server.settings.ensure_secret(), "session", r.json()["token"])

    async with httpx.AsyncClient(base_url=live_server.url) as oshara:
        detail = await oshara.get(f"/api/sessions/{claims['sub']}/", headers=owner.headers)
    assert detail.status_code == 200, detail.text
    assert detail.json()["metadata"] == {
        "user_id": str(user.id),
        "user_name": "Ada Lovelace",
        "user_email": "ada@yoursite.com",
    }
    assert detail.json()["language"] == "en"


@pytest.mark.parametrize(
    "settings_overrides",
    [{"transport": "livekit", "livekit_url": "wss://livekit.yoursite.com"}],
    ids=["livekit"],
)
def test_pattern1_livekit_mode_returns_livekit_url(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
) -> None:
    """In LiveKit mode the `livekit_url` the snippets pass to the browser is set."""
    create_character(api, owner)
    r = start_session(api, metadata={"user_id": "u_1"})
    assert r.status_code == 200, r.text
    assert set(r.json()) == SESSION_KEYS
    assert r.json()["transport"] == "livekit"
    assert r.json()["livekit_url"] == "wss://livekit.yoursite.com"
    assert r.json()["webrtc_url"] is None


# -- Pattern 2: connect your API as an agent tool ----------------------------------------------


SECRET = "your-shared-secret"


@needs_curl
def test_pattern2_register_tool_curl_masks_the_secret(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
) -> None:
    """The PATCH curl registers ticket_lookup; X-Oshara-Secret is never given back.

    Its `"widget_appearance": { ... }` is the character's appearance as GET serves it (forms
    included), with a new theme colour: a GET → edit → PATCH round trip.
    """
    created = create_character(api, owner, widget_appearance=guide_appearance())
    appearance = copy.deepcopy(created["widget_appearance"])
    appearance["theme"]["primary_color"] = "#0EA5E9"
    shell_quoted = json.dumps(appearance).replace("'", "'\\''")  # inside the -d '…' quotes
    patched = run_curl(
        REGISTER_TOOL_CURL,
        live_server,
        **{"<your-token>": owner.access, "{ ... }": shell_quoted},
    )
    assert patched.status == 200, patched.body
    assert SECRET not in json.dumps(patched.body)
    (tool,) = patched.body["tools"]
    assert tool["name"] == "ticket_lookup"
    assert tool["kind"] == "http"
    assert tool["input_schema"]["required"] == ["ticket_id"]
    assert tool["config"]["url"] == "https://yoursite.com/api/oshara/ticket-lookup"
    assert tool["config"]["method"] == "POST"
    assert tool["config"]["headers"] == {"X-Oshara-Secret": "********"}
    assert patched.body["widget_appearance"] == appearance

    got = api.get("/api/ai-characters/support-bot/", headers=owner.headers)
    assert got.status_code == 200
    assert SECRET not in got.text
    assert got.json()["tools"][0]["config"]["headers"] == {"X-Oshara-Secret": "********"}

    listed = api.get("/api/ai-characters/", headers=owner.headers)
    assert listed.status_code == 200 and SECRET not in listed.text

    public = api.get("/api/agents/support-bot/appearance/", headers={"Origin": SITE})
    assert public.status_code == 200
    assert SECRET not in public.text
    assert "X-Oshara-Secret" not in public.text
    assert "ticket_lookup" not in public.text
    assert public.json()["forms"] == appearance["forms"]

    # Sending a GET body back (mask included) keeps the stored secret.
    resent = api.patch(
        "/api/ai-characters/support-bot/",
        json={"tools": got.json()["tools"]},
        headers=owner.headers,
    )
    assert resent.status_code == 200, resent.text
    assert SECRET not in resent.text

    # Encrypted at rest, too.
    stored = _stored_tools(live_server)
    assert SECRET not in stored
    assert "X-Oshara-Secret" in stored


def _stored_tools(live: LiveServer) -> str:
    """The tools column as stored (read on a fresh engine: this test is not async)."""

    async def read() -> str:
        engine = create_engine(live.database.url)
        try:
            async with engine.connect() as conn:
                value = await conn.scalar(
                    text("SELECT tools FROM characters WHERE slug = 'support-bot'")
                )
        finally:
            await engine.dispose()
        return value if isinstance(value, str) else json.dumps(value)

    return asyncio.run(read())


def test_pattern2_multiple_tools(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
) -> None:
    """The "Multiple tools" list (http, http, kb) replaces the tool list as sent."""
    create_character(api, owner)
    body = {"tools": copy.deepcopy(MULTIPLE_TOOLS)}
    r = api.patch("/api/ai-characters/support-bot/", json=body, headers=owner.headers)
    assert r.status_code == 200, r.text
    tools = r.json()["tools"]
    assert [t["name"] for t in tools] == ["ticket_lookup", "create_ticket", "search_docs"]
    assert [t["kind"] for t in tools] == ["http", "http", "kb"]
    for sent, served in zip(body["tools"], tools, strict=True):
        assert served["description"] == sent["description"]
        if "input_schema" in sent:
            assert served["input_schema"] == sent["input_schema"]
        for key, value in sent["config"].items():
            assert served["config"][key] == value
    got = api.get("/api/ai-characters/support-bot/", headers=owner.headers)
    assert got.json()["tools"] == tools


# -- Pattern 3: retrieve form responses after calls -------------------------------------------


def managed_forms() -> list[dict[str, Any]]:
    """The guide's forms with book-demo in managed storage ("If you used submit_url: null")."""
    forms = copy.deepcopy(GUIDE_FORMS)
    forms[0]["submit_url"] = None
    return forms


BOOK_DEMO_VALUES = {
    "name": "Grace Hopper",
    "email": "grace@navy.example",
    "company": "US Navy",
    "use_case": "Sales assistant",
    "date": "2026-03-02",
}


def submit(
    api: httpx.Client, form_id: str, values: dict[str, Any], session_id: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"form_id": form_id, "values": values}
    if session_id:
        body["session_id"] = session_id
    r = api.post("/api/agents/support-bot/form-responses/", json=body, headers={"Origin": SITE})
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


@pytest.fixture
def submissions(api: httpx.Client, owner: Owner) -> dict[str, Any]:
    """support-bot with managed forms, one call with two submissions, one without a call."""
    create_character(api, owner, widget_appearance=guide_appearance(managed_forms()))
    session = start_session(api)
    assert session.status_code == 200, session.text
    session_id = session.json()["session_id"]
    in_call = submit(api, "book-demo", BOOK_DEMO_VALUES, session_id)
    contact = submit(api, "contact", {"name": "Grace", "message": "Call me"}, session_id)
    later = submit(
        api,
        "book-demo",
        {
            "name": "Alan Turing",
            "email": "alan@bletchley.example",
            "use_case": "Other",
            "date": "2026-04-01",
        },
    )
    return {"session_id": session_id, "records": [in_call, contact, later]}


@needs_node
def test_pattern3_nightly_sync(
    live_server: LiveServer,  # noqa: F811
    owner: Owner,
    submissions: dict[str, Any],
    tmp_path: Path,
) -> None:
    """The nightly sync job, run in Node: every book-demo submission becomes a lead."""
    run = run_js(
        live_server,
        tmp_path,
        ["pattern3_nightly_sync.js"],
        "return crm.leads;",
        token=owner.access,
    )
    (call,) = run.requests
    sync_url = f"{live_server.url}/api/agents/support-bot/form-responses/?form_id=book-demo"
    assert call["url"] == sync_url
    assert call["request_headers"]["authorization"] == f"Bearer {owner.access}"
    assert call["status"] == 200, call["body"]
    assert isinstance(call["body"], list) and len(call["body"]) == 2
    assert {r["form_id"] for r in call["body"]} == {"book-demo"}
    assert run.result == [
        {
            "name": "Grace Hopper",
            "email": "grace@navy.example",
            "source": "voice-widget",
            "session": submissions["session_id"],
        },
        {
            "name": "Alan Turing",
            "email": "alan@bletchley.example",
            "source": "voice-widget",
            "session": None,
        },
    ]


def test_pattern3_filter_by_session(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
    submissions: dict[str, Any],
) -> None:
    """`GET …/form-responses/?session_id=sess_…` returns every form from that call."""
    session_id = submissions["session_id"]
    r = api.get(
        f"/api/agents/support-bot/form-responses/?session_id={session_id}", headers=owner.headers
    )
    assert r.status_code == 200, r.text
    assert [(x["form_id"], x["session_id"]) for x in r.json()] == [
        ("book-demo", session_id),
        ("contact", session_id),
    ]
    assert r.json()[0]["values"] == BOOK_DEMO_VALUES
    assert r.json() == submissions["records"][:2]

    # The guide's literal example id is simply a call without submissions.
    r = api.get(
        "/api/agents/support-bot/form-responses/?session_id=sess_abc123", headers=owner.headers
    )
    assert r.status_code == 200, r.text
    assert r.json() == []


# -- Pattern 4: programmatically manage characters --------------------------------------------


@needs_node
def test_pattern4_provision_agent(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
    tmp_path: Path,
) -> None:
    """provisionAgent() in Node creates `${customer.id}-bot` and returns character.slug."""
    run = run_js(
        live_server,
        tmp_path,
        ["pattern4_provision_agent.js"],
        """
        return await provisionAgent({
          id: "cust-42",
          companyName: "Acme",
          agentInstructions: "Answer billing questions briefly.",
          domain: "acme.example",
          brandColor: "#FF5500",
        });
        """,
        token=owner.access,
    )
    assert run.result == "cust-42-bot"
    (call,) = run.requests
    assert call["method"] == "POST"
    assert call["status"] == 201, call["body"]
    sent = call["request_body"]
    assert sent == {
        "slug": "cust-42-bot",
        "name": "Acme Assistant",
        "system_prompt": "You are a support agent for Acme. Answer billing questions briefly.",
        "greeting": "Hi! I'm Acme's assistant. How can I help?",
        "language": "en",
        "allowed_origins": ["https://acme.example"],
        "llm_model": "gpt-4o-mini",
        "widget_appearance": {"name": "Acme", "theme": {"primary_color": "#FF5500"}},
    }
    character = call["body"]
    for key in (
        "slug",
        "name",
        "system_prompt",
        "greeting",
        "language",
        "allowed_origins",
        "llm_model",
    ):
        assert character[key] == sent[key], key
    assert character["widget_appearance"] == {
        "name": "Acme",
        "theme": {"primary_color": "#FF5500"},
        "forms": [],
    }
    got = api.get("/api/ai-characters/cust-42-bot/", headers=owner.headers)
    assert got.status_code == 200 and got.json() == character

    # The new customer's site can start sessions and read its appearance.
    session = api.post(
        "/api/agents/agent-session/",
        json={"agent": "cust-42-bot"},
        headers={"Origin": "https://acme.example"},
    )
    assert session.status_code == 200, session.text
    appearance = api.get(
        "/api/agents/cust-42-bot/appearance/", headers={"Origin": "https://acme.example"}
    )
    assert appearance.status_code == 200, appearance.text
    assert appearance.json()["name"] == "Acme"
    assert appearance.json()["theme"] == {"primary_color": "#FF5500"}


@needs_node
def test_environment_variables_setup(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
    tmp_path: Path,
) -> None:
    """The recommended .env (OSHARA_API_URL, OSHARA_TOKEN, OSHARA_AGENT_SLUG) and OSHARA_HEADERS."""
    create_character(api, owner)
    run = run_js(
        live_server,
        tmp_path,
        ["env_headers.js"],
        """
        const { OSHARA_API_URL, OSHARA_AGENT_SLUG } = process.env;
        const r = await fetch(`${OSHARA_API_URL}/api/ai-characters/${OSHARA_AGENT_SLUG}/`,
                              { headers: OSHARA_HEADERS });
        return r.status;
        """,
        env={
            "OSHARA_API_URL": live_server.url,
            "OSHARA_TOKEN": owner.access,
            "OSHARA_AGENT_SLUG": "support-bot",
        },
    )
    assert run.result == 200, run.requests


# -- Pattern 5: fetch form schema and render it in your own UI ---------------------------------


@pytest.fixture
def support_bot(api: httpx.Client, owner: Owner) -> dict[str, Any]:
    """support-bot with exactly the guide's appearance (book-demo and contact)."""
    return create_character(api, owner, widget_appearance=guide_appearance())


def assert_form_as_sent(served: dict[str, Any], sent: dict[str, Any]) -> None:
    """Every form attribute sent is served unchanged; fields are served exactly as stored."""
    for key, value in sent.items():
        if key in ("fields", "steps"):
            continue
        assert served[key] == value, key
    assert "submit_url" in served
    assert set(served) - set(sent) <= {"submit_url", "submit_method", "visitor_can_open"}
    assert served.get("submit_method", "POST") == "POST"
    if "steps" in sent:
        assert "fields" not in served
        assert [s["id"] for s in served["steps"]] == [s["id"] for s in sent["steps"]]
        assert [s.get("title") for s in served["steps"]] == [s.get("title") for s in sent["steps"]]
    else:
        assert "steps" not in served
    assert all_fields(served) == [field_as_served(f) for f in all_fields(sent)]
    assert_no_nulls(served)


def test_pattern5_appearance_matches_the_guide_example(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    support_bot: dict[str, Any],
) -> None:
    """`GET /api/agents/support-bot/appearance/` has the guide's shape and nothing secret."""
    r = api.get("/api/agents/support-bot/appearance/", headers={"Origin": SITE})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"slug", "name", "language", "theme", "forms", "position"}
    assert body["name"] == "Support Bot"
    assert body["theme"] == GUIDE_THEME
    assert [f["id"] for f in body["forms"]] == ["book-demo", "contact"]
    for served, sent in zip(body["forms"], GUIDE_FORMS, strict=True):
        assert_form_as_sent(served, sent)
    assert body["forms"][1]["submit_url"] is None
    for secret in ("system_prompt", "You are a support agent", "gpt-4o-mini", "allowed_origins"):
        assert secret not in r.text


@needs_node
def test_pattern5_get_agent_forms(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    support_bot: dict[str, Any],
    tmp_path: Path,
) -> None:
    """getAgentForms("support-bot") and forms.find(f => f.id === "book-demo") in Node."""
    run = run_js(
        live_server,
        tmp_path,
        ["pattern5_get_agent_forms.js"],
        "return { forms, demoForm };",
    )
    (call,) = run.requests
    assert call["url"] == f"{live_server.url}/api/agents/support-bot/appearance/"
    assert call["request_headers"]["origin"] == SITE
    assert call["status"] == 200
    assert call["response_headers"]["access-control-allow-origin"] == SITE
    forms = run.result["forms"]
    assert [f["id"] for f in forms] == ["book-demo", "contact"]
    assert run.result["demoForm"] == forms[0]
    assert_form_as_sent(run.result["demoForm"], GUIDE_FORMS[0])
    direct = api.get("/api/agents/support-bot/appearance/", headers={"Origin": SITE})
    assert forms == direct.json()["forms"]


@needs_node
def test_pattern5_validate_and_submit_managed_form(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
    support_bot: dict[str, Any],
    tmp_path: Path,
) -> None:
    """validate() then submitForm() for the managed `contact` form, run in Node as a page on
    https://yoursite.com: valid values are stored (201), invalid ones get 400 per field."""
    run = run_js(
        live_server,
        tmp_path,
        ["pattern5_get_agent_forms.js", "pattern5_validate.js", "pattern5_submit_form.js"],
        """
        const contact = forms.find(f => f.id === "contact");
        const good = { name: "Ada", message: "Please call me back." };
        const bad = { name: "  ", message: "" };
        const out = {
          goodErrors: validate(contact.fields, good),
          badErrors: validate(contact.fields, bad),
          goodResult: await submitForm(contact, good),
        };
        try {
          await submitForm(contact, bad);  // skipping validate(): the server must refuse it
          out.badResult = "accepted";
        } catch (e) {
          out.badResult = e.message;
        }
        return out;
        """,
        browser_origin=SITE,
    )
    result = run.result
    assert result["goodErrors"] == {}
    assert result["badErrors"] == {"name": "Name is required", "message": "Message is required"}
    assert result["goodResult"] == "Submitted successfully."
    assert result["badResult"] == "Submission failed"

    _appearance, good_call, bad_call = run.requests
    managed_url = f"{live_server.url}/api/agents/support-bot/form-responses/"
    for call in (good_call, bad_call):
        assert call["method"] == "POST"
        assert call["url"] == managed_url
        assert call["request_headers"]["content-type"] == "application/json"
        assert call["response_headers"].get("access-control-allow-origin") == SITE
    assert good_call["request_body"] == {
        "form_id": "contact",
        "values": {"name": "Ada", "message": "Please call me back."},
    }
    assert good_call["status"] == 201, good_call["body"]
    assert good_call["body"]["form_id"] == "contact"
    assert good_call["body"]["values"] == {"name": "Ada", "message": "Please call me back."}

    assert bad_call["status"] == 400, bad_call["body"]
    assert bad_call["body"]["field_errors"] == result["badErrors"]
    assert {e["field"] for e in bad_call["body"]["errors"]} == {"values.name", "values.message"}

    stored = api.get(
        "/api/agents/support-bot/form-responses/?form_id=contact", headers=owner.headers
    )
    assert stored.status_code == 200
    assert [r["values"] for r in stored.json()] == [good_call["body"]["values"]]
    assert stored.json()[0]["id"] == good_call["body"]["id"]


@needs_node
def test_pattern5_multi_step_form(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
    support_bot: dict[str, Any],
    tmp_path: Path,
) -> None:
    """A multi-step form is served with `steps` (no top-level `fields`), every field attribute
    exactly as stored; the values of all steps are submitted as one flat object."""
    r = api.patch(
        "/api/ai-characters/support-bot/",
        json={"widget_appearance": {"forms": [*GUIDE_FORMS, ONBOARDING_FORM]}},
        headers=owner.headers,
    )
    assert r.status_code == 200, r.text

    run = run_js(
        live_server,
        tmp_path,
        ["pattern5_get_agent_forms.js", "pattern5_validate.js", "pattern5_submit_form.js"],
        """
        const form = forms.find(f => f.id === "onboarding");
        // As MultiStepForm does: steps, or one default step of flat fields.
        const steps = form.steps ? form.steps : [{ id: "default", fields: form.fields }];
        const values = {
          full_name: "Ada Lovelace", work_email: "ada@analytical.example", phone: "",
          team_size: "12", channel: "web", plan: "pro", notes: "",
          day: "2026-03-02", slot: "14:30", consent: "true",
        };
        const stepErrors = steps.map(step => validate(step.fields, values));
        const badErrors = validate(steps[0].fields, { ...values, full_name: "", work_email: "x" });
        const message = await submitForm(form, values);
        return { form, stepCount: steps.length, stepErrors, badErrors, message };
        """,
        browser_origin=SITE,
    )
    form = run.result["form"]
    assert_form_as_sent(form, ONBOARDING_FORM)
    assert form["submit_url"] is None
    assert run.result["stepCount"] == 3
    assert run.result["stepErrors"] == [{}, {}, {}]
    assert run.result["badErrors"] == {
        "full_name": "Full name is required",
        "work_email": "Enter a valid email address",
    }
    assert run.result["message"] == "Submitted successfully."
    submit_call = run.requests[-1]
    assert submit_call["status"] == 201, submit_call["body"]
    assert submit_call["request_body"]["form_id"] == "onboarding"

    stored = api.get(
        "/api/agents/support-bot/form-responses/?form_id=onboarding", headers=owner.headers
    )
    assert stored.status_code == 200
    (record,) = stored.json()
    assert record["values"]["full_name"] == "Ada Lovelace"
    assert record["values"]["consent"] == "true"


def test_pattern5_browser_cors(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    support_bot: dict[str, Any],
) -> None:
    """A browser on the site may make the Pattern 5 calls: CORS preflight and headers."""
    preflight = api.options(
        "/api/agents/support-bot/form-responses/",
        headers={
            "Origin": SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code in (200, 204), preflight.text
    assert preflight.headers["access-control-allow-origin"] == SITE
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()

    appearance = api.get("/api/agents/support-bot/appearance/", headers={"Origin": SITE})
    assert appearance.headers["access-control-allow-origin"] == SITE


# -- Common errors ------------------------------------------------------------------------------


def test_error_403_origin_not_in_allowed_origins(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
) -> None:
    """403 on session start from a domain not in Allowed Origins; the message names it."""
    create_character(api, owner)
    r = api.post(
        "/api/agents/agent-session/",
        json={"agent": "support-bot"},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert r.status_code == 403, r.text
    assert "https://elsewhere.example" in r.json()["detail"]
    # The fix: add the domain.
    patched = api.patch(
        "/api/ai-characters/support-bot/",
        json={"allowed_origins": [SITE, "https://elsewhere.example"]},
        headers=owner.headers,
    )
    assert patched.status_code == 200, patched.text
    r = api.post(
        "/api/agents/agent-session/",
        json={"agent": "support-bot"},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert r.status_code == 200, r.text


def test_error_404_wrong_agent_slug(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
) -> None:
    """404 on session start (and appearance) with a wrong agent slug."""
    create_character(api, owner)
    r = start_session(api, agent="suport-bot")
    assert r.status_code == 404, r.text
    assert "suport-bot" in r.json()["detail"]
    r = api.get("/api/agents/suport-bot/appearance/", headers={"Origin": SITE})
    assert r.status_code == 404, r.text


def test_error_401_expired_or_missing_jwt(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
) -> None:
    """401 with an expired or missing JWT; refreshing fixes it."""
    missing = api.get("/api/ai-characters/")
    assert missing.status_code == 401, missing.text
    assert missing.headers["www-authenticate"] == "Bearer"

    claims = jwt.decode(owner.access, options={"verify_signature": False})
    expired = tokens.issue(
        live_server.settings.ensure_secret(),
        "access",
        claims["sub"],
        -60,
        fam=claims["fam"],
        org=claims["org"],
    ).token
    for path in ("/api/ai-characters/", "/api/agents/support-bot/form-responses/"):
        r = api.get(path, headers={"Authorization": f"Bearer {expired}"})
        assert r.status_code == 401, r.text
        assert "expired" in r.json()["detail"]
        assert r.headers["www-authenticate"] == "Bearer"

    refreshed = api.post("/api/auth/refresh/", json={"refresh": owner.refresh})
    assert refreshed.status_code == 200, refreshed.text
    r = api.get(
        "/api/ai-characters/", headers={"Authorization": f"Bearer {refreshed.json()['access']}"}
    )
    assert r.status_code == 200, r.text


def test_error_429_with_retry_after(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
) -> None:
    """429 with Retry-After when a character's session limits are exceeded."""
    create_character(api, owner, limits={"sessions_per_minute": 2})
    for _ in range(2):
        assert start_session(api).status_code == 200
    r = start_session(api)
    assert r.status_code == 429, r.text
    retry_after = int(r.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert r.json()["retry_after"] == retry_after
    assert r.headers["access-control-allow-origin"] == SITE
    assert "retry-after" in r.headers["access-control-expose-headers"].lower()

    create_character(api, owner, slug="busy-bot", limits={"max_concurrent_sessions": 1})
    assert start_session(api, agent="busy-bot").status_code == 200
    r = start_session(api, agent="busy-bot")
    assert r.status_code == 429, r.text
    assert 1 <= int(r.headers["retry-after"]) <= 60

    # Simultaneous starts cannot overshoot the cap.
    create_character(api, owner, slug="rush-bot", limits={"sessions_per_minute": 3})

    def start(_: int) -> int:
        return httpx.post(
            f"{live_server.url}/api/agents/agent-session/",
            json={"agent": "rush-bot"},
            headers={"Origin": SITE},
            timeout=20,
        ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(start, range(8)))
    assert statuses == [200] * 3 + [429] * 5


def test_error_form_submit_url_must_be_absolute(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
) -> None:
    """ "Form submission not received — check the URL is absolute": a relative one is refused."""
    forms = copy.deepcopy(GUIDE_FORMS)
    forms[0]["submit_url"] = "/api/demo-requests"
    r = api.post(
        "/api/ai-characters/",
        json=character_body(widget_appearance=guide_appearance(forms)),
        headers=owner.headers,
    )
    assert r.status_code == 400, r.text
    assert "submit_url" in json.dumps(r.json())


@needs_node
def test_pattern5_submit_form_uses_the_forms_submit_method(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
    tmp_path: Path,
) -> None:
    """submitForm() sends `form.submit_method ?? "POST"` even to managed storage, so every
    managed form the server accepts must be submittable with its own method."""
    forms = copy.deepcopy(GUIDE_FORMS)
    forms[1]["submit_method"] = "PUT"
    r = api.post(
        "/api/ai-characters/",
        json=character_body(widget_appearance=guide_appearance(forms)),
        headers=owner.headers,
    )
    if r.status_code == 400:  # refusing such a form is a fix too
        assert "submit_method" in r.text
        return
    assert r.status_code == 201, r.text
    run = run_js(
        live_server,
        tmp_path,
        ["pattern5_get_agent_forms.js", "pattern5_submit_form.js"],
        """
        const contact = forms.find(f => f.id === "contact");
        return await submitForm(contact, { name: "Ada", message: "Hello" });
        """,
        browser_origin=SITE,
    )
    assert run.result == "Submitted successfully."


@needs_node
def test_pattern5_submit_form_from_a_mobile_screen(
    live_server: LiveServer,  # noqa: F811
    api: httpx.Client,
    owner: Owner,
    support_bot: dict[str, Any],
    tmp_path: Path,
) -> None:
    """Pattern 5 is for "a React page, a mobile screen, a custom panel". A native app sends no
    Origin header: getAgentForms() sets one itself, but submitForm() does not, so the guide's
    code only works from a mobile screen if a submission without Origin is accepted (as the
    appearance endpoint already accepts reads without Origin)."""
    run = run_js(
        live_server,
        tmp_path,
        ["pattern5_get_agent_forms.js", "pattern5_submit_form.js"],
        """
        const contact = forms.find(f => f.id === "contact");
        return await submitForm(contact, { name: "Ada", message: "Sent from the iOS app" });
        """,
    )
    assert run.result == "Submitted successfully."
