"""Fixtures for the widget's browser tests.

- ``web_build``: the built ``widget.js``/``sdk.js`` (rebuilt when a source file is newer).
- ``oshara``: the real app (with the web-assets router) under uvicorn on a free port, a
  fresh SQLite database built by the real migrations, an owner account and the characters
  below. One per module.
- ``site``: a second origin -- "the owner's website" -- serving embed pages, a form
  ``submit_url`` endpoint and a Pattern 1 token endpoint.

Browser tests need Node.js, ``npm ci`` in ``web/`` and Debian's ``chromium``; set
``OSHARA_SKIP_BROWSER_TESTS=1`` to skip them where those cannot be installed.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn

from oshara import webassets
from oshara.app import create_app
from oshara.config import Settings
from oshara.db.engine import create_engine
from oshara.db.migrate import upgrade
from tests.web.browser import CHROMIUM, REPO, WEB

SCREENSHOTS = REPO / "artifacts" / "screenshots"
PASSWORD = "correct horse battery"
PRIMARY = "#0F766E"  # the character's colour the launcher must show (rgb(15, 118, 110))


def _require_tools() -> None:
    if os.environ.get("OSHARA_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("OSHARA_SKIP_BROWSER_TESTS=1")
    problems = []
    if shutil.which("node") is None:
        problems.append("Node.js >= 20 is not on PATH")
    if not (WEB / "node_modules" / "playwright-core").is_dir():
        problems.append("web/node_modules is missing: run `npm ci` in web/")
    if not Path(CHROMIUM).exists():
        problems.append(f"{CHROMIUM} is missing: `apt-get install -y chromium`")
    if problems:
        pytest.fail("browser tests cannot run: " + "; ".join(problems), pytrace=False)


def _newest_source_mtime() -> float:
    files = [*WEB.glob("src/**/*.ts"), WEB / "build.mjs", WEB / "package-lock.json"]
    return max(f.stat().st_mtime for f in files if f.exists())


@pytest.fixture(scope="session")
def web_build() -> Path:
    """The built assets, rebuilding them when they are missing or older than the sources."""
    _require_tools()
    dist = webassets.dist_dir()
    widget = dist / "widget.js"
    if not widget.exists() or widget.stat().st_mtime < _newest_source_mtime():
        node = shutil.which("node")
        assert node is not None
        subprocess.run([node, "build.mjs"], cwd=WEB, check=True, timeout=120)
    return dist


# ---------------------------------------------------------------------------- servers


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@dataclass
class Site:
    """The owner's website on its own origin."""

    url: str
    oshara_url: str = ""
    submissions: list[dict[str, Any]] = field(default_factory=list)
    issued_tokens: list[str] = field(default_factory=list)

    def embed_url(self, agent: str, **attrs: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"agent": agent, **attrs}.items())
        return f"{self.url}/embed?{query}"


def _site_handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(body)

        def do_OPTIONS(self) -> None:
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Methods", "POST, PUT, PATCH, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Content-Type")
            self.end_headers()

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != "/embed":
                self._send(404, b"not found", "text/plain")
                return
            q = {k: v[0] for k, v in parse_qs(parts.query).items()}
            attrs = [f'data-agent="{html.escape(q.pop("agent", ""))}"']
            for key, value in q.items():
                attrs.append(f'data-{html.escape(key)}="{html.escape(value)}"')
            page = (
                "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                "<meta name='viewport' content='width=device-width, initial-scale=1'>"
                "<title>Acme Shop</title>"
                # Hostile page CSS: must not leak into the widget's shadow root.
                "<style>body{font:18px Georgia,serif;background:#fafafa;color:#333}"
                "button{background:red!important;border:4px dashed lime!important}"
                "*{letter-spacing:2px}</style></head>"
                "<body><main style='padding:2rem;max-width:40rem'><h1>Acme Shop</h1>"
                "<p>Welcome to our store. Questions? Ask our assistant.</p>"
                "<button id='page-button'>A page button</button></main>"
                f"<script src='{site.oshara_url}/widget.js' {' '.join(attrs)} async></script>"
                "</body></html>"
            )
            self._send(200, page.encode(), "text/html; charset=utf-8")

        def _json_body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            return json.loads(raw or b"null")

        def do_POST(self) -> None:
            self._write()

        def do_PUT(self) -> None:
            self._write()

        def do_PATCH(self) -> None:
            self._write()

        def _write(self) -> None:
            path = urlsplit(self.path).path
            body = self._json_body()
            if path == "/submit":
                site.submissions.append(
                    {
                        "method": self.command,
                        "content_type": self.headers.get("Content-Type"),
                        "values": body,
                    }
                )
                self._send(200, b'{"ok": true}', "application/json")
            elif path == "/voice-token":
                # Guide, Pattern 1: the site's backend starts the session server-to-server.
                r = httpx.post(
                    f"{site.oshara_url}/api/agents/agent-session/",
                    headers={"Origin": site.url},
                    json={
                        "agent": body.get("agent"),
                        "metadata": {"user_id": "u-42", "user_name": "Grace"},
                    },
                    timeout=10,
                )
                data = r.json()
                if r.status_code != 200:
                    self._send(r.status_code, r.content, "application/json")
                    return
                site.issued_tokens.append(data["token"])
                # Only what the guide's example returns: no webrtc_url.
                out = {"token": data["token"], "session_id": data["session_id"]}
                self._send(200, json.dumps(out).encode(), "application/json")
            else:
                self._send(404, b'{"detail": "not found"}', "application/json")

    return Handler


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    site = Site(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _site_handler(site))
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Oshara:
    url: str
    settings: Settings
    owner_headers: dict[str, str]

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers=self.owner_headers, timeout=10, **kwargs)


