"""/api/ai-characters/ CRUD and the public appearance endpoint."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from oshara.characters.models import Character
from tests.conftest import Database
from tests.helpers import auth_headers, character_body

TICKET_TOOL: dict[str, Any] = {
    "name": "ticket_lookup",
    "kind": "http",
    "description": "Look up a support ticket by its ID.",
    "input_schema": {
        "type": "object",
        "properties": {"ticket_id": {"type": "string"}},
        "required": ["ticket_id"],
    },
    "config": {
        "url": "https://yoursite.com/api/oshara/ticket-lookup",
        "method": "POST",
        "headers": {"X-Oshara-Secret": "your-shared-secret"},
    },
}

CONTACT_FORM: dict[str, Any] = {
    "id": "contact",
    "title": "Send us a message",
    "submit_url": None,
    "fields": [
        {"name": "name", "label": "Name", "type": "text", "required": True},
        {"name": "message", "label": "Message", "type": "textarea", "required": True, "rows": 4},
    ],
}


async def test_create_get_list_delete(client: httpx.AsyncClient) -> None:
    h = await auth_headers(client, "owner@example.com")
    r = await client.post("/api/ai-characters/", headers=h, json=character_body())
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["slug"] == "support-bot"
    assert created["llm_model"] == "gpt-4o-mini"
    assert created["limits"]["max_concurrent_sessions"] == 10
    assert (await client.get("/api/ai-characters/support-bot/", headers=h)).json() == created
    listed = (await client.get("/api/ai-characters/", headers=h)).json()
    assert [c["slug"] for c in listed] == ["support-bot"]
    assert (await client.delete("/api/ai-characters/support-bot/", headers=h)).status_code == 204
    assert (await client.get("/api/ai-characters/support-bot/", headers=h)).status_code == 404


async def test_requires_auth(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/ai-characters/")).status_code == 401
    assert (await client.post("/api/ai-characters/", json=character_body())).status_code == 401


async def test_slug_is_unique_across_organizations(client: httpx.AsyncClient) -> None:
    a = await auth_headers(client, "a@example.com", "Org A")
    b = await auth_headers(client, "b@example.com", "Org B")
    assert (
        await client.post("/api/ai-characters/", headers=a, json=character_body())
    ).status_code == 201
    r = await client.post("/api/ai-characters/", headers=b, json=character_body())
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "slug"


async def test_validation_errors_name_the_field(client: httpx.AsyncClient) -> None:
    h = await auth_headers(client, "v@example.com")
    cases: list[tuple[dict[str, Any], str]] = [
        (character_body(slug="Bad Slug"), "slug"),
        (character_body(allowed_origins=["ftp://x.com"]), "allowed_origins"),
        (character_body(tools=[TICKET_TOOL, TICKET_TOOL]), "tools"),
        (character_body(tools=[{**TICKET_TOOL, "kind": "smtp"}]), "tools[0]"),
        (character_body(tools=[{**TICKET_TOOL, "input_schema": {"type": "string"}}]), "tools[0]"),
        (character_body(tools=[{**TICKET_TOOL, "config": {"url": "/relative"}}]), "tools[0]"),
        (character_body(widget_appearance={"forms": [CONTACT_FORM, CONTACT_FORM]}), "forms"),
        (character_body(limits={"sessions_per_minute": 0}), "limits.sessions_per_minute"),
        (character_body(unknown_field=1), "unknown_field"),
    ]
    for body, field in cases:
        r = await client.post("/api/ai-characters/", headers=h, json=body)
        assert r.status_code == 400, (field, r.text)
        fields = [e["field"] for e in r.json()["errors"]]
        assert any(field in f for f in fields), (field, fields)
        assert field in r.json()["detail"] or any(field in f for f in fields)
    assert (await client.get("/api/ai-characters/", headers=h)).json() == []


async def test_tool_headers_are_write_only_and_encrypted(
    client: httpx.AsyncClient, database: Database
) -> None:
    h = await auth_headers(client, "sec@example.com")
    await client.post("/api/ai-characters/", headers=h, json=character_body())
    r = await client.patch(
        "/api/ai-characters/support-bot/", headers=h, json={"tools": [TICKET_TOOL]}
    )
    assert r.status_code == 200, r.text
    assert "your-shared-secret" not in r.text
    assert r.json()["tools"][0]["config"]["headers"] == {"X-Oshara-Secret": "********"}
    got = await client.get("/api/ai-characters/support-bot/", headers=h)
    assert "your-shared-secret" not in got.text
    # At rest: the header value is encrypted, the name is visible.
    async with database.engine.connect() as conn:
        stored = (await conn.execute(select(Character.tools))).scalar_one()
    assert "your-shared-secret" not in str(stored)
    assert "X-Oshara-Secret" in stored[0]["config"]["headers"]
    # Sending the GET body back keeps the stored secret.
    tools = got.json()["tools"]
    r = await client.patch("/api/ai-characters/support-bot/", headers=h, json={"tools": tools})
    assert r.status_code == 200
    async with database.engine.connect() as conn:
        again = (await conn.execute(select(Character.tools))).scalar_one()
    assert again[0]["config"]["headers"] == stored[0]["config"]["headers"]


async def test_patch_is_partial_and_tools_replace(client: httpx.AsyncClient) -> None:
    h = await auth_headers(client, "p@example.com")
    body = character_body(widget_appearance={"name": "Bot", "forms": [CONTACT_FORM]})
    await client.post("/api/ai-characters/", headers=h, json=body)
    await client.patch("/api/ai-characters/support-bot/", headers=h, json={"tools": [TICKET_TOOL]})
    r = await client.patch(
        "/api/ai-characters/support-bot/",
        headers=h,
        json={"greeting": "Hello!", "widget_appearance": {"theme": {"primary_color": "#000"}}},
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["greeting"] == "Hello!"
    assert out["name"] == "Support Bot"
    assert out["widget_appearance"]["theme"]["primary_color"] == "#000"
    assert [f["id"] for f in out["widget_appearance"]["forms"]] == ["contact"]
    assert [t["name"] for t in out["tools"]] == ["ticket_lookup"]
    kb = {"name": "search_docs", "kind": "kb", "description": "Search", "config": {}}
    r = await client.patch("/api/ai-characters/support-bot/", headers=h, json={"tools": [kb]})
    assert [t["name"] for t in r.json()["tools"]] == ["search_docs"]


async def test_put_replaces_and_slug_cannot_change(client: httpx.AsyncClient) -> None:
    h = await auth_headers(client, "put@example.com")
    await client.post(
        "/api/ai-characters/", headers=h, json=character_body(greeting="Old", tools=[TICKET_TOOL])
    )
    r = await client.put("/api/ai-characters/support-bot/", headers=h, json={"name": "Renamed Bot"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["name"] == "Renamed Bot"
    assert out["greeting"] == "" and out["tools"] == [] and out["allowed_origins"] == []
    r = await client.put(
        "/api/ai-characters/support-bot/", headers=h, json={"slug": "other", "name": "x"}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "slug"
    r = await client.patch("/api/ai-characters/support-bot/", headers=h, json={"slug": "other"})
    assert r.status_code == 400
    r = await client.put("/api/ai-characters/support-bot/", headers=h, json=[1, 2])
    assert r.status_code == 400


async def test_appearance_is_public_and_has_no_secrets(client: httpx.AsyncClient) -> None:
    h = await auth_headers(client, "ap@example.com")
    body = character_body(
        tools=[TICKET_TOOL],
        widget_appearance={
            "name": "Support Bot",
            "theme": {"primary_color": "#4F46E5"},
            "forms": [CONTACT_FORM],
        },
    )
    await client.post("/api/ai-characters/", headers=h, json=body)
    r = await client.get(
        "/api/agents/support-bot/appearance/", headers={"Origin": "https://yoursite.com"}
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["name"] == "Support Bot"
    assert data["theme"] == {"primary_color": "#4F46E5"}
    assert data["forms"][0]["id"] == "contact"
    assert data["forms"][0]["fields"][1] == {
        "name": "message",
        "label": "Message",
        "type": "textarea",
        "required": True,
        "rows": 4,
    }
    assert "placeholder" not in data["forms"][0]["fields"][0]
    for secret in (
        "your-shared-secret",
        "ticket_lookup",
        "system_prompt",
        "support agent",
        "gpt-4o",
    ):
        assert secret not in r.text
    assert r.headers["access-control-allow-origin"] == "https://yoursite.com"


async def test_appearance_origin_check_and_etag(client: httpx.AsyncClient) -> None:
    h = await auth_headers(client, "et@example.com")
    await client.post("/api/ai-characters/", headers=h, json=character_body())
    url = "/api/agents/support-bot/appearance/"
    bad = await client.get(url, headers={"Origin": "https://evil.example"})
    assert bad.status_code == 403
    assert "https://evil.example" in bad.json()["detail"]
    assert (await client.get("/api/agents/nope/appearance/")).status_code == 404
    first = await client.get(url, headers={"Origin": "https://yoursite.com"})
    etag = first.headers["etag"]
    again = await client.get(url, headers={"Origin": "https://yoursite.com", "If-None-Match": etag})
    assert again.status_code == 304
    await client.patch(
        "/api/ai-characters/support-bot/", headers=h, json={"widget_appearance": {"name": "New"}}
    )
    changed = await client.get(
        url, headers={"Origin": "https://yoursite.com", "If-None-Match": etag}
    )
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_cors_preflight_on_public_endpoints(client: httpx.AsyncClient) -> None:
    r = await client.options(
        "/api/agents/agent-session/",
        headers={
            "Origin": "https://yoursite.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "https://yoursite.com"
    assert "POST" in r.headers["access-control-allow-methods"]
    r = await client.options(
        "/api/ai-characters/",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in r.headers


async def test_unknown_providers_are_400_naming_the_field(client: httpx.AsyncClient) -> None:
    h = await auth_headers(client, "prov@example.com")
    for field, value in [
        ("llm_model", "local:gpt-9"),
        ("stt_model", "local:nope"),
        ("tts_model", "carrier-pigeon:x"),
    ]:
        r = await client.post(
            "/api/ai-characters/", headers=h, json=character_body(**{field: value})
        )
        assert r.status_code == 400, (field, r.text)
        assert r.json()["errors"][0]["field"] == field
    ok = character_body(
        llm_model="local:qwen2.5-0.5b", stt_model="deepgram", tts_model="local:piper"
    )
    assert (await client.post("/api/ai-characters/", headers=h, json=ok)).status_code == 201
