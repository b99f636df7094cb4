"""``GET /api/stats/overview/``: the dashboard's overview figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from oshara.db.engine import DB
from oshara.deps import CurrentSubject
from oshara.errors import NotFound, Unauthorized, ValidationFailed, error_responses
from oshara.stats.schemas import OverviewOut
from oshara.stats.service import overview

router = APIRouter(prefix="/api/stats", tags=["stats"])


@router.get(
    "/overview/",
    response_model=OverviewOut,
    responses=error_responses(ValidationFailed, Unauthorized, NotFound),
)
async def get_overview(
    subject: CurrentSubject,
    db: DB,
    days: Annotated[int, Query(ge=1, le=366, description="UTC days, today included")] = 30,
    agent: Annotated[str | None, Query(max_length=63, description="One agent's slug")] = None,
) -> OverviewOut:
    """Sessions, calls and form submissions per day, median and p95 turn latency and the tool
    error rate of your organization (or one agent) over the last ``days`` days."""
    return await overview(db, subject, days=days, agent=agent)
