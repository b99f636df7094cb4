"""Form submissions kept in managed storage (``submit_url: null``)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oshara.db.base import Base, IdTimestamps, JSONType


class FormResponse(IdTimestamps, Base):
    __tablename__ = "form_responses"
    __table_args__ = (
        UniqueConstraint("character_id", "idempotency_key"),
        Index(
            "ix_form_responses_character_id_form_id_created_at",
            "character_id",
            "form_id",
            "created_at",
        ),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    character_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("characters.id", ondelete="CASCADE"))
    form_id: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), default=None, index=True
    )
    values: Mapped[dict[str, Any]] = mapped_column(JSONType())
    source: Mapped[str] = mapped_column(String(20), default="api")
    idempotency_key: Mapped[str | None] = mapped_column(String(200), default=None)
    request_hash: Mapped[str | None] = mapped_column(String(64), default=None)
