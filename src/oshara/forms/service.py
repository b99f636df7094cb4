"""Storing form submissions: validated against the character's stored form, idempotent."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from oshara.characters.models import Character
from oshara.errors import Conflict, ValidationFailed
from oshara.forms.definitions import FormDefinition, parse_forms
from oshara.forms.models import FormResponse
from oshara.forms.validation import normalise_values, validate_submission
from oshara.sessions.models import AgentSession, SessionEvent

MAX_IDEMPOTENCY_KEY = 200


class FormInvalid(ValidationFailed):
    """400 with per-field errors, both as a list and as ``field_errors`` keyed by field name."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        errors = [
            {"field": "values" if name == "_form" else f"values.{name}", "message": msg}
            for name, msg in field_errors.items()
        ]
        super().__init__(errors)
        self.extra["field_errors"] = field_errors


def find_form(character: Character, form_id: str) -> FormDefinition:
    forms = parse_forms((character.widget_appearance or {}).get("forms") or [])
    for form in forms:
        if form.id == form_id:
            return form
    known = ", ".join(repr(f.id) for f in forms) or "none"
    raise ValidationFailed(
        [{"field": "form_id", "message": f"Unknown form {form_id!r} (this agent has: {known})"}]
    )


def _request_hash(form_id: str, values: Any, session_id: str | None) -> str:
    raw = json.dumps([form_id, values, session_id], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


class FormService:
    """Never commits; the request (or the voice runtime) owns the transaction."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def submit(
        self,
        character: Character,
        form_id: str,
        values: Any,
        *,
        session_id: str | None,
        source: str,
        idempotency_key: str | None,
    ) -> tuple[FormResponse, bool]:
        """Validate and store a submission. Returns ``(record, replayed)``."""
        if idempotency_key is not None and not (0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY):
            raise ValidationFailed(
                [
                    {
                        "field": "Idempotency-Key",
                        "message": f"must be 1 to {MAX_IDEMPOTENCY_KEY} characters",
                    }
                ]
            )
        request_hash = _request_hash(form_id, values, session_id)
        if idempotency_key:
            previous = await self._by_key(character.id, idempotency_key)
            if previous is not None:
                return self._replay(previous, request_hash), True

        form = find_form(character, form_id)
        errors = validate_submission(form, values)
        if errors:
            raise FormInvalid(errors)
        if session_id is not None:
            session = await self.db.get(AgentSession, session_id)
            if session is None or session.character_id != character.id:
                raise ValidationFailed(
                    [
                        {
                            "field": "session_id",
                            "message": f"Unknown session {session_id!r} for this agent",
                        }
                    ]
                )
        record = FormResponse(
            organization_id=character.organization_id,
            character_id=character.id,
            form_id=form.id,
            session_id=session_id,
            values=normalise_values(form, values),
            source=source,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
        )
        try:
            async with self.db.begin_nested():
                self.db.add(record)
                await self.db.flush()
        except IntegrityError:
            # A concurrent request with the same Idempotency-Key won the race.
            previous = await self._by_key(character.id, idempotency_key or "")
            if previous is None:
                raise
            return self._replay(previous, request_hash), True
        if session_id is not None:
            self.db.add(
                SessionEvent(
                    session_id=session_id,
                    kind="form_submitted",
                    data={"form_id": form.id, "form_response_id": str(record.id), "source": source},
                )
            )
        return record, False

    async def _by_key(self, character_id: uuid.UUID, key: str) -> FormResponse | None:
        return await self.db.scalar(
            select(FormResponse).where(
                FormResponse.character_id == character_id, FormResponse.idempotency_key == key
            )
        )

    @staticmethod
    def _replay(previous: FormResponse, request_hash: str) -> FormResponse:
        if previous.request_hash != request_hash:
            raise Conflict(
                "Idempotency-Key was already used with a different request body; use a new key"
            )
        return previous

    async def list(
        self,
        character: Character,
        *,
        form_id: str | None,
        session_id: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        offset: int,
    ) -> Sequence[FormResponse]:
        stmt = select(FormResponse).where(FormResponse.character_id == character.id)
        if form_id:
            stmt = stmt.where(FormResponse.form_id == form_id)
        if session_id:
            stmt = stmt.where(FormResponse.session_id == session_id)
        if since:
            stmt = stmt.where(FormResponse.created_at >= since)
        if until:
            stmt = stmt.where(FormResponse.created_at < until)
        stmt = stmt.order_by(FormResponse.created_at, FormResponse.id).limit(limit).offset(offset)
        return (await self.db.scalars(stmt)).all()
