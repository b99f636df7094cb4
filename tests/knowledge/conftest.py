"""Knowledge-base fixtures: an owner with a character and the upload body limit installed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from oshara.knowledge.ingest import shutdown
from oshara.knowledge.limits import KnowledgeLimits
from tests.helpers import auth_headers, character_body

from .kbutil import Owner, install_knowledge


@pytest.fixture
def kb_limits() -> KnowledgeLimits:
    """Override in a module to change the knowledge-base limits of its app."""
    return KnowledgeLimits()


@pytest.fixture
async def owner(
    app: FastAPI, client: httpx.AsyncClient, kb_limits: KnowledgeLimits
) -> AsyncIterator[Owner]:
    install_knowledge(app, kb_limits)
    headers = await auth_headers(client, "kb-owner@example.com", "KB Org")
    r = await client.post("/api/ai-characters/", json=character_body("kb-bot"), headers=headers)
    assert r.status_code == 201, r.text
    yield Owner(client, headers, "kb-bot", app, kb_limits)
    await shutdown(grace_seconds=30)
