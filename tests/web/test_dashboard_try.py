"""The dashboard's "Try it" page in headless Chromium against the real server with a scripted
LLM: a text-mode exchange started with the owner's token (the agent has no allowed origin) shows
the agent's greeting and reply; axe finds no serious or critical violation. SQLite and
PostgreSQL. A voice call (Chromium's fake microphone, the local Whisper/Piper models; skipped
when they are not installed) connects, shows the spoken greeting as a caption and hangs up."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from oshara.app import create_app
from oshara.config import Settings
from tests.conftest import BACKENDS
from tests.voice.scripted_llm import ScriptedLLM
from tests.web.axe import assert_accessible
from tests.web.browser import Browser
from tests.web.conftest import _free_socket
from tests.web.dashboard_build import dashboard_build
from tests.web.test_dashboard_browser import (
    Server,
    _drop_db,
    _make_db,
    _shots,
    button,
    label,
    link,
)
from tests.web.test_dashboard_knowledge import owner_with_agent, sign_in

GREETING = "Hi, I'm Ada from Acme."
MODELS = Path(__file__).resolve().parents[2] / "data" / "models"
REPLY = "We are open from nine to five, Monday to Friday."


class BackgroundLLM:
    """``ScriptedLLM`` served from its own event loop thread."""

    def __init__(self, server: ScriptedLLM) -> None:
        self.server = server
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> ScriptedLLM:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@pytest.fixture(params=BACKENDS)
def agent_server(
    request: pytest.FixtureRequest, web_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, ScriptedLLM]]:
    """The server with its agent runtime on, its LLM the scripted one."""
    dashboard_build()
    backend: str = request.param
    tmp = tmp_path_factory.mktemp(f"try-{backend}")
    db_url, pg_name = asyncio.run(_make_db(backend, tmp))
    with BackgroundLLM(ScriptedLLM(default_reply=REPLY)) as llm:
        sock = _free_socket()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        settings = Settings(
            env="test",
            database_url=db_url,
            data_dir=tmp,
            secret_key="test-secret-" + "x" * 40,
            public_url=url,
            agent_enabled=True,
            openai_base_url=llm.base_url,
            openai_api_key="test-key",
            models_dir=MODELS,
        )
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings), lifespan="on", log_config=None, log_level="warning"
            )
        )
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Oshara test server did not start")
            time.sleep(0.01)
        try:
            yield Server(url=url, backend=backend), llm
        finally:
            server.should_exit = True
            thread.join(10)
            sock.close()
            if pg_name:
                asyncio.run(_drop_db(pg_name))


def _try_agent(base: str) -> tuple[str, dict[str, str]]:
    """An owner whose agent talks through the scripted LLM and has no allowed origin."""
    email, headers = owner_with_agent(base, "acme-try")
    r = httpx.patch(
        f"{base}/api/ai-characters/acme-try/",
        json={
            "greeting": GREETING,
            "llm_model": "openai-compatible:scripted-model",
            "allowed_origins": [],
        },
        headers=headers,
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return email, headers


def test_owner_tries_the_agent_by_text(agent_server: tuple[Server, ScriptedLLM]) -> None:
    server, llm = agent_server
    base = server.url
    email, headers = _try_agent(base)
    with Browser.launch(viewport={"width": 1280, "height": 900}) as b:
        sign_in(b, base, email)
        b.click(link("Acme Shoes"))
        b.click('role=navigation[name="Agent"] >> ' + link("Try it"))
        b.wait_text("h1", "Try it")
        assert b.visible(button("Call")) and b.visible(button("Hang up"))
        assert "Press Call" in b.text(".call-status")

        # An empty message is refused on its field.
        b.click(button("Send"))
        b.wait_text("#try-message-error", "Type a message")

        b.fill(label("Message"), "When are you open?")
        b.click(button("Send"))
        transcript = 'role=list[name="Text transcript"]'
        b.wait_text(transcript, REPLY, timeout=30_000)
        lines = b.call("texts", selector=transcript + " >> li:not(.end)")
        said = [f"Acme Shoes\n{GREETING}", "You\nWhen are you open?", f"Acme Shoes\n{REPLY}"]
        assert lines == said
        assert b.call("value", selector=label("Message")) == ""
        # The model was asked (the scripted LLM saw the visitor's words).
        assert any("When are you open?" in str(req) for req in llm.requests)

        # A second message continues the same conversation.
        llm.reply("Yes, on the second floor.")
        b.fill(label("Message"), "Do you sell boots?")
        b.call("press", selector=label("Message"), key="Enter")
        b.wait_text(transcript, "Yes, on the second floor.", timeout=30_000)
        _shots(b, "try-it", server.backend)
        assert_accessible(b, "try-it")

        # The session is the owner's: listed in the organization's sessions.
        sessions = httpx.get(f"{base}/api/sessions/", headers=headers, timeout=10)
        if sessions.status_code == 200:
            body = sessions.json()
            items = body["items"] if isinstance(body, dict) and "items" in body else body
            assert len(items) >= 1
        console = [line for line in b.call("console") if line.startswith(("error", "pageerror"))]
        assert all("Failed to load resource" in line for line in console), console


def test_owner_calls_the_agent_by_voice(agent_server: tuple[Server, ScriptedLLM]) -> None:
    from oshara.voice.models import is_installed

    server, _llm = agent_server
    if server.backend != "sqlite":
        pytest.skip("the call does not depend on the database; SQLite is enough")
    missing = [n for n in ("whisper-tiny.en", "piper-joe") if not is_installed(n, MODELS)]
    if missing:
        pytest.skip(f"voice models not installed: {' '.join(missing)}")
    base = server.url
    email, _headers = _try_agent(base)
    with Browser.launch(
        viewport={"width": 1280, "height": 900}, fakeMedia=True, permissions=["microphone"]
    ) as b:
        sign_in(b, base, email)
        b.goto(f"{base}/dashboard/agents/acme-try/try")
        b.wait_text("h1", "Try it")
        b.click(button("Call"))
        b.wait_text(".call-status", "Connected", timeout=45_000)
        b.wait_text('role=list[name="Call transcript"]', GREETING, timeout=45_000)
        _shots(b, "try-it-call", server.backend)
        b.click(button("Hang up"))
        b.wait_text(".call-status", "Call ended.", timeout=20_000)
        assert b.visible(button("Call"))
