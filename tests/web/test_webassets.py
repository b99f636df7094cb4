"""``/widget.js``, ``/sdk.js`` and ``/try/{slug}`` (``oshara.webassets``), without a browser."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from oshara import webassets
from tests.web.browser import WEB


@pytest.fixture
async def client(web_build: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(webassets.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.mark.parametrize("name", ["widget.js", "sdk.js"])
async def test_assets_are_served_cacheable_and_embeddable_anywhere(
    client: httpx.AsyncClient, name: str
) -> None:
    r = await client.get(f"/{name}", headers={"Origin": "https://any-site.example"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["cache-control"].startswith("public, max-age=")
    assert r.headers["x-content-type-options"] == "nosniff"
    etag = r.headers["etag"]
    assert r.content == (webassets.dist_dir() / name).read_bytes()
    again = await client.get(f"/{name}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag


async def test_widget_is_one_iife_and_loads_nothing_remote(client: httpx.AsyncClient) -> None:
    body = (await client.get("/widget.js")).text
    code = body.split("*/", 1)[1].strip()  # after the licence banner
    assert code.startswith("(()=>{") or code.startswith('"use strict";(()=>{')
    for marker in ("unpkg.com", "jsdelivr", "daily.co", "cdn.", "import(", "importScripts"):
        assert marker not in body, marker


def test_sdk_is_an_es_module_with_the_guide_functions(web_build: Path) -> None:
    node = shutil.which("node")
    assert node is not None
    script = (
        f"const m = await import({str(webassets.dist_dir() / 'sdk.js')!r});"
        "const names = ['getAgentForms','validate','submitForm','getAppearance','startSession',"
        "'startTextSession','OriginNotAllowedError','AgentNotFoundError','RateLimitedError',"
        "'MicrophoneDeniedError','ConnectionLostError','FormValidationError'];"
        "const missing = names.filter(n => typeof m[n] !== 'function');"
        "if (missing.length) { console.error(missing.join(',')); process.exit(1); }"
        "console.log(JSON.stringify(m.validate([{name:'e',label:'E',type:'email'}],{e:'x'})));"
    )
    out = subprocess.run(
        [node, "--input-type=module", "-e", script],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '{"e":"Enter a valid email address"}'


async def test_a_missing_build_says_how_to_build(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(webassets, "dist_dir", lambda: tmp_path)
    r = await client.get("/widget.js")
    assert r.status_code == 503
    assert r.headers["cache-control"] == "no-store"
    assert "widget.js is not built" in r.text
    assert "npm ci && npm run build" in r.text
    assert r.text.rstrip().endswith(");")  # also a script that logs the message


async def test_try_page_embeds_the_widget(client: httpx.AsyncClient) -> None:
    r = await client.get("/try/support-bot", params={"language": "de", "open": "1"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    csp = r.headers["content-security-policy"]
    assert "script-src 'self' blob:" in csp and "frame-ancestors 'none'" in csp
    assert (
        '<script src="/widget.js" data-agent="support-bot" data-language="de" '
        'data-open="true" async></script>'
    ) in r.text
    assert "&lt;script src=&quot;http://testserver/widget.js&quot;" in r.text


@pytest.mark.parametrize("slug", ["A", "-bad", "x" * 64, "a_b", "a%3Cscript%3E"])
async def test_try_page_refuses_what_cannot_be_a_slug(client: httpx.AsyncClient, slug: str) -> None:
    r = await client.get(f"/try/{slug}")
    assert r.status_code == 404
    assert "<script" not in r.text


async def test_try_page_ignores_unsafe_options(client: httpx.AsyncClient) -> None:
    r = await client.get("/try/bot", params={"language": '"><script>x', "position": "top"})
    assert r.status_code == 200
    assert '<script src="/widget.js" data-agent="bot" async></script>' in r.text
