"""Rebuild the web assets when a dashboard source (.tsx, .css, .html) is newer than the build."""

from __future__ import annotations

import shutil
import subprocess

from oshara import webassets
from tests.web.browser import WEB


def dashboard_build() -> None:
    src = WEB / "src"
    files = [
        *src.glob("**/*.ts"),
        *src.glob("**/*.tsx"),
        *src.glob("dashboard/*.css"),
        *src.glob("dashboard/*.html"),
        WEB / "build.mjs",
        WEB / "package-lock.json",
    ]
    newest = max(f.stat().st_mtime for f in files if f.exists())
    built = webassets.dist_dir() / "dashboard" / "index.html"
    if not built.exists() or built.stat().st_mtime < newest:
        node = shutil.which("node")
        assert node is not None
        subprocess.run([node, "build.mjs"], cwd=WEB, check=True, timeout=180)
