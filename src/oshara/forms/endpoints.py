"""``/api/agents/{slug}/form-responses/``: public submissions, the owner's export."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response

from oshara.characters.access import public_character
from oshara.characters.repository import CharacterRepository
from oshara.db.engine import DB
from oshara.deps import CurrentSubject, OptionalSubject, SettingsDep
from oshara.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
    error_responses,
)
from oshara.forms.export import responses_csv
from oshara.forms.schemas import FormInvalidBody, FormResponseIn, FormResponseOut
from oshara.forms.service import FormService
from oshara.ratelimit import FormLimit

router = APIRouter(prefix="/api/agents", tags=["forms"])


@router.post(
    "/{slug}/form-responses/",
    response_model=FormResponseOut,
    status_code=201,
    responses={
        **error_responses(Forbidden, NotFound, Conflict, TooManyRequests),
        400: {"model": FormInvalidBody, "description": "Invalid submission: the bad fields"},
    },
)
async def submit_form_response(
    slug: str,
    _rate: FormLimit,
    body: FormResponseIn,
    request: Request,
    response: Response,
    db: DB,
    settings: SettingsDep,
    subject: OptionalSubject,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> FormResponseOut:
    """Store a submission of one of the agent's forms (``submit_url: null``).

    Validated against the stored form: 400 with ``field_errors`` naming each bad field and
    nothing stored. A repeated ``Idempotency-Key`` returns the first result.
    """
    # A request without Origin is not a browser (a native app, guide Pattern 5); a browser
    # on a disallowed origin still gets 403.
    character = await public_character(db, slug, request, settings, subject, origin_required=False)
    owner = subject is not None and subject.organization_id == character.organization_id
    record, replayed = await FormService(db).submit(
        character,
        body.form_id,
        body.values,
        session_id=body.session_id,
        source="api" if owner else "widget",
        idempotency_key=idempotency_key,
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return FormResponseOut.model_validate(record)


def _bound(value: str | None, name: str, *, end: bool) -> datetime | None:
    """Parse an ISO date or datetime; a bare ``until`` date includes that whole day."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            if end:
                day = date.fromordinal(day.toordinal() + 1)
            return datetime.combine(day, time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed(
            [{"field": name, "message": "must be an ISO 8601 date or datetime, e.g. 2026-01-31"}]
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


MAX_JSON_LIMIT = 5000
MAX_CSV_LIMIT = 100_000


@router.get(
    "/{slug}/form-responses/",
    response_model=list[FormResponseOut],
    responses={
        200: {
            "description": "The responses: JSON (default) or, with ``format=csv``, a CSV "
            "download (UTF-8 with a byte-order mark, a header row)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **error_responses(ValidationFailed, Unauthorized, NotFound),
    },
)
async def list_form_responses(
    slug: str,
    subject: CurrentSubject,
    db: DB,
    form_id: Annotated[str | None, Query(max_length=64)] = None,
    session_id: Annotated[str | None, Query(max_length=40)] = None,
    since: Annotated[str | None, Query(description="ISO date/datetime, inclusive")] = None,
    until: Annotated[str | None, Query(description="ISO date/datetime, exclusive")] = None,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_CSV_LIMIT,
            description=f"JSON: default 1000, at most {MAX_JSON_LIMIT}; "
            f"CSV: default and at most {MAX_CSV_LIMIT}",
        ),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
    format: Annotated[
        Literal["json", "csv"], Query(description="csv: the same rows as a CSV download")
    ] = "json",
) -> Any:
    """Stored submissions of one agent, oldest first (the guide's nightly sync).

    ``format=csv``: the same rows as a download. Columns ``created_at, id, form_id,
    session_id, source``, then one per field of the form (of every form without
    ``form_id``), headed by the field's label; cells starting with ``= + - @`` are prefixed
    with ``'`` so spreadsheets never run them as formulas.
    """
    if format == "json" and limit is not None and limit > MAX_JSON_LIMIT:
        raise ValidationFailed(
            [{"field": "limit", "message": f"must be at most {MAX_JSON_LIMIT} (or use format=csv)"}]
        )
    character = await CharacterRepository(db).get_readable(subject, slug)
    rows = await FormService(db).list(
        character,
        form_id=form_id,
        session_id=session_id,
        since=_bound(since, "since", end=False),
        until=_bound(until, "until", end=True),
        limit=limit or (1000 if format == "json" else MAX_CSV_LIMIT),
        offset=offset,
    )
    if format == "json":
        return [FormResponseOut.model_validate(r) for r in rows]
    name = f"{slug}-form-responses{'-' + form_id if form_id else ''}.csv"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return Response(
        responses_csv(character, rows, form_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )
