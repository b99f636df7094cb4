"""The browser assets: ``/widget.js``, ``/sdk.js``, the ``/try/{slug}`` page, ``/api/docs/``
and the owner dashboard at ``/dashboard/``.

``widget.js`` (one IIFE) and ``sdk.js`` (an ES module) are built from ``web/`` into the package
directory ``oshara/web_dist/`` (``npm run build`` in ``web/``; ``scripts/install`` runs it).
They are read once per process and served with a strong ``ETag`` (``If-None-Match`` gets 304),
a short public cache lifetime and ``Access-Control-Allow-Origin: *``: any site embeds them, and
they are the same for everyone. A missing build answers 503 with a body that says how to build.

``/try/{slug}`` is a page of this server that embeds the widget for one character -- the quick
way to try an agent, and the page the browser tests and the voice runtime's tests drive. Pages
of this server may use any character (``characters.access.own_origin``).

``/api/docs/`` is Swagger UI on ``/api/schema/`` with its script, style sheet and icon served
from ``/api/docs/assets/`` (npm ``swagger-ui-dist``, copied into ``web_dist/swagger-ui/`` by
the build): FastAPI's default page loads them from a CDN and is blank offline.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import RedirectResponse

from oshara.errors import NotFound, OsharaError

__all__ = ["ASSETS", "DIST_DIR_NAME", "dist_dir", "router"]

DIST_DIR_NAME = "web_dist"
#: Served file name → media type.
ASSETS = {
    "widget.js": "text/javascript; charset=utf-8",
    "sdk.js": "text/javascript; charset=utf-8",
}
#: Swagger UI files served under /api/docs/assets/ → media type.
DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
DOCS_ASSET_URL = "/api/docs/assets/"
_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=86400"
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_BUILD_HINT = "run `npm ci && npm run build` in web/ (scripts/install does this)"

router = APIRouter(tags=["web"], include_in_schema=False)


def dist_dir() -> Path:
    """Where the built assets live: ``oshara/web_dist`` inside the installed package."""
    return Path(str(resources.files("oshara").joinpath(DIST_DIR_NAME)))


@dataclass(frozen=True)
class _Asset:
    body: bytes
    etag: str
    mtime_ns: int


_cache: dict[Path, _Asset] = {}


def _load(path: Path) -> _Asset | None:
    """Read a built file; re-read when it changed on disk (a rebuild during development)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    cached = _cache.get(path)
    if cached is not None and cached.mtime_ns == stat.st_mtime_ns:
        return cached
    body = path.read_bytes()
    asset = _Asset(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', stat.st_mtime_ns)
    _cache[path] = asset
    return asset


def _not_built(name: str) -> Response:
    message = f"Oshara: {name} is not built; {_BUILD_HINT}."
    # A script body as well as a message: a <script> tag then logs it in the browser console.
    body = f"/* {message} */\nconsole.error({json.dumps(message)});\n"
    return Response(
        body,
        status_code=503,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"},
    )


def _serve(name: str, request: Request, media_type: str | None = None) -> Response:
    asset = _load(dist_dir() / name)
    if asset is None:
        return _not_built(name)
    headers = {
        "ETag": asset.etag,
        "Cache-Control": _CACHE_CONTROL,
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Content-Type-Options": "nosniff",
    }
    inm = request.headers.get("if-none-match", "")
    if inm.strip() == "*" or asset.etag in {tag.strip() for tag in inm.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=media_type or ASSETS[name], headers=headers)


@router.get("/widget.js")
async def widget_js(request: Request) -> Response:
    """The embeddable widget: ``<script src=".../widget.js" data-agent="slug" async>``."""
    return _serve("widget.js", request)


@router.get("/sdk.js")
async def sdk_js(request: Request) -> Response:
    """The ES-module SDK for custom front-ends (guide, Pattern 5)."""
    return _serve("sdk.js", request)


@router.get("/api/docs/")
async def api_docs() -> Response:
    """Swagger UI for ``/api/schema/``, every asset from this server (works offline)."""
    page = get_swagger_ui_html(
        openapi_url="/api/schema/",
        title="Oshara API",
        swagger_js_url=DOCS_ASSET_URL + "swagger-ui-bundle.js",
        swagger_css_url=DOCS_ASSET_URL + "swagger-ui.css",
        swagger_favicon_url=DOCS_ASSET_URL + "favicon-32x32.png",
        # The default validator badge is fetched from validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )
    page.headers["Cache-Control"] = "no-store"
    return page


@router.get("/api/docs/assets/{name}")
async def api_docs_asset(name: str, request: Request) -> Response:
    """Swagger UI's script, style sheet and icon (from npm ``swagger-ui-dist``)."""
    media_type = DOCS_ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"No docs asset {name!r}")
    if _load(dist_dir() / "swagger-ui" / name) is None:
        raise _DocsNotBuilt(f"Swagger UI is not built; {_BUILD_HINT}")
    return _serve(f"swagger-ui/{name}", request, media_type)


class _DocsNotBuilt(OsharaError):
    status_code = 503


_TRY_CSP = "; ".join(
    [
        "default-src 'self'",
        # blob: for the audio worklet the voice client creates from a Blob.
        "script-src 'self' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "media-src 'self' blob: mediastream:",
        # Forms may post to the owner's own submit_url, anywhere.
        "connect-src *",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)

_TRY_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Try {slug_text} · Oshara</title>
<style>
  body {{ margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #1f2328; background: #f6f8fa; }}
  main {{ max-width: 40rem; margin: 0 auto; padding: 3rem 1.25rem; }}
  h1 {{ font-size: 1.6rem; margin: 0 0 .5rem; }}
  code {{ background: #eaeef2; padding: .1em .35em; border-radius: 4px; font-size: .9em;
         word-break: break-all; }}
  pre {{ background: #eaeef2; padding: .75rem 1rem; border-radius: 8px; overflow-x: auto; }}
</style>
</head>
<body>
<main>
  <h1>Try <code>{slug_text}</code></h1>
  <p>The assistant's button is in the corner of this page. Press it, then
  <strong>Start call</strong> to talk, or type a message.</p>
  <p>To put it on your site, add this tag and your site's origin to the agent's
  <code>allowed_origins</code>:</p>
  <pre><code>{snippet}</code></pre>
</main>
<script src="/widget.js" data-agent="{slug_attr}"{extra_attrs} async></script>
</body>
</html>
"""


@router.get("/try/{slug}")
async def try_page(
    slug: str,
    request: Request,
    language: Annotated[str | None, Query(max_length=35)] = None,
    open_panel: Annotated[bool, Query(alias="open")] = False,
    position: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """A page of this server embedding the widget for ``slug`` (``?language=``, ``?open=1``)."""
    if not _SLUG_RE.match(slug):
        return Response(
            f"Not a valid agent slug: {html.escape(slug[:80])}",
            status_code=404,
            media_type="text/plain; charset=utf-8",
        )
    extra = ""
    if language and _LANGUAGE_RE.match(language):
        extra += f' data-language="{html.escape(language)}"'
    if position in ("bottom-left", "bottom-right"):
        extra += f' data-position="{position}"'
    if open_panel:
        extra += ' data-open="true"'
    base = _public_base(request)
    snippet = f'<script src="{base}/widget.js" data-agent="{slug}" async></script>'
    page = _TRY_PAGE.format(
        slug_text=html.escape(slug),
        slug_attr=html.escape(slug, quote=True),
        extra_attrs=extra,
        snippet=html.escape(snippet),
    )
    return Response(
        page,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": _TRY_CSP,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


# --------------------------------------------------------------------------- dashboard

DASHBOARD_ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
DASHBOARD_CSP = "; ".join(
    [
        "default-src 'self'",
        # blob: for the audio worklet the voice client of "Try it" creates from a Blob.
        "script-src 'self' blob:",
        "style-src 'self'",
        "img-src 'self' data:",
        # The agent's voice on a voice call ("Try it").
        "media-src 'self' blob: mediastream:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)
_DASHBOARD_NOT_BUILT = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Oshara dashboard"
    "</title></head><body><h1>The dashboard is not built</h1><p>{hint}.</p></body></html>"
)


def _public_base(request: Request) -> str:
    settings = getattr(request.app.state, "settings", None)
    return str(getattr(settings, "public_url", "") or str(request.base_url)).rstrip("/")


@router.get("/")
async def root() -> Response:
    """The server's front page is the owner dashboard."""
    return RedirectResponse("/dashboard/", status_code=307)


@router.get("/dashboard")
async def dashboard_no_slash() -> Response:
    return RedirectResponse("/dashboard/", status_code=307)


@router.get("/dashboard/assets/{name}")
async def dashboard_asset(name: str, request: Request) -> Response:
    """The dashboard's script and style sheet (ETag; the HTML names them with a content hash)."""
    media_type = DASHBOARD_ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"No dashboard asset {name!r}")
    if _load(dist_dir() / "dashboard" / name) is None:
        raise _DocsNotBuilt(f"The dashboard is not built; {_BUILD_HINT}")
    response = _serve(f"dashboard/{name}", request, media_type)
    # Only this server's pages use these; no cross-origin embedding as for widget.js.
    del response.headers["Access-Control-Allow-Origin"]
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@router.get("/dashboard/{path:path}")
async def dashboard_page(path: str, request: Request) -> Response:
    """The dashboard's ``index.html`` for every client-side route."""
    headers = {
        "Content-Security-Policy": DASHBOARD_CSP,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }
    asset = _load(dist_dir() / "dashboard" / "index.html")
    if asset is None:
        body = _DASHBOARD_NOT_BUILT.format(hint=html.escape(_BUILD_HINT))
        return Response(body, 503, media_type="text/html; charset=utf-8", headers=headers)
    settings = getattr(request.app.state, "settings", None)
    registration = bool(getattr(settings, "registration_enabled", True))
    meta = (
        f'<meta name="oshara-public-url" content="{html.escape(_public_base(request))}">\n'
        f'<meta name="oshara-registration" content="{"true" if registration else "false"}">\n'
    )
    page = asset.body.decode("utf-8").replace("<title>", meta + "<title>", 1)
    return Response(page, media_type="text/html; charset=utf-8", headers=headers)
