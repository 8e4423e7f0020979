"""What a team clears in a week, measured from the data.

Over the reference weeks (the last REFERENCE_WEEKS open weeks before the forecast starts:
holidays, when almost nothing happens anywhere, are left out; ``dataset.open_weeks``):

- the team of a site and discipline: the correctors who corrected at least one of its copies
  in those weeks (tutors: who answered at least one of its requests; a tutor answering in two
  disciplines counts in both);
- the capacity of a discipline: copies corrected per corrector per week, the median over
  those weeks of the week's copies corrected over the correctors who corrected at least one
  that week (every site together; a week when nobody corrected any is left out). Likewise
  requests answered per tutor.

This is what the team did, which is at least what it can do: in quiet weeks it corrects what
arrives. The page lets the user change it.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from forecast.history import KEYS
from forecast.seasonal import REFERENCE_WEEKS, YEAR

CAPACITY_SCHEMA: dict[str, pl.DataType] = {
    "discipline": pl.String(),
    "copies_per_corrector": pl.Float64(),
    "requests_per_tutor": pl.Float64(),
}
STAFF_SCHEMA: dict[str, pl.DataType] = {
    "site": pl.String(),
    "discipline": pl.String(),
    "correctors": pl.Int64(),
    "tutors": pl.Int64(),
}


def reference_weeks(open_weeks: pl.Series, start: date, count: int = REFERENCE_WEEKS) -> list[date]:
    """The last ``count`` open weeks (Mondays) before ``start``, oldest first."""
    before = open_weeks.filter(open_weeks < start).sort()
    return before.tail(count).to_list()


def fit_weeks(open_weeks: pl.Series, start: date) -> list[date]:
    """The open weeks of the 52 weeks before ``start``: where the interval's errors are measured."""
    return open_weeks.filter((open_weeks < start) & (open_weeks >= start - YEAR)).sort().to_list()


def measured(team_weekly: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(capacity per discipline, team per site and discipline) from ``history.weekly_team``.
    Capacity columns: CAPACITY_SCHEMA (null when nobody corrected, or answered, in those
    weeks); team columns: STAFF_SCHEMA."""
    staff = (
        team_weekly.group_by(*KEYS)
        .agg(pl.col("correctors").max(), pl.col("tutors").max())
        .select(list(STAFF_SCHEMA))
        .cast(STAFF_SCHEMA)
        .sort(*KEYS)
    )
    weekly = team_weekly.group_by("week_start", "discipline").agg(
        pl.col("copies_corrected", "correctors_active", "requests_answered", "tutors_active").sum()
    )

    def rate(done: str, active: str) -> pl.Expr:
        return (pl.col(done) / pl.col(active)).filter(pl.col(active) > 0).median()

    capacity = (
        weekly.group_by("discipline")
        .agg(
            rate("copies_corrected", "correctors_active").alias("copies_per_corrector"),
            rate("requests_answered", "tutors_active").alias("requests_per_tutor"),
        )
        .cast(CAPACITY_SCHEMA)
    )
    return (
        staff.select("discipline")
        .unique()
        .join(capacity, on="discipline", how="left")
        .select(list(CAPACITY_SCHEMA))
        .sort("discipline"),
        staff,
    )
