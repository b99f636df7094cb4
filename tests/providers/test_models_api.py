"""GET /api/models/: local models with ``installed``, cloud providers with ``configured``,
never a key; every value is a string a character accepts. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oshara.providers.registry import validate_provider
from oshara.voice.models import CATALOG, is_installed
from tests.helpers import auth_headers, bearer, character_body, invite, join

DEEPGRAM_KEY = "dg-secret-key-0042"
OPENAI_KEY = "sk-openai-secret-0042"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "deepgram_api_key": DEEPGRAM_KEY,
        "openai_api_key": OPENAI_KEY,
        "openai_base_url": "http://10.9.8.7:8000/v1",
        "elevenlabs_api_key": None,
        "cartesia_api_key": None,
    }


def _by(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


async def test_models_and_providers(client: httpx.AsyncClient, app: FastAPI) -> None:
    h = await auth_headers(client, "models@example.com")
    models_dir = app.state.settings.models_dir
    before = (await client.get("/api/models/", headers=h)).json()
    spec = CATALOG["whisper-base"]  # split over packages: only the models dir can hold it
    assert _by(before["stt"]["local"], "name")["whisper-base"]["installed"] is False
    assert _by(before["stt"]["local"], "name")["whisper-base"]["install_hint"] == (
        "oshara models install whisper-base"
    )
    target = models_dir / spec.name / spec.filename
    target.parent.mkdir(parents=True)
    with target.open("wb") as f:
        f.truncate(spec.size)  # the size is what run time checks before the verified hash
    r = await client.get("/api/models/", headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert set(out) == {"llm", "stt", "tts"}
    assert _by(out["stt"]["local"], "name")["whisper-base"]["installed"] is True
    for role in ("llm", "stt", "tts"):
        local = _by(out[role]["local"], "name")
        for name, item in local.items():
            if name in CATALOG:
                assert item["installed"] == is_installed(name, models_dir)
                assert CATALOG[name].kind == role
        assert [m["value"] for m in out[role]["local"] if m["default"]] == [out[role]["default"]]
        values = [m["value"] for m in out[role]["local"]]
        values += [o["value"] for p in out[role]["cloud"] for o in p["options"]]
        for value in values:
            assert validate_provider(role, value) == value  # storable as is
    assert out["llm"]["default"] == "local:qwen2.5-1.5b"
    assert {m["name"] for m in out["llm"]["local"]} == {
        "qwen2.5-0.5b", "qwen2.5-1.5b", "smollm2-135m",
    }  # fmt: skip
    assert "local:piper" in [m["value"] for m in out["tts"]["local"]]
    stt_cloud = _by(out["stt"]["cloud"], "provider")
    assert stt_cloud["deepgram"]["configured"] is True
    assert stt_cloud["deepgram"]["setting"] == "OSHARA_DEEPGRAM_API_KEY"
    tts_cloud = _by(out["tts"]["cloud"], "provider")
    assert tts_cloud["elevenlabs"]["configured"] is False
    assert tts_cloud["cartesia"]["configured"] is False
    assert tts_cloud["openai"]["configured"] is True
    assert _by(out["llm"]["cloud"], "provider")["openai"]["configured"] is True
    for secret in (DEEPGRAM_KEY, OPENAI_KEY, "10.9.8.7"):
        assert secret not in r.text
    # A character accepts the strings as they are.
    body = character_body(
        llm_model=out["llm"]["local"][0]["value"],
        stt_model=stt_cloud["deepgram"]["options"][-1]["value"],
        tts_model=out["tts"]["default"],
    )
    assert (await client.post("/api/ai-characters/", headers=h, json=body)).status_code == 201


async def test_auth_required_any_role(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/models/")).status_code == 401
    h = await auth_headers(client, "owner@example.com")
    invited = await invite(client, h, "member@example.com")
    member = bearer(await join(client, invited["token"], "member@example.com"))
    r = await client.get("/api/models/", headers=member)
    assert r.status_code == 200 and DEEPGRAM_KEY not in r.text


def test_the_pickers_defaults_are_what_a_new_character_gets() -> None:
    from oshara.characters.schemas import DEFAULT_LLM_MODEL, DEFAULT_STT_MODEL, DEFAULT_TTS_MODEL
    from oshara.providers.catalog import DEFAULTS

    assert DEFAULTS == {
        "llm": DEFAULT_LLM_MODEL,
        "stt": DEFAULT_STT_MODEL,
        "tts": DEFAULT_TTS_MODEL,
    }
