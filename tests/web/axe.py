"""Accessibility checks with axe-core (npm ``axe-core``, a pinned devDependency of web/).

``assert_accessible(b, "agents")`` injects ``web/node_modules/axe-core/axe.min.js`` into the
page and runs ``axe.run()``; any violation of impact ``serious`` or ``critical`` fails the test
with the rule, its help text and the offending elements.

The dashboard's CSP forbids inline scripts, so a ``<script>`` tag added to the page would be
refused; the source is evaluated through the DevTools protocol instead (the driver's ``eval``),
which is what ``page.add_script_tag`` would amount to on a page without a CSP.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from tests.web.browser import WEB, Browser

AXE_JS = WEB / "node_modules" / "axe-core" / "axe.min.js"
FAILING = ("serious", "critical")


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: install web/'s dependencies (npm ci)")
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(b: Browser) -> list[dict[str, Any]]:
    """The page's axe violations (all impacts), each with its rule, impact, help and targets."""
    # The source runs inside a function: no `module`/`define` there, so axe sets `window.axe`.
    expr = (
        "if (!window.axe) {\n" + _axe_source() + "\n}\n"
        "const r = await window.axe.run(document, { resultTypes: ['violations'] });\n"
        "return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map((n) => ({ target: n.target.join(' '),"
        " summary: n.failureSummary || '' })) }));"
    )
    result: list[dict[str, Any]] = b.call("eval", expr=expr)
    return result


def assert_accessible(b: Browser, page: str) -> None:
    """Fail when axe finds a serious or critical violation on the current page."""
    bad = [v for v in run_axe(b) if v.get("impact") in FAILING]
    if bad:
        lines = [f"axe found {len(bad)} serious/critical violation(s) on {page}:"]
        for v in bad:
            lines.append(f"- [{v['impact']}] {v['id']}: {v['help']}")
            for node in v["nodes"][:5]:
                lines.append(f"    {node['target']}: {json.dumps(node['summary'])[:300]}")
        raise AssertionError("\n".join(lines))
