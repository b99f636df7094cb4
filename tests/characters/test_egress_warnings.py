"""Tool URLs the egress policy will refuse are saved with a warning naming OSHARA_EGRESS_ALLOW;
the allow-list can change without a restart (SIGHUP)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oshara.egress import EgressClient, EgressError, reload_allow
from oshara.reload import reload_settings
from tests.helpers import auth_headers, character_body


def _http(name: str, url: str) -> dict[str, Any]:
    return {"name": name, "kind": "http", "config": {"url": url}}


TOOLS = [
    _http("internal_api", "http://127.0.0.1:8080/lookup"),
    {"name": "crm", "kind": "mcp", "config": {"url": "http://10.1.2.3/mcp"}},
    _http("dev_box", "http://localhost:9000/hook"),
    _http("public", "https://93.184.215.14/api"),  # a public address: nothing to say
    {"name": "docs", "kind": "kb"},
]
CHARACTER_KEYS = {
    "slug", "name", "system_prompt", "greeting", "language", "allowed_origins", "llm_model",
    "stt_model", "tts_model", "voice", "widget_appearance", "tools", "limits", "builtins",
    "created_at", "updated_at",
}  # fmt: skip


async def test_private_tool_urls_are_saved_with_warnings(client: httpx.AsyncClient) -> None:
    """As found: accepted silently, and every call then failed with blocked_address."""
    h = await auth_headers(client, "egress@example.com")
    r = await client.post("/api/ai-characters/", headers=h, json=character_body(tools=TOOLS))
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) >= CHARACTER_KEYS  # the guide's character shape, plus warnings
    assert body["warnings"] == [
        {
            "field": "tools[0].config.url",
            "message": "tool 'internal_api': 127.0.0.1 is a loopback address; calls to it "
            "will be refused unless the server's OSHARA_EGRESS_ALLOW admits it "
            "(e.g. OSHARA_EGRESS_ALLOW=127.0.0.1:8080)",
        },
        {
            "field": "tools[1].config.url",
            "message": "tool 'crm': 10.1.2.3 is a private address; calls to it will be "
            "refused unless the server's OSHARA_EGRESS_ALLOW admits it "
            "(e.g. OSHARA_EGRESS_ALLOW=10.1.2.3:80)",
        },
        {
            "field": "tools[2].config.url",
            "message": "tool 'dev_box': localhost resolves to a non-public address; calls to "
            "it will be refused unless the server's OSHARA_EGRESS_ALLOW admits it "
            "(e.g. OSHARA_EGRESS_ALLOW=localhost:9000)",
        },
    ]
    url = "/api/ai-characters/support-bot/"
    got = (await client.get(url, headers=h)).json()
    assert [t["name"] for t in got["tools"]] == [t["name"] for t in TOOLS]  # saved as sent
    assert "warnings" not in got
    # PATCH and PUT say it too; a clean tool list says nothing.
    r = await client.patch(url, headers=h, json={"tools": [TOOLS[1], TOOLS[3]]})
    assert r.status_code == 200 and [w["field"] for w in r.json()["warnings"]] == [
        "tools[0].config.url"
    ]
    r = await client.put(url, headers=h, json=character_body(tools=[TOOLS[3]]))
    assert r.status_code == 200 and "warnings" not in r.json()  # nothing to say
    assert r.json() == (await client.get(url, headers=h)).json()


class TestWithAnAllowList:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"egress_allow": "127.0.0.1:8080, 10.0.0.0/8"}

    async def test_the_allow_list_silences_what_it_admits(self, client: httpx.AsyncClient) -> None:
        h = await auth_headers(client, "allowed@example.com")
        body = character_body(tools=TOOLS)
        r = await client.post("/api/ai-characters/", headers=h, json=body)
        assert r.status_code == 201, r.text
        assert [w["field"] for w in r.json()["warnings"]] == ["tools[2].config.url"]


async def test_reload_allow_updates_live_clients() -> None:
    async with EgressClient("") as egress:
        with pytest.raises(EgressError) as refused:
            await egress.check("http://127.0.0.1:8080/x")
        assert refused.value.code == "blocked_address"
        assert reload_allow("127.0.0.1:8080") >= 1
        assert await egress.check("http://127.0.0.1:8080/x") == ["127.0.0.1"]
        with pytest.raises(ValueError, match="OSHARA_EGRESS_ALLOW entry"):
            reload_allow("not a valid entry")
        assert await egress.check("http://127.0.0.1:8080/x") == ["127.0.0.1"]  # unchanged


async def test_sighup_rereads_the_env_file(
    app: FastAPI,
    client: httpx.AsyncClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Edit .env, ``kill -HUP``: the next save (and call) uses the new allow-list."""
    import asyncio

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OSHARA_EGRESS_ALLOW", raising=False)
    (tmp_path / ".env").write_text("OSHARA_EGRESS_ALLOW=localhost:9000\n")
    loop = asyncio.get_running_loop()
    assert loop.remove_signal_handler(signal.SIGHUP)  # installed by the app's lifespan
    loop.add_signal_handler(signal.SIGHUP, reload_settings, app.state.settings)
    os.kill(os.getpid(), signal.SIGHUP)
    for _ in range(100):
        if app.state.settings.egress_allow == "localhost:9000":
            break
        await asyncio.sleep(0.01)
    assert app.state.settings.egress_allow == "localhost:9000"
    h = await auth_headers(client, "hup@example.com")
    r = await client.post("/api/ai-characters/", headers=h, json=character_body(tools=TOOLS))
    assert [w["field"] for w in r.json()["warnings"]] == [
        "tools[0].config.url",
        "tools[1].config.url",
    ]
