"""What happened week by week, per site and discipline, before the forecast starts.

The forecast starts on ``first_week(as_of)``: the Monday after ``as_of`` when ``as_of`` is a
Sunday, else the Monday of the week holding ``as_of`` (that week is forecast whole, and the
days of it the data already hold are not used). Only the full weeks before it are history;
the backlog the queue starts from is the one on the eve of that Monday.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import polars as pl

from indicators.common import Scope
from indicators.dataset import Dataset

NO_VALUE = "(non renseigné)"
KEYS = ("site", "discipline")
STALE_DAYS = 28
WEEKLY_SCHEMA: dict[str, pl.DataType] = {
    "week_start": pl.Date(),
    "site": pl.String(),
    "discipline": pl.String(),
    "copies_received": pl.Int64(),
    "copies_corrected": pl.Int64(),
    "requests_received": pl.Int64(),
    "requests_answered": pl.Int64(),
}


def first_week(as_of: date) -> date:
    """The Monday the forecast starts on (see the module docstring)."""
    day = as_of + timedelta(days=1)
    return day - timedelta(days=day.weekday())


def _keys() -> list[pl.Expr]:
    return [pl.col(key).fill_null(NO_VALUE).alias(key) for key in KEYS]


def _weeks_of(frame: pl.DataFrame, column: str, *extra: str) -> pl.LazyFrame:
    """The events of ``frame`` that have a ``column`` date: its week, the keys (empty ones
    not named yet: see ``_named``) and ``extra`` (lazy, only those columns read: the frames
    hold millions of rows)."""
    return (
        frame.lazy()
        .select(pl.col(column).cast(pl.Date).alias("_day"), *KEYS, *extra)
        .filter(pl.col("_day").is_not_null())
        .with_columns(pl.col("_day").dt.truncate("1w").alias("week_start"))
    )


def _named(frame: pl.DataFrame) -> pl.DataFrame:
    """An aggregated frame with NO_VALUE for an empty site or discipline (done after the
    aggregation: on the millions of rows before it, it would copy every string)."""
    return frame.with_columns(_keys())


def _count(frame: pl.DataFrame, column: str, name: str, before: date) -> pl.DataFrame:
    return _named(
        _weeks_of(frame, column)
        .filter(pl.col("week_start") < before)
        .group_by("week_start", *KEYS)
        .agg(pl.len().cast(pl.Int64).alias(name))
        .collect()
    )


def weekly_activity(dataset: Dataset, scope: Scope, start: date) -> pl.DataFrame:
    """One row per week (its Monday, before ``start``), site and discipline with any event:
    copies received (handed in) and corrected, tutoring requests received and answered, within
    the scope's perimeter and filters (its period is not used). Columns: WEEKLY_SCHEMA."""
    copies = scope.keep(dataset.copies)
    requests = scope.keep(dataset.tutoring_requests)
    parts = [
        _count(copies, "submitted_on", "copies_received", start),
        _count(copies, "corrected_on", "copies_corrected", start),
        _count(requests, "received_at", "requests_received", start),
        _count(requests, "answered_at", "requests_answered", start),
    ]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.join(part, on=["week_start", *KEYS], how="full", coalesce=True)
    return (
        joined.with_columns(pl.col(name).fill_null(0) for name in list(WEEKLY_SCHEMA)[3:])
        .select(list(WEEKLY_SCHEMA))
        .cast(WEEKLY_SCHEMA)
        .sort("week_start", *KEYS)
    )


def weekly_team(dataset: Dataset, scope: Scope, weeks: list[date]) -> pl.DataFrame:
    """For the weeks given (Mondays), per week, site and discipline: the copies corrected and
    the correctors who corrected at least one that week, the requests answered and the tutors
    who answered at least one; and per site and discipline, the people who did it over all
    those weeks (its team).

    Columns: week_start, site, discipline, copies_corrected, correctors_active,
    requests_answered, tutors_active, correctors (team over the weeks), tutors (likewise)."""
    chosen = pl.Series(weeks, dtype=pl.Date).implode()

    def done(frame: pl.DataFrame, column: str, person: str) -> pl.DataFrame:
        return _named(
            _weeks_of(frame, column, person)
            .filter(pl.col("week_start").is_in(chosen))
            .select("week_start", *KEYS, pl.col(person).alias("person"))
            .collect()
        )

    def weekly(frame: pl.DataFrame, count: str, active: str) -> pl.DataFrame:
        return frame.group_by("week_start", *KEYS).agg(
            pl.len().cast(pl.Int64).alias(count),
            pl.col("person").drop_nulls().n_unique().cast(pl.Int64).alias(active),
        )

    def team(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        return frame.group_by(*KEYS).agg(
            pl.col("person").drop_nulls().n_unique().cast(pl.Int64).alias(name)
        )

    corrected = done(scope.keep(dataset.copies), "corrected_on", "corrector_id")
    answered = done(scope.keep(dataset.tutoring_requests), "answered_at", "staff_id")
    counts = ["copies_corrected", "correctors_active", "requests_answered", "tutors_active"]
    return (
        weekly(corrected, *counts[:2])
        .join(weekly(answered, *counts[2:]), on=["week_start", *KEYS], how="full", coalesce=True)
        .join(team(corrected, "correctors"), on=list(KEYS), how="left")
        .join(team(answered, "tutors"), on=list(KEYS), how="left")
        .with_columns(pl.col(*counts, "correctors", "tutors").fill_null(0))
        .select(pl.col("week_start").cast(pl.Date), *KEYS, *counts, "correctors", "tutors")
        .sort("week_start", *KEYS)
    )


def backlog_on_eve(dataset: Dataset, scope: Scope, start: date) -> pl.DataFrame:
    """Per site and discipline, the copies handed in in the STALE_DAYS before ``start`` and
    not corrected before it, and likewise the requests not answered. What has waited longer
    (a copy never corrected, a request nobody will answer) is in nobody's pile any more: the
    queue leaves it out (the pages « Délais » and « Tutorat » list it).

    Columns: site, discipline, copies_backlog, requests_backlog (0 when none waits)."""
    moment = datetime.combine(start, time())
    since = start - timedelta(days=STALE_DAYS)
    copies = (
        scope.keep(dataset.copies)
        .filter(
            (pl.col("submitted_on") < start)
            & (pl.col("submitted_on") >= since)
            & (pl.col("corrected_on").is_null() | (pl.col("corrected_on") >= start))
        )
        .group_by(*KEYS)
        .agg(pl.len().cast(pl.Int64).alias("copies_backlog"))
        .pipe(_named)
    )
    requests = (
        scope.keep(dataset.tutoring_requests)
        .filter(
            (pl.col("received_at") < moment)
            & (pl.col("received_at") >= datetime.combine(since, time()))
            & (pl.col("answered_at").is_null() | (pl.col("answered_at") >= moment))
        )
        .group_by(*KEYS)
        .agg(pl.len().cast(pl.Int64).alias("requests_backlog"))
        .pipe(_named)
    )
    return (
        copies.join(requests, on=list(KEYS), how="full", coalesce=True)
        .with_columns(pl.col("copies_backlog", "requests_backlog").fill_null(0))
        .select("site", "discipline", "copies_backlog", "requests_backlog")
        .cast({"copies_backlog": pl.Int64, "requests_backlog": pl.Int64})
    )
