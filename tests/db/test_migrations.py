"""The migrations against the models, and the webhook-secret migration down and up again, on
a fresh SQLite file and a fresh PostgreSQL database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from oshara.db.engine import create_engine
from oshara.db.migrate import alembic_config, upgrade
from oshara.db.models import Base
from tests.conftest import BACKENDS, _create_pg_database, _drop_pg_database

WEBHOOK_SECRET_REVISION = "38451602c81b"
BEFORE_WEBHOOK_SECRET = "9dfdfb4fea6a"


@pytest.fixture(params=BACKENDS)
async def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    pg_name = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    else:
        pg_name, url = await _create_pg_database()
    engine = create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()
        if pg_name:
            await _drop_pg_database(pg_name)


def _include(name: str | None, type_: str, _parents: object) -> bool:
    return not (type_ == "table" and name is not None and name.startswith("knowledge_chunks_fts"))


def _diff(conn: Connection) -> list[Any]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": _include})
    return list(compare_metadata(ctx, Base.metadata))


async def _downgrade(engine: AsyncEngine, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))

    def run(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


def _columns(conn: Connection) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns("characters")}


async def test_models_match_the_migrations(fresh: AsyncEngine) -> None:
    await upgrade(fresh)
    async with fresh.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def test_webhook_secret_migration_down_and_up(fresh: AsyncEngine) -> None:
    await upgrade(fresh)
    org, character = uuid.uuid4(), uuid.uuid4()
    async with fresh.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO organizations (id, name, created_at, updated_at) "
                "VALUES (:id, 'Org', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"id": org if fresh.dialect.name == "postgresql" else org.hex},
        )
        await conn.execute(
            text(
                "INSERT INTO characters (id, organization_id, slug, name, system_prompt, "
                "greeting, language, allowed_origins, llm_model, stt_model, tts_model, "
                "widget_appearance, tools, limits, builtins, webhook_secret, "
                "webhook_secret_created_at, created_at, updated_at) VALUES (:id, :org, "
                "'kept-bot', 'Kept', '', '', 'en', '[]', 'm', 's', 't', '{}', '[]', '{}', "
                "'{}', 'sealed', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {
                "id": character if fresh.dialect.name == "postgresql" else character.hex,
                "org": org if fresh.dialect.name == "postgresql" else org.hex,
            },
        )
    await _downgrade(fresh, BEFORE_WEBHOOK_SECRET)
    async with fresh.connect() as conn:
        columns = await conn.run_sync(_columns)
        assert not {"webhook_secret", "webhook_secret_created_at"} & columns
        assert (await conn.execute(text("SELECT slug FROM characters"))).scalar_one() == "kept-bot"
    await upgrade(fresh, WEBHOOK_SECRET_REVISION)
    async with fresh.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT slug, webhook_secret, webhook_secret_created_at FROM characters")
            )
        ).one()
        assert tuple(row) == ("kept-bot", None, None)
