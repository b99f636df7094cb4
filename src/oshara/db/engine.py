"""Engine and session factory; the request dependency commits on success, rolls back on error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys, WAL and a busy timeout."""
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs = {"connect_args": {"timeout": 30}}
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so
            # SAVEPOINTs work (SQLAlchemy's documented pysqlite/aiosqlite recipe).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE: a transaction that reads and later writes would otherwise fail with
            # SQLITE_BUSY when another connection committed in between (a stale WAL
            # snapshot cannot be upgraded). Writers queue on the busy timeout instead.
            # Keep transactions short: never await slow I/O while holding one.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; committed when the endpoint returns without raising."""
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException as exc:
            # A few errors must keep their writes (e.g. revoking a login on refresh reuse).
            if getattr(exc, "commit_anyway", False):
                await session.commit()
            else:
                await session.rollback()
            raise


DB = Annotated[AsyncSession, Depends(get_db, scope="function")]
"""The request's database session; commits before the response is sent."""
