"""The owner dashboard in headless Chromium against the real server, on SQLite and PostgreSQL.

Driven by visible labels and roles (``internal:label=``, ``role=``). Screenshots of each page at
1280 and 390 px wide go to ``/tmp/dash-shots/`` (``OSHARA_DASH_SHOTS`` overrides).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from oshara.app import create_app
from oshara.config import Settings
from oshara.db.engine import create_engine
from oshara.db.migrate import upgrade
from tests.conftest import BACKENDS, PG_ADMIN_URL
from tests.web.axe import assert_accessible
from tests.web.browser import Browser
from tests.web.conftest import _free_socket
from tests.web.dashboard_build import dashboard_build

SHOTS = Path(os.environ.get("OSHARA_DASH_SHOTS", "/tmp/dash-shots"))
PASSWORD = "correct horse battery"
WIDTHS = (1280, 390)


def label(text: str) -> str:
    return f'internal:label="{text}"s'


def button(name: str) -> str:
    return f'role=button[name="{name}"]'


def link(name: str) -> str:
    return f'role=link[name="{name}"]'


@dataclass
class Server:
    url: str
    backend: str
    # The app's own settings: a test may change one while the server runs (e.g. egress_allow).
    settings: Settings | None = None


async def _make_db(backend: str, tmp: Path) -> tuple[str, str | None]:
    from sqlalchemy import text

    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / 'oshara.db'}"
        name = None
    else:
        name = f"oshara_dash_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_ADMIN_URL)
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    return url, name


async def _drop_db(name: str) -> None:
    from sqlalchemy import text

    admin = create_engine(PG_ADMIN_URL)
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(params=BACKENDS)
def server(
    request: pytest.FixtureRequest, web_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    dashboard_build()
    backend: str = request.param
    tmp = tmp_path_factory.mktemp(f"dash-{backend}")
    db_url, pg_name = asyncio.run(_make_db(backend, tmp))
    sock = _free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        env="test",
        database_url=db_url,
        data_dir=tmp,
        secret_key="test-secret-" + "x" * 40,
        public_url=url,
        agent_enabled=False,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), lifespan="on", log_config=None, log_level="warning")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the Oshara test server did not start")
        time.sleep(0.01)
    try:
        yield Server(url=url, backend=backend, settings=settings)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        if pg_name:
            asyncio.run(_drop_db(pg_name))


def _shots(b: Browser, name: str, backend: str) -> None:
    """Screenshots of the current page at both widths (SQLite run only: the pages are the same)."""
    if backend != "sqlite":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        b.call("setViewport", width=width, height=900)
        b.call("screenshot", path=str(SHOTS / f"{name}-{width}.png"), fullPage=True)
        overflow = b.call("box", selector="body")
        assert overflow["width"] <= width + 1, f"{name} overflows at {width}px"
    b.call("setViewport", width=1280, height=900)


def test_owner_manages_an_agent_in_the_dashboard(server: Server) -> None:
    base = server.url
    email = f"owner-{uuid.uuid4().hex[:6]}@acme.test"
    with Browser.launch(viewport={"width": 1280, "height": 900}) as b:
        # / leads to the dashboard's sign-in.
        b.goto(base + "/")
        b.wait(button("Sign in"))
        _shots(b, "sign-in", server.backend)
        assert_accessible(b, "sign-in")

        # Register through the UI, then sign out.
        b.click(link("Create an account"))
        b.wait(label("Email"))
        _shots(b, "register", server.backend)
        b.fill(label("Email"), email)
        b.fill(label("Password"), PASSWORD)
        b.fill(label("Organization name (optional)"), "Acme")
        b.click(button("Create account"))
        b.wait_text("h1", "Agents")
        b.wait_text("main", "No agents yet")
        b.click(button("Sign out"))
        b.wait(button("Sign in"))

        # A wrong password shows an error and stays on sign-in.
        b.fill(label("Email"), email)
        b.fill(label("Password"), "not the password")
        b.click(button("Sign in"))
        assert b.wait_text("role=alert", "")
        assert b.visible(button("Sign in"))

        # The right one signs in, with the keyboard only (Enter submits), focus visible.
        b.fill(label("Password"), PASSWORD)
        b.call("press", selector=label("Password"), key="Enter")
        b.wait_text("h1", "Agents")
        b.call("press", key="Tab")
        b.call("press", key="Tab")
        focused = b.call("focused")
        assert focused, "Tab moves focus to a control"
        outline = b.call("style", selector="*:focus", prop="outline-style")
        assert outline != "none", "the focused control shows a focus ring"

        # Create an agent from the support-desk template.
        b.click(link("New agent"))
        b.wait(label("Name"))
        b.check(selector='role=radio[name="Support desk"]')
        b.fill(label("Name"), "Acme Support")
        assert b.call("value", selector=label("Slug")) == "acme-support"
        _shots(b, "agent-new", server.backend)
        assert_accessible(b, "agent-new")
        b.click(button("Create agent"))
        b.wait_text("h1", "Acme Support")
        assert "{{company}}" in b.call("value", selector=label("System prompt"))
        # The model fields offer this server's models (GET /api/models/) as suggestions.
        b.wait("#f-llm_model-list option", state="attached")
        assert b.call("count", selector="#f-llm_model-list option") > 0
        assert "company" in b.text("#system_prompt-hint")

        # An origin the client refuses, then one the server accepts.
        b.fill(label("Allowed origins"), "shop.example.com/path")
        b.click(button("Save changes"))
        b.wait_text("#allowed_origins-error", "Line 1")
        b.fill(label("Allowed origins"), "https://shop.example.com")
        b.click(button("Save changes"))
        b.wait_text("role=status >> text=Saved", "Saved")

        # An API validation error lands on its field.
        b.fill(label("Language"), "not a language!")
        b.click(button("Save changes"))
        msg = b.wait_text("#language-error", "")
        assert msg
        assert b.call("attr", selector=label("Language"), name="aria-invalid") == "true"
        b.fill(label("Language"), "en")
        b.wait("#language-error", state="detached")  # editing the field clears its error

        # The embed snippets carry this server's URL and the slug.
        snippet = b.text("#embed-snippet")
        tag = f'<script src="{base}/widget.js" data-agent="acme-support" async></script>'
        assert snippet == tag
        assert "https://shop.example.com" in b.text("#backend-snippet")
        assert b.visible(button("Copy Embed snippet"))
        _shots(b, "agent-edit", server.backend)
        assert_accessible(b, "agent-edit")

        # The list shows it, and search finds it by slug.
        b.click('role=navigation[name="Main"] >> ' + link("Agents"))
        b.wait(link("Acme Support"))
        assert "1 origin" in b.text(".agent-list")
        b.fill(label("Search agents"), "acme-sup")
        assert b.visible(link("Acme Support"))
        b.fill(label("Search agents"), "nothing-like-it")
        b.wait_text("main", "No agent matches")
        b.fill(label("Search agents"), "")
        _shots(b, "agents", server.backend)
        assert_accessible(b, "agents")

        # Edit the greeting; it is saved.
        b.click(link("Acme Support"))
        b.fill(label("Greeting"), "Welcome to Acme support!")
        b.click(button("Save changes"))
        b.wait_text("role=status >> text=Saved", "Saved")
        r = httpx.post(
            f"{base}/api/auth/login/", json={"email": email, "password": PASSWORD}, timeout=10
        )
        token = r.json()["access"]
        headers = {"Authorization": f"Bearer {token}"}
        agent = httpx.get(f"{base}/api/ai-characters/acme-support/", headers=headers).json()
        assert agent["greeting"] == "Welcome to Acme support!"
        assert agent["allowed_origins"] == ["https://shop.example.com"]
        assert agent["tools"][0]["name"] == "create_ticket"

        # The session is revoked while typing: sign in again and the typed text is still there.
        b.fill(label("Greeting"), "Typed before the session ended")
        r = httpx.post(
            f"{base}/api/auth/password/",
            json={"current_password": PASSWORD, "new_password": PASSWORD + "!"},
            headers=headers,
            timeout=10,
        )
        assert r.status_code == 200, r.text
        b.click(button("Save changes"))
        b.wait_text("main", "Your session ended")
        assert b.call("value", selector=label("Email")) == email
        b.fill(label("Password"), PASSWORD + "!")
        b.click(button("Sign in"))
        b.wait(label("Greeting"))
        assert b.call("value", selector=label("Greeting")) == "Typed before the session ended"
        b.click(button("Save changes"))
        b.wait_text("role=status >> text=Saved", "Saved")

        # Account page.
        b.click('role=navigation[name="Main"] >> ' + link("Account"))
        b.wait_text("main", "Change password")
        b.wait_text("main", email)
        _shots(b, "account", server.backend)
        assert_accessible(b, "account")

        # Another organization's agent is not reachable by URL.
        other = httpx.post(
            f"{base}/api/auth/register/",
            json={"email": f"rival-{uuid.uuid4().hex[:6]}@other.test", "password": PASSWORD},
            timeout=10,
        ).json()
        r = httpx.post(
            f"{base}/api/ai-characters/",
            json={"slug": f"rival-{server.backend}", "name": "Rival bot"},
            headers={"Authorization": f"Bearer {other['access']}"},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        b.goto(f"{base}/dashboard/agents/rival-{server.backend}")
        b.wait_text("h1", "Agent not found")
        assert "Rival bot" not in b.text("main")
        _shots(b, "not-found", server.backend)

        # Delete with confirmation.
        b.goto(f"{base}/dashboard/agents/acme-support")
        b.click(button("Delete agent"))
        b.wait("role=dialog")
        _shots(b, "delete-dialog", server.backend)
        b.click("role=dialog >> " + button("Delete"))
        b.wait_text("main", "No agents yet")
        r = httpx.get(f"{base}/api/ai-characters/acme-support/", headers=headers, timeout=10)
        assert r.status_code in (401, 404)
        console = [line for line in b.call("console") if line.startswith(("error", "pageerror"))]
        # 401/404 answers the app handled are logged by Chromium as failed resources; nothing else.
        assert all("Failed to load resource" in line for line in console), console
