"""``GET /api/health/``: liveness plus a database round trip."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from oshara import __version__
from oshara.db.engine import DB

router = APIRouter(tags=["health"])


@router.get("/api/health/")
async def health(db: DB) -> dict[str, str]:
    await db.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__}
