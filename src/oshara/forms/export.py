"""CSV export of stored form responses (``GET /api/agents/{slug}/form-responses.csv``).

Columns: ``created_at, id, form_id, session_id, source``, then one column per field of the
character's forms (the requested form's, or every form's when no ``form_id`` is given), in the
forms' display order, headed by the field's label (``label (name)`` when two columns would
share a heading). Values stored under names no current form has (a field removed since) follow
in name order, headed by the name. Cells a spreadsheet would run as a formula (starting with
``= + - @``, a tab or a carriage return) are prefixed with ``'``. UTF-8 with a byte-order mark
(so spreadsheet programs read accents correctly), CRLF line ends, a header row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from oshara.characters.models import Character
from oshara.forms.definitions import FormDefinition, parse_forms
from oshara.forms.models import FormResponse

__all__ = ["FIXED_COLUMNS", "csv_cell", "responses_csv"]

FIXED_COLUMNS = ("created_at", "id", "form_id", "session_id", "source")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """One cell as text, safe against CSV (formula) injection."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, int | float):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _field_columns(forms: Iterable[FormDefinition]) -> list[tuple[str, str]]:
    """``[(value key, heading)]`` for every named field, first appearance wins."""
    columns: list[tuple[str, str]] = []
    seen_names: set[str] = set()
    headings: set[str] = set(FIXED_COLUMNS)
    for form in forms:
        for field in form.all_fields():
            if field.name is None or field.name in seen_names:
                continue
            seen_names.add(field.name)
            heading = field.label.strip() or field.name
            if heading in headings:
                heading = f"{heading} ({field.name})"
            headings.add(heading)
            columns.append((field.name, heading))
    return columns


def responses_csv(character: Character, rows: Sequence[FormResponse], form_id: str | None) -> bytes:
    """The CSV document of ``rows`` (see the module docstring)."""
    forms = parse_forms((character.widget_appearance or {}).get("forms") or [])
    if form_id:
        forms = [f for f in forms if f.id == form_id]
    columns = _field_columns(forms)
    known = {key for key, _ in columns}
    headings = {heading for _, heading in columns} | set(FIXED_COLUMNS)
    extra = sorted({k for row in rows for k in (row.values or {}) if k not in known})
    for key in extra:
        heading = key if key not in headings else f"{key} (stored)"
        headings.add(heading)
        columns.append((key, heading))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in (*FIXED_COLUMNS, *(h for _, h in columns))])
    for row in rows:
        values = row.values or {}
        fixed = [
            row.created_at.isoformat(),
            str(row.id),
            row.form_id,
            row.session_id,
            row.source,
        ]
        writer.writerow(
            [csv_cell(v) for v in fixed] + [csv_cell(values.get(k)) for k, _ in columns]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
