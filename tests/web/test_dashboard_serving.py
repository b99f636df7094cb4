"""``/dashboard/`` and ``/`` (``oshara.webassets``), without a browser."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from oshara import webassets
from oshara.app import install_error_handlers
from oshara.config import Settings
from tests.web.dashboard_build import dashboard_build

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self' blob:; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)


@pytest.fixture
async def client(web_build: Path) -> AsyncIterator[httpx.AsyncClient]:
    dashboard_build()
    app = FastAPI()
    app.state.settings = Settings(
        env="test",
        secret_key="test-secret-" + "x" * 40,
        public_url="https://voice.example.com/",
        registration_enabled=False,
    )
    install_error_handlers(app)
    app.include_router(webassets.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.mark.parametrize("path", ["/", "/dashboard"])
async def test_root_redirects_to_the_dashboard(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    assert r.status_code in (302, 307)
    assert r.headers["location"] == "/dashboard/"


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/agents", "/dashboard/agents/x/y"])
async def test_every_dashboard_route_is_the_app_with_a_strict_csp(
    client: httpx.AsyncClient, path: str
) -> None:
    r = await client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-security-policy"] == EXPECTED_CSP
    assert r.headers["cache-control"] == "no-store"
    page = r.text
    assert '<div id="app">' in page
    # Only this server's files: no remote URL, no inline script or style.
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "<style" not in page and " style=" not in page
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S)
    assert scripts == [""]
    assert '<meta name="oshara-public-url" content="https://voice.example.com">' in page
    assert '<meta name="oshara-registration" content="false">' in page


async def test_dashboard_assets_have_etags_and_unknown_names_are_404(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/dashboard/")).text
    for name, kind in (("app.js", "text/javascript"), ("app.css", "text/css")):
        assert re.search(rf'"/dashboard/assets/{re.escape(name)}\?v=[0-9a-f]{{12}}"', page)
        r = await client.get(f"/dashboard/assets/{name}")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith(kind)
        assert "access-control-allow-origin" not in r.headers
        again = await client.get(
            f"/dashboard/assets/{name}", headers={"If-None-Match": r.headers["etag"]}
        )
        assert again.status_code == 304
        # URLs in the bundle are XML namespaces and placeholder examples, never code to load.
        hosts = set(re.findall(r"https?://([A-Za-z0-9.*-]+)", r.text))
        assert hosts <= {
            "www.w3.org",
            "example.com",
            "www.example.com",
            "*.example.com",
            "yoursite.com",
            # Messages of the bundled Pipecat client and uuid (Try it's voice call): text only.
            "github.com",
        }, hosts
    sneaky = await client.get("/dashboard/assets/..%2Fwidget.js")
    assert not sneaky.headers["content-type"].startswith("text/javascript")
    assert (await client.get("/dashboard/assets/nope.js")).status_code == 404
