"""How fresh the data are: for each kind of source (the kinds of files imported), the last date
an event of that kind falls on, the last successful import of that kind, and how many days
have passed since the fresher of the two (the last import, or the last event for a source
never imported: demo data, a database filled by another tool).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from data_access.importing.fields import KIND_LABELS
from indicators.dataset import Dataset

SOURCES: dict[str, list[tuple[str, str]]] = {
    "learners": [("enrolments", "entry_date"), ("enrolments", "exit_date")],
    "copies": [("copies", "submitted_on"), ("copies", "corrected_on")],
    "tutoring": [("tutoring_requests", "received_at"), ("tutoring_requests", "answered_at")],
    "interviews": [("interviews", "held_on")],
    "sessions": [("support_sessions", "held_on")],
    "diagnostics": [("diagnostics", "assessed_on")],
}
"""Kind of file -> the (frame, date column) its events are dated by."""


def _last_day(dataset: Dataset, columns: list[tuple[str, str]]) -> date | None:
    days = []
    for frame_name, column in columns:
        frame = getattr(dataset.frames, frame_name)
        value = frame.get_column(column).max() if frame.height else None
        if value is not None:
            days.append(value.date() if hasattr(value, "date") else value)
    return max(days) if days else None


def last_events(dataset: Dataset) -> dict[str, date | None]:
    """Kind of source -> the last date an event of that kind falls on (None: no event): the
    maxima of a dozen date columns of the whole data (tens of milliseconds at national scale),
    the same as long as the data are."""
    return {kind: _last_day(dataset, columns) for kind, columns in SOURCES.items()}


def freshness(
    dataset: Dataset,
    imports: pl.DataFrame,
    today: date,
    stale_after_days: int,
    *,
    last: dict[str, date | None] | None = None,
) -> pl.DataFrame:
    """One row per kind of source that holds data or was imported: kind, label (French),
    last_event (date), last_import (date-time, null when never imported), age_days (days from
    the last import, or else the last event, to ``today``), stale (age_days >
    ``stale_after_days``). ``imports``: kind, imported_at (data_access last_imports); ``last``:
    ``last_events(dataset)`` when the caller keeps it (computed otherwise)."""
    last = last if last is not None else last_events(dataset)
    imported = dict(zip(imports.get_column("kind"), imports.get_column("imported_at"), strict=True))
    rows = []
    for kind in SOURCES:
        last_event, last_import = last[kind], imported.get(kind)
        if last_event is None and last_import is None:
            continue
        since = last_import.date() if last_import is not None else last_event
        age = (today - since).days
        rows.append((kind, KIND_LABELS[kind], last_event, last_import, age, age > stale_after_days))
    return pl.DataFrame(
        rows,
        schema={
            "kind": pl.String,
            "label": pl.String,
            "last_event": pl.Date,
            "last_import": pl.Datetime("us"),
            "age_days": pl.Int64,
            "stale": pl.Boolean,
        },
        orient="row",
    )
