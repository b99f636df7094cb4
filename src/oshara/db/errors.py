"""A database outage is a 503 with ``Retry-After``, not a 500.

:func:`database_unavailable` tells connection-level failures (the server is down, refuses,
is restarting, is out of connections; the SQLite file cannot be opened or is locked) from
real bugs (an ``IntegrityError``, bad SQL, a missing table), which stay 500s.
:func:`install_database_errors` registers the handler on the app.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc

__all__ = [
    "RETRY_AFTER_SECONDS",
    "UNAVAILABLE_DETAIL",
    "database_unavailable",
    "install_database_errors",
]

log = logging.getLogger("oshara.db")

RETRY_AFTER_SECONDS = 5
UNAVAILABLE_DETAIL = "The database is unavailable; try again shortly"

_DRIVER_MODULES = ("sqlalchemy", "asyncpg", "aiosqlite", "sqlite3")
# SQLite's messages for a file it cannot use right now (not "no such table": a bug or an
# unmigrated database, which must stay visible as a 500).
_SQLITE_UNAVAILABLE = (
    "unable to open database",
    "database is locked",
    "disk i/o error",
    "database or disk is full",
)


def _asyncpg_unavailable() -> tuple[type[BaseException], ...]:
    try:
        from asyncpg import exceptions as pg  # type: ignore[import-untyped]
    except ImportError:
        return ()
    return (
        pg.PostgresConnectionError,  # SQLSTATE 08: connection exceptions
        pg.CannotConnectNowError,  # 57P03: starting up / shutting down
        pg.AdminShutdownError,  # 57P01
        pg.CrashShutdownError,  # 57P02
        pg.TooManyConnectionsError,  # 53300
        pg.InvalidAuthorizationSpecificationError,  # 28: the server refuses our login
    )


_ASYNCPG_UNAVAILABLE = _asyncpg_unavailable()


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, the DBAPI error SQLAlchemy wraps, and their causes (bounded, no cycles)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 16:
        err = todo.pop(0)
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        yield err
        orig = getattr(err, "orig", None)
        todo.extend(
            [orig if isinstance(orig, BaseException) else None, err.__cause__, err.__context__]
        )


def _frames(tb: TracebackType | None) -> Iterator[tuple[str, str]]:
    while tb is not None:
        yield str(tb.tb_frame.f_globals.get("__name__", "")), tb.tb_frame.f_code.co_name
        tb = tb.tb_next


def _while_connecting(err: BaseException) -> bool:
    """Raised while the pool was opening a connection (whatever the driver raised)."""
    return any(
        (module == "sqlalchemy.pool.base" and name == "__connect")
        or module.startswith("asyncpg.connect_utils")
        for module, name in _frames(err.__traceback__)
    )


def _from_driver(err: BaseException) -> bool:
    return any(module.startswith(_DRIVER_MODULES) for module, _ in _frames(err.__traceback__))


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached or used right now."""
    if isinstance(exc, sa_exc.IntegrityError | sa_exc.ProgrammingError | sa_exc.DataError):
        return False
    for err in _chain(exc):
        if isinstance(err, sa_exc.DBAPIError) and err.connection_invalidated:
            return True
        if isinstance(err, sa_exc.TimeoutError | sa_exc.DisconnectionError):
            return True  # the pool had no connection to give within its timeout
        if _ASYNCPG_UNAVAILABLE and isinstance(err, _ASYNCPG_UNAVAILABLE):
            return True
        if isinstance(err, sqlite3.OperationalError | sa_exc.OperationalError):
            message = str(err.args[0] if err.args else "").lower()
            if any(phrase in message for phrase in _SQLITE_UNAVAILABLE):
                return True
        if _while_connecting(err):
            return True
        if isinstance(err, OSError) and _from_driver(err):
            return True  # refused, reset, unreachable, timed out: from the driver's socket
    return False


def _unavailable_response() -> JSONResponse:
    return JSONResponse(
        {"detail": UNAVAILABLE_DETAIL},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _log(request: Request, exc: BaseException) -> None:
    # Names only: SQLAlchemy's messages quote SQL parameters (hashes, emails, values), and a
    # traceback adds nothing an operator can act on beyond "the database is down".
    names = " <- ".join(dict.fromkeys(type(err).__name__ for err in _chain(exc)))
    log.warning("database unavailable on %s %s (%s)", request.method, request.url.path, names)


async def _handle(request: Request, exc: Exception) -> JSONResponse:
    if not database_unavailable(exc):
        raise exc  # a real error: the generic 500 handler logs it as before
    _log(request, exc)
    return _unavailable_response()


def unavailable_or_none(request: Request, exc: BaseException) -> JSONResponse | None:
    """For the catch-all handler: the 503 response if ``exc`` is a database outage."""
    if not database_unavailable(exc):
        return None
    _log(request, exc)
    return _unavailable_response()


def install_database_errors(app: FastAPI) -> None:
    """Answer connection-level database failures with 503 + ``Retry-After``."""
    classes: list[type[Exception]] = [sa_exc.SQLAlchemyError, OSError, sqlite3.Error]
    try:
        import asyncpg
    except ImportError:
        pass
    else:
        classes += [asyncpg.PostgresError, asyncpg.InterfaceError]
    handler: Any = _handle
    for cls in classes:
        app.add_exception_handler(cls, handler)
