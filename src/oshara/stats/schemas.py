"""Bodies of the statistics endpoints."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class DayStats(BaseModel):
    """One UTC day."""

    date: date
    sessions: int = Field(description="Sessions started (tokens issued)")
    calls: int = Field(description="Sessions that connected (a call or a text conversation)")
    form_submissions: int


class LatencyStats(BaseModel):
    """Per-turn latency: user stopped speaking (or sent a message) → first agent output."""

    turns: int = Field(description="Turns with a recorded latency")
    median_ms: float | None
    p95_ms: float | None


class ToolStats(BaseModel):
    """Tool calls made by the agents; ``error_rate`` is errors / calls (null without calls)."""

    calls: int
    errors: int
    error_rate: float | None
    by_tool: list[ToolNameStats] = Field(default_factory=list)


class ToolNameStats(BaseModel):
    name: str
    calls: int
    errors: int


class OverviewTotals(BaseModel):
    sessions: int
    calls: int
    form_submissions: int


class OverviewOut(BaseModel):
    """``GET /api/stats/overview/``."""

    days: int
    since: datetime = Field(description="Start of the first day (UTC midnight)")
    until: datetime = Field(description="When the figures were computed")
    agent: str | None
    per_day: list[DayStats] = Field(description="Every day of the window, oldest first")
    totals: OverviewTotals
    latency: LatencyStats
    tools: ToolStats


ToolStats.model_rebuild()
