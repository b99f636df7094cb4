"""What each role may do: members read (without prompts or tools), admins change, owners
manage people; API keys act as admin. The full matrix is tests/test_authorization_matrix.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import bearer, character_body, invite, join, register

PROMPT = "Secret playbook: offer the 40% retention discount."
TOOL = {
    "name": "crm_lookup",
    "kind": "http",
    "description": "Look up a customer",
    "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
    "config": {"url": "https://crm.internal.example/api", "headers": {"X-Api-Key": "k-123"}},
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_enabled": False}


async def _team(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    owner = await register(client, "owner@acme.example", "Acme")
    team = {"owner": owner}
    for role in ("admin", "member"):
        token = (await invite(client, bearer(owner), f"{role}@acme.example", role))["token"]
        team[role] = await join(client, token, f"{role}@acme.example")
    body = character_body("acme-bot", system_prompt=PROMPT, tools=[TOOL])
    r = await client.post("/api/ai-characters/", json=body, headers=bearer(owner))
    assert r.status_code == 201, r.text
    return team


async def test_members_read_agents_without_prompts_or_tools(client: httpx.AsyncClient) -> None:
    team = await _team(client)
    member = bearer(team["member"])
    for url in ("/api/ai-characters/", "/api/ai-characters/acme-bot/"):
        r = await client.get(url, headers=member)
        assert r.status_code == 200, r.text
        agent = r.json()[0] if isinstance(r.json(), list) else r.json()
        assert agent["slug"] == "acme-bot" and agent["name"] == "Support Bot"
        assert agent["system_prompt"] is None and agent["tools"] is None
        assert "retention" not in r.text and "crm.internal" not in r.text
    for role in ("admin", "owner"):
        r = await client.get("/api/ai-characters/acme-bot/", headers=bearer(team[role]))
        assert r.json()["system_prompt"] == PROMPT
        assert r.json()["tools"][0]["config"]["url"] == TOOL["config"]["url"]  # type: ignore[index]
        assert r.json()["tools"][0]["config"]["headers"] == {"X-Api-Key": "********"}


async def test_members_read_sessions_forms_and_knowledge(client: httpx.AsyncClient) -> None:
    team = await _team(client)
    owner, member = bearer(team["owner"]), bearer(team["member"])
    r = await client.post(
        "/api/ai-characters/acme-bot/knowledge/",
        json={"title": "Hours", "text": "We open at nine."},
        headers=owner,
    )
    assert r.status_code == 201, r.text
    doc = r.json()["id"]
    r = await client.post("/api/agents/agent-session/", json={"agent": "acme-bot"}, headers=member)
    assert r.status_code == 200, r.text  # members may try their organization's agents
    for url in (
        "/api/sessions/",
        f"/api/sessions/{r.json()['session_id']}/",
        "/api/agents/acme-bot/form-responses/",
        "/api/ai-characters/acme-bot/knowledge/",
        f"/api/ai-characters/acme-bot/knowledge/{doc}/",
        "/api/ai-characters/acme-bot/knowledge-search/?q=open",
        "/api/ai-characters/acme-bot/webhook-secret/",
        "/api/organization/members/",
        "/api/auth/me/",
    ):
        r = await client.get(url, headers=member)
        assert r.status_code == 200, (url, r.text)


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/api/ai-characters/", character_body("member-bot")),
        ("PUT", "/api/ai-characters/acme-bot/", {"name": "Taken over"}),
        ("PATCH", "/api/ai-characters/acme-bot/", {"system_prompt": "Obey me"}),
        ("DELETE", "/api/ai-characters/acme-bot/", None),
        ("POST", "/api/ai-characters/acme-bot/webhook-secret/", None),
        ("DELETE", "/api/ai-characters/acme-bot/webhook-secret/", None),
        ("POST", "/api/ai-characters/acme-bot/knowledge/", {"title": "x", "text": "y"}),
        ("GET", "/api/api-keys/", None),
        ("POST", "/api/api-keys/", {"name": "mine"}),
        ("GET", "/api/organization/invitations/", None),
        ("POST", "/api/organization/invitations/", {"email": "friend@x.example"}),
    ],
)
async def test_members_cannot_change_anything(
    client: httpx.AsyncClient, method: str, url: str, body: dict[str, Any] | None
) -> None:
    team = await _team(client)
    r = await client.request(method, url, json=body, headers=bearer(team["member"]))
    assert r.status_code == 403, r.text
    assert r.json()["detail"] == (
        "This action needs the admin or owner role in your organization; your role is member"
    )
    # The admin may do it (or fails for another reason than its role).
    r = await client.request(method, url, json=body, headers=bearer(team["admin"]))
    assert r.status_code not in (401, 403), r.text
    r = await client.get("/api/ai-characters/", headers=bearer(team["owner"]))
    if method != "DELETE" or "webhook" in url:
        assert "acme-bot" in r.text


async def test_admins_manage_agents_and_keys_but_not_people(client: httpx.AsyncClient) -> None:
    team = await _team(client)
    admin = bearer(team["admin"])
    r = await client.patch(
        "/api/ai-characters/acme-bot/", json={"system_prompt": "New"}, headers=admin
    )
    assert r.status_code == 200 and r.json()["system_prompt"] == "New"
    r = await client.post("/api/api-keys/", json={"name": "ci"}, headers=admin)
    assert r.status_code == 201
    member_id = team["member"]["user"]["id"]
    r = await client.patch(
        f"/api/organization/members/{member_id}/", json={"role": "admin"}, headers=admin
    )
    assert r.status_code == 403
    assert r.json()["detail"] == (
        "This action needs the owner role in your organization; your role is admin"
    )
    r = await client.delete(f"/api/organization/members/{member_id}/", headers=admin)
    assert r.status_code == 403


async def test_api_keys_act_as_admin(client: httpx.AsyncClient) -> None:
    team = await _team(client)
    r = await client.post("/api/api-keys/", json={"name": "server"}, headers=bearer(team["owner"]))
    key = {"Authorization": f"Bearer {r.json()['key']}"}
    me = await client.get("/api/auth/me/", headers=key)
    assert me.json()["role"] == "admin" and me.json()["auth"] == "api_key"
    r = await client.get("/api/ai-characters/acme-bot/", headers=key)
    assert r.json()["system_prompt"] == PROMPT
    r = await client.post("/api/ai-characters/", json=character_body("key-bot"), headers=key)
    assert r.status_code == 201
    assert (await client.get("/api/api-keys/", headers=key)).status_code == 200
    assert (await client.get("/api/organization/members/", headers=key)).status_code == 200
    for method, url, body in (
        ("POST", "/api/api-keys/", {}),
        ("GET", "/api/organization/invitations/", None),
        ("POST", "/api/organization/invitations/", {"email": "x@acme.example"}),
        ("PATCH", f"/api/organization/members/{team['member']['user']['id']}/", {"role": "owner"}),
    ):
        r = await client.request(method, url, json=body, headers=key)
        assert r.status_code == 403 and "API key" in r.json()["detail"], (url, r.text)
