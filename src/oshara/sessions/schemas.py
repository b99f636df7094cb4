"""Bodies of the session endpoints."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_METADATA_BYTES = 16_384
MAX_METADATA_DEPTH = 8


def json_depth(value: Any) -> int:
    """Nesting depth of a JSON value, computed without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


class AgentSessionIn(BaseModel):
    """``POST /api/agents/agent-session/`` (guide, Pattern 1)."""

    model_config = ConfigDict(extra="forbid")
    agent: str = Field(min_length=1, max_length=63, description="The character's slug.")
    language: str | None = Field(
        default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35
    )
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="The caller's user context, rendered into the prompt."
    )
    mode: Literal["voice", "text"] = "voice"

    @field_validator("metadata")
    @classmethod
    def _metadata_size(cls, v: dict[str, Any]) -> dict[str, Any]:
        if json_depth(v) > MAX_METADATA_DEPTH:
            raise ValueError(f"metadata must be nested at most {MAX_METADATA_DEPTH} levels deep")
        if len(json.dumps(v, ensure_ascii=False).encode()) > MAX_METADATA_BYTES:
            raise ValueError(f"metadata must be at most {MAX_METADATA_BYTES} bytes of JSON")
        return v


class AgentSessionOut(BaseModel):
    session_id: str
    token: str
    transport: Literal["webrtc", "livekit", "text"]
    livekit_url: str | None
    webrtc_url: str | None
    expires_at: datetime


class TurnOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    role: str
    text: str
    started_at: datetime
    ended_at: datetime | None
    interrupted: bool
    latency_ms: float | None


class ToolCallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    arguments: dict[str, Any]
    status: str
    duration_ms: float | None
    result: Any
    error: str | None
    created_at: datetime


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kind: str
    data: dict[str, Any]
    created_at: datetime


class SessionSummary(BaseModel):
    id: str
    agent: str
    language: str
    metadata: dict[str, Any]
    origin: str | None
    transport: str
    mode: str
    status: str
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None


class SessionDetail(SessionSummary):
    transcript: list[TurnOut]
    tool_calls: list[ToolCallOut]
    events: list[EventOut]
    metrics: dict[str, Any]
