"""The AI character: prompt, voice, tools, forms and limits of one agent."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oshara.db.base import Base, IdTimestamps, JSONType


class Character(IdTimestamps, Base):
    __tablename__ = "characters"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    system_prompt: Mapped[str] = mapped_column(Text, default="")
    greeting: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(35), default="en")
    allowed_origins: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    llm_model: Mapped[str] = mapped_column(String(200))
    stt_model: Mapped[str] = mapped_column(String(200))
    tts_model: Mapped[str] = mapped_column(String(200))
    voice: Mapped[str | None] = mapped_column(String(200), default=None)
    widget_appearance: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    tools: Mapped[list[dict[str, Any]]] = mapped_column(JSONType(), default=list)
    """Tools as stored: header values encrypted (see ``characters.tools.seal_tools``)."""
    limits: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    builtins: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    webhook_secret: Mapped[str | None] = mapped_column(Text, default=None)
    """The Standard Webhooks signing secret of its ``http`` tools, encrypted (``SecretBox``);
    ``None``: requests are not signed. Never in a response after the one that created it."""
    webhook_secret_created_at: Mapped[datetime | None] = mapped_column(default=None)
