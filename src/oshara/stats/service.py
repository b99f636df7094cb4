"""The overview figures, computed in Python from what the server records.

Buckets are UTC days. Rows are fetched already scoped and filtered by time in SQL (indexed
on ``created_at``); days and percentiles are computed here so SQLite and PostgreSQL give the
same answer (no dialect-specific date or percentile functions).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from oshara.auth.subject import AuthSubject
from oshara.characters.repository import CharacterRepository
from oshara.stats.repository import StatsRepository
from oshara.stats.schemas import (
    DayStats,
    LatencyStats,
    OverviewOut,
    OverviewTotals,
    ToolNameStats,
    ToolStats,
)

__all__ = ["overview", "percentile"]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) with linear interpolation between ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 1)


def _day(at: datetime) -> date:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).date()


async def overview(
    db: AsyncSession, subject: AuthSubject, *, days: int, agent: str | None
) -> OverviewOut:
    """Calls and form submissions per day, turn latency percentiles and the tool error rate
    of the last ``days`` UTC days (today included), for one agent or all of them."""
    character_id = None
    if agent:
        character_id = (await CharacterRepository(db).get_readable(subject, agent)).id
    now = datetime.now(UTC)
    first = now.date() - timedelta(days=days - 1)
    since = datetime.combine(first, time(), tzinfo=UTC)
    repo = StatsRepository(db, subject)
    sessions = await repo.sessions(character_id, since)
    forms = await repo.form_submissions(character_id, since)
    latencies = await repo.turn_latencies(character_id, since)
    tools = await repo.tool_calls(character_id, since)

    started = Counter(_day(at) for at, _ in sessions)
    connected = Counter(_day(at) for at, ok in sessions if ok)
    submitted = Counter(_day(at) for at in forms)
    per_day = [
        DayStats(
            date=day,
            sessions=started[day],
            calls=connected[day],
            form_submissions=submitted[day],
        )
        for day in (first + timedelta(days=i) for i in range(days))
    ]
    by_tool: dict[str, list[int]] = {}
    for name, status, count in tools:
        entry = by_tool.setdefault(name, [0, 0])
        entry[0] += count
        if status != "ok":
            entry[1] += count
    calls = sum(c for c, _ in by_tool.values())
    errors = sum(e for _, e in by_tool.values())
    return OverviewOut(
        days=days,
        since=since,
        until=now,
        agent=agent,
        per_day=per_day,
        totals=OverviewTotals(
            sessions=sum(started.values()),
            calls=sum(connected.values()),
            form_submissions=sum(submitted.values()),
        ),
        latency=LatencyStats(
            turns=len(latencies),
            median_ms=percentile(latencies, 0.5),
            p95_ms=percentile(latencies, 0.95),
        ),
        tools=ToolStats(
            calls=calls,
            errors=errors,
            error_rate=round(errors / calls, 4) if calls else None,
            by_tool=[
                ToolNameStats(name=name, calls=c, errors=e)
                for name, (c, e) in sorted(by_tool.items(), key=lambda kv: (-kv[1][0], kv[0]))
            ],
        ),
    )