def _characters(site_url: str) -> list[dict[str, Any]]:
    def character(slug: str, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "slug": slug,
            "name": "Acme Assistant",
            "system_prompt": "You help Acme's customers.",
            "greeting": "Hi! How can I help?",
            "language": "en",
            "allowed_origins": [site_url],
            "widget_appearance": {"name": "Ada", "theme": {"primary_color": PRIMARY}},
        }
        body.update(extra)
        return body

    contact = {
        "id": "contact",
        "title": "Send us a message",
        "subtitle": "We answer within a day",
        "submit_url": None,
        "success_message": "Thanks! We'll get back to you.",
        "fields": [
            {"name": "name", "label": "Name", "type": "text", "required": True, "width": "half"},
            {"name": "email", "label": "Email", "type": "email", "required": True, "width": "half"},
            {
                "name": "phone",
                "label": "Phone",
                "type": "tel",
                "pattern": "^[0-9 +()-]{6,}$",
                "help_text": "Digits, spaces and + ( ) - only",
            },
            {
                "name": "message",
                "label": "Message",
                "type": "textarea",
                "required": True,
                "rows": 4,
                "min": 10,
                "placeholder": "How can we help?",
            },
        ],
    }
    onboarding = {
        "id": "onboarding",
        "title": "Get started",
        "submit_url": None,
        "submit_label": "Confirm booking",
        "success_message": "You're booked! See you soon.",
        "steps": [
            {
                "id": "details",
                "title": "Your details",
                "fields": [
                    {"label": "Tell us who you are.", "type": "display"},
                    {"name": "full_name", "label": "Full name", "type": "text", "required": True},
                    {
                        "name": "work_email",
                        "label": "Work email",
                        "type": "email",
                        "required": True,
                        "width": "half",
                    },
                    {"name": "company", "label": "Company", "type": "text", "width": "half"},
                ],
            },
            {
                "id": "use-case",
                "title": "Your use case",
                "fields": [
                    {
                        "name": "use_case",
                        "label": "Use case",
                        "type": "select",
                        "required": True,
                        "options": ["Customer support", "Sales assistant", "Other"],
                    },
                    {
                        "name": "team_size",
                        "label": "Team size",
                        "type": "number",
                        "required": True,
                        "min": 1,
                        "max": 500,
                        "width": "half",
                    },
                    {
                        "name": "channel",
                        "label": "Preferred channel",
                        "type": "radio",
                        "required": True,
                        "options": [
                            {"value": "phone", "label": "Phone call"},
                            {"value": "video", "label": "Video meeting"},
                        ],
                        "default_value": "video",
                    },
                ],
            },
            {
                "id": "schedule",
                "title": "Book a time",
                "fields": [
                    {
                        "name": "day",
                        "label": "Preferred date",
                        "type": "date",
                        "required": True,
                        "width": "half",
                    },
                    {"name": "slot", "label": "Time", "type": "time", "width": "half"},
                    {"name": "newsletter", "label": "Send me product news", "type": "checkbox"},
                ],
            },
        ],
    }
    callback = {
        "id": "callback",
        "title": "Request a call back",
        "submit_url": f"{site_url}/submit",
        "submit_method": "PUT",
        "success_message": "We'll call you back shortly.",
        "fields": [
            {"name": "name", "label": "Your name", "type": "text", "required": True},
            {"name": "phone", "label": "Phone", "type": "tel", "required": True},
        ],
    }
    agent_only = {
        "id": "agent-only",
        "title": "Confirm your order",
        "submit_url": None,
        "visitor_can_open": False,
        "fields": [
            {"name": "order", "label": "Order number", "type": "text", "required": True},
            {"name": "agree", "label": "I confirm", "type": "checkbox", "required": True},
        ],
    }
    shop_forms = [contact, onboarding, callback, agent_only]
    return [
        character(
            "web-shop",
            widget_appearance={
                "name": "Ada",
                "theme": {"primary_color": PRIMARY},
                "forms": shop_forms,
            },
        ),
        character("web-locked", allowed_origins=["https://example.com"]),
        character("web-busy", limits={"sessions_per_minute": 1}),
    ]


@pytest.fixture(scope="module")
def oshara(
    web_build: Path, site: Site, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Oshara]:
    tmp = tmp_path_factory.mktemp("oshara-web")
    db_url = f"sqlite+aiosqlite:///{tmp / 'oshara.db'}"

    async def migrate() -> None:
        engine = create_engine(db_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    sock = _free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        env="test",
        database_url=db_url,
        data_dir=tmp,
        secret_key="test-secret-" + "x" * 40,
        public_url=url,
    )
    app = create_app(settings)
    if "/widget.js" not in {getattr(r, "path", None) for r in app.routes}:
        app.include_router(webassets.router)  # until app.py includes it
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="on", log_config=None, log_level="warning", access_log=False)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="oshara-web", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the Oshara test server did not start")
        time.sleep(0.01)
    try:
        r = httpx.post(
            f"{url}/api/auth/register/",
            json={"email": "owner@acme.test", "password": PASSWORD},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        headers = {"Authorization": f"Bearer {r.json()['access']}"}
        for body in _characters(site.url):
            r = httpx.post(f"{url}/api/ai-characters/", json=body, headers=headers, timeout=10)
            assert r.status_code == 201, r.text
        site.oshara_url = url
        yield Oshara(url=url, settings=settings, owner_headers=headers)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
