"""The "page served by this server itself" rule and the ``Host`` header, per mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from oshara.app import PUBLIC_URL_REQUIRED, create_app
from tests.conftest import Database, _empty_tables, make_settings
from tests.helpers import auth_headers, character_body

SECRET = "production-secret-" + "x" * 40
EVIL = {"Host": "evil.example", "Origin": "http://evil.example"}


async def _app_client(
    database: Database, tmp_path: Path, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(database, tmp_path, **overrides))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c
    await _empty_tables(database.engine)


async def _start(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await client.post(
        "/api/agents/agent-session/", headers=headers, json={"agent": "support-bot"}
    )


async def _character(client: httpx.AsyncClient) -> None:
    owner = await auth_headers(client, "own-origin@example.com")
    r = await client.post("/api/ai-characters/", headers=owner, json=character_body())
    assert r.status_code == 201, r.text


@pytest.fixture
async def dev_without_public_url(
    database: Database, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _app_client(database, tmp_path, env="development", public_url=""):
        yield c


@pytest.fixture
async def production(database: Database, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _app_client(
        database, tmp_path, env="production", secret_key=SECRET, public_url="https://voice.acme.io"
    ):
        yield c


async def test_development_believes_host_for_its_own_pages(
    dev_without_public_url: httpx.AsyncClient,
) -> None:
    """The documented development convenience (and risk): any host name reaching this server
    counts as the server's own origin, so a page served under it may start sessions."""
    await _character(dev_without_public_url)
    r = await _start(dev_without_public_url, EVIL)
    assert r.status_code == 200, r.text
    assert r.json()["webrtc_url"].startswith("http://evil.example/")


async def test_production_never_believes_host(production: httpx.AsyncClient) -> None:
    await _character(production)
    r = await _start(production, EVIL)
    assert r.status_code == 403, r.text
    assert "'http://evil.example' is not allowed" in r.json()["detail"]
    # Its own pages are the ones under OSHARA_PUBLIC_URL, whatever Host says.
    r = await _start(production, {"Host": "evil.example", "Origin": "https://voice.acme.io"})
    assert r.status_code == 200, r.text
    assert r.json()["webrtc_url"].startswith("https://voice.acme.io/api/sessions/")
    assert (await _start(production, {"Origin": "https://yoursite.com"})).status_code == 200


def test_production_refuses_to_start_without_public_url(database: Database, tmp_path: Path) -> None:
    settings = make_settings(database, tmp_path, env="production", secret_key=SECRET, public_url="")
    with pytest.raises(ValueError, match="OSHARA_PUBLIC_URL must be set in production"):
        create_app(settings)
    assert "Host header" in PUBLIC_URL_REQUIRED


def test_own_origin_without_public_url_in_production_is_nothing(
    database: Database, tmp_path: Path
) -> None:
    """Even if an app were built around the startup check, Host is not believed."""
    from starlette.requests import Request

    from oshara.characters.access import own_origin

    scope = {
        "type": "http",
        "scheme": "http",
        "server": ("evil.example", 80),
        "path": "/",
        "headers": [(b"host", b"evil.example")],
    }
    request = Request(scope)
    prod = make_settings(database, tmp_path, env="production", secret_key=SECRET, public_url="")
    dev = make_settings(database, tmp_path, env="development", public_url="")
    assert own_origin(request, prod) == ""
    assert own_origin(request, dev) == "http://evil.example"
