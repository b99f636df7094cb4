"""Helpers for API tests: accounts, logins, characters."""

from __future__ import annotations

from typing import Any

import httpx

PASSWORD = "correct horse battery"


async def register(client: httpx.AsyncClient, email: str, org: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"email": email, "password": PASSWORD}
    if org:
        body["organization"] = org
    r = await client.post("/api/auth/register/", json=body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def auth_headers(
    client: httpx.AsyncClient, email: str, org: str | None = None
) -> dict[str, str]:
    data = await register(client, email, org)
    return {"Authorization": f"Bearer {data['access']}"}


async def invite(
    client: httpx.AsyncClient, headers: dict[str, str], email: str, role: str = "member"
) -> dict[str, Any]:
    """An invitation to the organization of ``headers`` (its token is in ``["token"]``)."""
    r = await client.post(
        "/api/organization/invitations/", json={"email": email, "role": role}, headers=headers
    )
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def join(client: httpx.AsyncClient, token: str, email: str) -> dict[str, Any]:
    """Register ``email`` through an invitation: ``{access, refresh, user}``."""
    r = await client.post(
        "/api/auth/register/",
        json={"email": email, "password": PASSWORD, "invitation": token},
    )
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access']}"}


def character_body(slug: str = "support-bot", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "slug": slug,
        "name": "Support Bot",
        "system_prompt": "You are a support agent for Acme. The user is {{user_name}}.",
        "greeting": "Hi! How can I help?",
        "language": "en",
        "allowed_origins": ["https://yoursite.com"],
        "llm_model": "gpt-4o-mini",
        "widget_appearance": {"name": "Support Bot", "theme": {"primary_color": "#4F46E5"}},
    }
    body.update(overrides)
    return body
