"""``/api/ai-characters/{slug}/webhook-secret/``: the Standard Webhooks signing secret of a
character's ``http`` tools — created or rotated (shown once), inspected (never shown), removed.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import logging
import re
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from oshara.characters.models import Character
from oshara.crypto import SecretBox
from oshara.sessions.models import AgentSession
from oshara.sessions.runtime import build_spec
from tests.conftest import Database
from tests.helpers import auth_headers, character_body

URL = "/api/ai-characters/support-bot/webhook-secret/"
SECRET_RE = re.compile(r"^whsec_[A-Za-z0-9+/]+={0,2}$")
ORIGIN = {"Origin": "https://yoursite.com"}


async def _owner(client: httpx.AsyncClient, email: str = "hooks@example.com") -> dict[str, str]:
    h = await auth_headers(client, email)
    r = await client.post("/api/ai-characters/", headers=h, json=character_body())
    assert r.status_code == 201, r.text
    return h


async def _stored(database: Database) -> tuple[str | None, datetime | None]:
    async with database.engine.connect() as conn:
        row = (
            await conn.execute(
                select(Character.webhook_secret, Character.webhook_secret_created_at)
            )
        ).one()
    return row[0], row[1]


async def test_create_shows_the_secret_once_and_stores_it_sealed(
    client: httpx.AsyncClient, app: FastAPI, database: Database
) -> None:
    h = await _owner(client)
    r = await client.get(URL, headers=h)
    assert r.status_code == 200, r.text
    assert r.json() == {"enabled": False, "created_at": None}

    r = await client.post(URL, headers=h)
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    created = r.json()
    assert set(created) == {"secret", "enabled", "created_at"} and created["enabled"] is True
    secret = created["secret"]
    assert SECRET_RE.match(secret), secret
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32

    # Afterwards: only whether it is on, and since when.
    r = await client.get(URL, headers=h)
    assert r.json() == {"enabled": True, "created_at": created["created_at"]}
    assert secret not in r.text
    for url in ("/api/ai-characters/support-bot/", "/api/ai-characters/"):
        r = await client.get(url, headers=h)
        assert r.status_code == 200 and secret not in r.text and "webhook" not in r.text
    r = await client.get("/api/agents/support-bot/appearance/", headers=ORIGIN)
    assert r.status_code == 200 and secret not in r.text and "webhook" not in r.text

    # Encrypted at rest; the runtime's spec gets the plaintext.
    sealed, created_at = await _stored(database)
    assert sealed is not None and secret not in sealed
    box = SecretBox(app.state.settings.ensure_secret())
    assert box.decrypt(sealed) == secret
    assert created_at is not None
    assert created_at == datetime.fromisoformat(created["created_at"])
    r = await client.post(
        "/api/agents/agent-session/", headers=ORIGIN, json={"agent": "support-bot"}
    )
    assert r.status_code == 200, r.text
    async with app.state.sessionmaker() as db:
        session = await db.get_one(AgentSession, r.json()["session_id"])
        character = await db.scalar(select(Character))
        assert character is not None
        spec = build_spec(session, character, app.state.settings)
    assert spec.webhook_secret == secret
    assert secret not in repr(spec)
    r = await client.get(f"/api/sessions/{session.id}/", headers=h)
    assert r.status_code == 200 and secret not in r.text


async def test_rotate_replaces_the_secret(client: httpx.AsyncClient, database: Database) -> None:
    h = await _owner(client)
    first = (await client.post(URL, headers=h)).json()
    second = (await client.post(URL, headers=h, json={})).json()
    assert second["secret"] != first["secret"] and SECRET_RE.match(second["secret"])
    assert datetime.fromisoformat(second["created_at"]) >= datetime.fromisoformat(
        first["created_at"]
    )
    assert (await client.get(URL, headers=h)).json()["created_at"] == second["created_at"]
    sealed, _ = await _stored(database)
    assert sealed is not None and first["secret"] not in sealed


async def test_delete_turns_signing_off(client: httpx.AsyncClient, database: Database) -> None:
    h = await _owner(client)
    assert (await client.post(URL, headers=h)).status_code == 201
    r = await client.delete(URL, headers=h)
    assert r.status_code == 204 and r.content == b""
    assert (await client.get(URL, headers=h)).json() == {"enabled": False, "created_at": None}
    assert await _stored(database) == (None, None)
    assert (await client.delete(URL, headers=h)).status_code == 204  # already off: fine
    # And on again.
    assert (await client.post(URL, headers=h)).status_code == 201
    assert (await client.get(URL, headers=h)).json()["enabled"] is True


async def test_editing_the_character_keeps_the_secret(
    client: httpx.AsyncClient, database: Database
) -> None:
    h = await _owner(client)
    assert (await client.post(URL, headers=h)).status_code == 201
    before = await _stored(database)
    current = (await client.get("/api/ai-characters/support-bot/", headers=h)).json()
    body = {k: v for k, v in current.items() if k not in {"slug", "created_at", "updated_at"}}
    assert (await client.put("/api/ai-characters/support-bot/", headers=h, json=body)).is_success
    r = await client.patch("/api/ai-characters/support-bot/", headers=h, json={"name": "New"})
    assert r.status_code == 200
    assert await _stored(database) == before


async def test_api_keys_may_manage_it(client: httpx.AsyncClient) -> None:
    h = await _owner(client)
    r = await client.post("/api/api-keys/", headers=h, json={"name": "server"})
    key = {"Authorization": f"Bearer {r.json()['key']}"}
    assert (await client.post(URL, headers=key)).status_code == 201
    assert (await client.get(URL, headers=key)).json()["enabled"] is True
    assert (await client.delete(URL, headers=key)).status_code == 204


async def test_other_organizations_and_unknown_slugs_get_404(client: httpx.AsyncClient) -> None:
    owner = await _owner(client)
    assert (await client.post(URL, headers=owner)).status_code == 201
    other = await auth_headers(client, "other@example.com", "Other Org")
    ghost = "/api/ai-characters/no-such-bot/webhook-secret/"
    for method in ("GET", "POST", "DELETE"):
        theirs = await client.request(method, URL, headers=other)
        missing = await client.request(method, ghost, headers=other)
        assert theirs.status_code == missing.status_code == 404, theirs.text
        assert theirs.json()["detail"].replace("support-bot", "X") == missing.json()[
            "detail"
        ].replace("no-such-bot", "X")
        r = await client.request(method, "/api/ai-characters/Not A Slug/webhook-secret/")
        assert r.status_code == 401  # no credentials: nothing is revealed
        r = await client.request(
            method, "/api/ai-characters/Not%20A%20Slug/webhook-secret/", headers=owner
        )
        assert r.status_code == 404 and "detail" in r.json()
    # The owner's secret is untouched by all that.
    assert (await client.get(URL, headers=owner)).json()["enabled"] is True


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"secret": "whsec_mine"}', "secret"),
        (b'{"enabled": false}', "enabled"),
        (b"[]", "body"),
        (b"null", "body"),
        (b'"whsec_x"', "body"),
    ],
)
async def test_bodies_other_than_nothing_or_an_empty_object_are_400(
    client: httpx.AsyncClient, raw: bytes, field: str
) -> None:
    h = await _owner(client)
    r = await client.post(URL, headers={**h, "Content-Type": "application/json"}, content=raw)
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["field"] == field
    assert (await client.get(URL, headers=h)).json()["enabled"] is False  # nothing written


async def test_invalid_json_is_400(client: httpx.AsyncClient) -> None:
    h = await _owner(client)
    r = await client.post(URL, headers={**h, "Content-Type": "application/json"}, content=b"{")
    assert r.status_code == 400 and "not valid JSON" in r.json()["detail"]
    assert (await client.get(URL, headers=h)).json()["enabled"] is False


async def test_the_secret_is_never_logged(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    h = await _owner(client)
    with caplog.at_level(logging.DEBUG):
        secret = (await client.post(URL, headers=h)).json()["secret"]
        await client.get(URL, headers=h)
    assert not [rec for rec in caplog.records if secret in rec.getMessage()]
    assert secret.removeprefix("whsec_") not in caplog.text
