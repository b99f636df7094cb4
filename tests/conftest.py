"""Shared fixtures: real SQLite and PostgreSQL databases built by the real migrations.

Every test that uses ``client`` runs once per backend. Tables are emptied after each test.
``OSHARA_TEST_BACKENDS`` (comma-separated: sqlite, postgresql) narrows the set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from oshara.app import create_app
from oshara.config import Settings
from oshara.db.engine import create_engine
from oshara.db.migrate import upgrade
from oshara.db.models import Base

PG_ADMIN_URL = os.environ.get("OSHARA_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
BACKENDS = [
    b.strip()
    for b in os.environ.get("OSHARA_TEST_BACKENDS", "sqlite,postgresql").split(",")
    if b.strip()
]


@dataclass
class Database:
    backend: str
    url: str
    engine: AsyncEngine


async def _create_pg_database() -> tuple[str, str]:
    name = f"oshara_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL)
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return name, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


async def _drop_pg_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL)
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    backend: str = request.param
    pg_name = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'oshara.db'}"
    elif backend == "postgresql":
        pg_name, url = await _create_pg_database()
    else:
        raise ValueError(f"unknown backend {backend}")
    engine = create_engine(url)
    await upgrade(engine)
    try:
        yield Database(backend, url, engine)
    finally:
        await engine.dispose()
        if pg_name:
            await _drop_pg_database(pg_name)


async def _empty_tables(engine: AsyncEngine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for t in tables:
                await conn.execute(text(f'DELETE FROM "{t}"'))


def make_settings(database: Database, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "database_url": database.url,
        "data_dir": tmp_path,
        "secret_key": "test-secret-" + "x" * 40,
        "public_url": "http://testserver",
        "agent_enabled": False,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
async def app(
    database: Database, tmp_path: Path, settings_overrides: dict[str, Any]
) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(database, tmp_path, **settings_overrides))
    async with application.router.lifespan_context(application):
        yield application
    await _empty_tables(database.engine)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"
