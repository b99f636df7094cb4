"""The ``oshara`` command line, run as a real process on a fresh data directory."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from fastapi import FastAPI

from tests.conftest import Database
from tests.helpers import auth_headers, character_body

OSHARA = [sys.executable, "-m", "oshara.cli"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSHARA_")}
    env.update({"OSHARA_DATA_DIR": str(tmp_path / "data"), **extra})
    return env


def _run(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*OSHARA, *args],
        env=_env(tmp_path, **extra),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_users_apikeys(tmp_path: Path) -> None:
    r = _run(tmp_path, "migrate")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "data" / "oshara.db").exists()
    secret = (tmp_path / "data" / "secret_key").read_text()
    assert secret.startswith("dev-") and len(secret) > 40
    r = _run(
        tmp_path,
        "users",
        "create",
        "--email",
        "Ops@Example.com",
        "--password",
        "s3cret-pass",
        "--org",
        "Acme",
    )
    assert r.returncode == 0, r.stderr
    assert "ops@example.com" in r.stdout and "Acme" in r.stdout
    dup = _run(
        tmp_path, "users", "create", "--email", "ops@example.com", "--password", "s3cret-pass"
    )
    assert dup.returncode != 0 and "already exists" in dup.stderr
    short = _run(tmp_path, "users", "create", "--email", "x@example.com", "--password", "short")
    assert short.returncode != 0 and "--password" in short.stderr
    r = _run(tmp_path, "apikeys", "create", "--email", "ops@example.com")
    assert r.returncode == 0, r.stderr
    key = r.stdout.strip()
    assert key.startswith("osk_") and len(key) > 30
    missing = _run(tmp_path, "apikeys", "create", "--email", "nobody@example.com")
    assert missing.returncode != 0 and "no user" in missing.stderr
    # The secret persists across runs.
    assert (tmp_path / "data" / "secret_key").read_text() == secret


def test_production_refuses_missing_secret(tmp_path: Path) -> None:
    r = _run(tmp_path, "migrate", OSHARA_ENV="production")
    assert r.returncode != 0
    assert "OSHARA_SECRET_KEY" in r.stderr
    r = _run(tmp_path, "migrate", OSHARA_ENV="production", OSHARA_SECRET_KEY="dev-" + "x" * 40)
    assert r.returncode != 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_with_demo_answers_health_and_login(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [*OSHARA, "serve", "--demo", "--port", str(port)],
        env=_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/health/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        login = httpx.post(
            f"{base}/api/auth/login/",
            json={"email": "demo@oshara.local", "password": "oshara-demo"},
        )
        assert login.status_code == 200
        appearance = httpx.get(f"{base}/api/agents/demo/appearance/", headers={"Origin": base})
        assert appearance.status_code == 200 and appearance.json()["name"] == "Ada"
        assert httpx.get(f"{base}/api/schema/").json()["info"]["title"] == "Oshara API"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    output = proc.stdout.read() if proc.stdout else ""
    # What scripts/start shows: the dashboard's URL with the demo login.
    assert f"dashboard: {base}/dashboard/ (sign in as demo@oshara.local / oshara-demo)" in output


def test_chat_talks_to_the_demo_character_and_records_it(tmp_path: Path) -> None:
    """`oshara chat SLUG` in a terminal: greeting, a reply from the local model, a session."""
    from oshara.voice.models import ModelError, resolve_model

    models = Path(__file__).resolve().parents[1] / "data" / "models"
    try:
        resolve_model("qwen2.5-0.5b", models)
    except ModelError:
        pytest.skip("qwen2.5-0.5b is not installed (scripts/install installs it)")
    extra = {"OSHARA_MODELS_DIR": str(models)}
    assert _run(tmp_path, "demo", **extra).returncode == 0
    r = subprocess.run(
        [*OSHARA, "chat", "demo"],
        env=_env(tmp_path, **extra),
        cwd=tmp_path,
        input="Hello, who are you?\n/quit\n",
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Hi, I'm Ada" in r.stdout
    assert "session ended" in r.stdout
    import sqlite3

    db = sqlite3.connect(tmp_path / "data" / "oshara.db")
    turns = db.execute("SELECT role, text FROM session_turns ORDER BY seq").fetchall()
    assert [role for role, _ in turns[:3]] == ["agent", "user", "agent"]
    assert turns[1][1] == "Hello, who are you?" and turns[2][1].strip()
    status = db.execute("SELECT status, mode FROM sessions").fetchone()
    assert status == ("ended", "text")


async def test_chat_builds_the_sessions_tools_like_the_server(
    client: httpx.AsyncClient, app: FastAPI, database: Database, tmp_path: Path
) -> None:
    """`oshara chat SLUG` (a real process) gets the server's text-mode tools: the character's
    ``kb`` tool is offered to the LLM and answers from a document uploaded through the API.
    The LLM is the scripted OpenAI-compatible server; runs on SQLite and PostgreSQL."""
    from tests.tools.helpers import AnsweringLLM, last_tool_result, offered_tools

    owner = await auth_headers(client, "cli-owner@example.com")
    kb_tool = {
        "name": "search_docs",
        "kind": "kb",
        "description": "Search our policies.",
        "input_schema": {
            "type": "object",
            "properties": {"query": {"type": "string"}},
            "required": ["query"],
        },
        "config": {"top_k": 2},
    }
    body = character_body("cli-bot", tools=[kb_tool], greeting="Hello from the shop.")
    r = await client.post("/api/ai-characters/", headers=owner, json=body)
    assert r.status_code == 201, r.text
    doc = {
        "title": "Returns policy",
        "text": "Refunds\n\nUnworn shoes can be returned within 45 days for a full refund.",
    }
    r = await client.post("/api/ai-characters/cli-bot/knowledge/", headers=owner, json=doc)
    assert r.status_code == 201, r.text
    doc_url = f"/api/ai-characters/cli-bot/knowledge/{r.json()['id']}/"
    deadline = time.monotonic() + 30
    while (await client.get(doc_url, headers=owner)).json()["status"] != "ready":
        assert time.monotonic() < deadline, "the document was not indexed"
        await asyncio.sleep(0.1)

    async with AnsweringLLM() as llm:
        llm.tool_call("search_docs", {"query": "return shoes"}).answer(
            lambda m: "From {source}: {text}".format(**last_tool_result(m)["passages"][0])
        )
        env = _env(
            tmp_path,
            OSHARA_DATABASE_URL=database.url,
            OSHARA_SECRET_KEY=app.state.settings.secret_key,
            OSHARA_OPENAI_BASE_URL=llm.base_url,
            OSHARA_OPENAI_API_KEY="test-key",
        )
        proc = await asyncio.create_subprocess_exec(
            *OSHARA,
            "chat",
            "cli-bot",
            env=env,
            cwd=tmp_path,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(
            proc.communicate(b"Can I return my shoes?\n/quit\n"), timeout=120
        )
    assert proc.returncode == 0, err.decode()[-3000:]
    stdout = out.decode()
    assert "Support Bot: Hello from the shop." in stdout
    assert "  [tool search_docs]" in stdout
    assert "Support Bot: From Returns policy: " in stdout and "45 days" in stdout
    assert "search_docs" in offered_tools(llm.requests[0])
    # Recorded like any session, with the tool call in the owner's log.
    (session,) = (await client.get("/api/sessions/", headers=owner)).json()
    detail = (await client.get(f"/api/sessions/{session['id']}/", headers=owner)).json()
    assert detail["status"] == "ended" and detail["mode"] == "text"
    (call,) = detail["tool_calls"]
    assert call["name"] == "search_docs" and call["status"] == "ok"
    assert call["result"]["passages"][0]["source"] == "Returns policy"


def test_production_serve_requires_public_url(tmp_path: Path) -> None:
    """Without OSHARA_PUBLIC_URL, production would believe the Host header for its own origin."""
    r = _run(tmp_path, "serve", OSHARA_ENV="production", OSHARA_SECRET_KEY="p" * 40)
    assert r.returncode != 0
    assert "OSHARA_PUBLIC_URL must be set in production" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "data" / "oshara.db").exists()  # refused before migrating


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh working directory for in-process CliRunner calls (settings re-read per call)."""
    from oshara.config import get_settings

    for name in [k for k in os.environ if k.startswith("OSHARA_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    from oshara.cli import main
    from oshara.config import get_settings

    get_settings.cache_clear()
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize(
    "args",
    [
        ("users", "create", "--email", "ops@example.com", "--password", "s3cret-pass"),
        ("apikeys", "create", "--email", "ops@example.com"),
        ("chat", "demo"),
    ],
)
def test_commands_refuse_to_create_an_empty_database(cli_env: Path, args: tuple[str, ...]) -> None:
    """As found: run from another directory, these silently created ./data/oshara.db."""
    r = _invoke(*args)
    assert r.exit_code == 1, r.output
    db = cli_env / "data" / "oshara.db"
    assert f"database: {db}" in r.stderr
    assert f"no Oshara database at {db}" in r.stderr
    assert "OSHARA_DATA_DIR" in r.stderr and "oshara migrate" in r.stderr
    assert not (cli_env / "data").exists()  # not even the data dir or a secret


def test_commands_use_the_servers_database_from_anywhere(cli_env: Path) -> None:
    server = cli_env / "server"
    server.mkdir()
    elsewhere = cli_env / "elsewhere"
    elsewhere.mkdir()
    os.chdir(server)
    r = _invoke("migrate")
    assert r.exit_code == 0, r.output
    db = server / "data" / "oshara.db"
    assert f"database: {db}" in r.stderr
    os.chdir(elsewhere)
    env = {"OSHARA_DATA_DIR": str(server / "data")}
    r = _invoke(
        "users", "create", "--email", "ops@example.com", "--password", "s3cret-pass", env=env
    )
    assert r.exit_code == 0, r.output
    assert f"database: {db}" in r.stderr and "created user ops@example.com" in r.stdout
    r = _invoke("apikeys", "create", "--email", "ops@example.com", env=env)
    assert r.exit_code == 0 and r.stdout.strip().startswith("osk_")  # stdout: the key only
    assert not (elsewhere / "data").exists()


def test_a_database_without_oshara_tables_is_refused(cli_env: Path) -> None:
    (cli_env / "data").mkdir()
    (cli_env / "data" / "oshara.db").touch()  # e.g. an empty file left by something else
    r = _invoke("users", "create", "--email", "ops@example.com", "--password", "s3cret-pass")
    assert r.exit_code == 1
    assert "holds no Oshara data" in r.stderr
    r = _invoke(
        "apikeys",
        "create",
        "--email",
        "x@example.com",
        env={"OSHARA_DATABASE_URL": "postgresql+asyncpg://u:pw-secret@127.0.0.1:1/nothing"},
    )
    assert r.exit_code == 1
    assert "cannot open the database postgresql+asyncpg://u:***@127.0.0.1:1/nothing" in r.stderr
    assert "pw-secret" not in r.output
