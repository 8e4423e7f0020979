"""Absence rate (DOMAIN.md, "Absence rate"): absent half-days over the half-days of enrolment.

The half-days of enrolment of an enrolment in the period are the school half-days
(domain.SCHOOL_HALF_DAYS: two a day, one on Wednesday, none at the weekend) of the open weeks
(``dataset.open_weeks``: the holidays, when nothing happens anywhere, are left out) from its
entry (or the period's start) to its exit (or ``as_of``, the day the data reach). The absent
half-days are those the absences count (a morning 1, a day 2, hours / 4), on the days of that
span, attributed to the enrolment in force on their day. Justified and unjustified absences
are counted apart; an absence whose justification is not known counts as unjustified.
Rates are null where no half-day of enrolment is counted.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from domain import DIMENSION_LABELS, SCHOOL_HALF_DAYS
from indicators.common import Scope, safe_ratio
from indicators.dataset import Dataset, as_of, open_weeks
from indicators.dropout import month_label

COLUMN_LABELS = {
    **DIMENSION_LABELS,
    "month": "Mois",
    "learners": "Apprenants",
    "expected_half_days": "Demi-journées de cours",
    "absent_half_days": "Demi-journées d'absence",
    "justified_half_days": "dont justifiées",
    "unjustified_half_days": "dont non justifiées",
    "absence_rate": "Taux d'absence",
    "unjustified_rate": "Taux d'absence non justifiée",
    "external_id": "Identifiant apprenant",
    "learner_name": "Apprenant",
    "referent": "Référent",
    "as_of": "Au",
}
_COUNTS = ["absent_half_days", "justified_half_days", "unjustified_half_days"]


def _calendar(dataset: Dataset, start: date, end: date) -> pl.DataFrame:
    """Each day from the day before ``start`` to ``end`` with ``cumulative``, the school
    half-days from ``start`` up to that day."""
    days = pl.date_range(start - timedelta(days=1), end, "1d", eager=True).alias("day")
    weeks = open_weeks(dataset)
    weekday = days.dt.weekday() - 1  # Monday 0
    weight = weekday.replace_strict(SCHOOL_HALF_DAYS, default=0, return_dtype=pl.Int64)
    frame = pl.DataFrame({"day": days, "weight": weight})
    if not weeks.is_empty():
        open_ = pl.col("day").dt.truncate("1w").is_in(weeks.implode())
        frame = frame.with_columns(pl.when(open_).then(pl.col("weight")).otherwise(0))
    frame = frame.with_columns(
        pl.when(pl.col("day") < start).then(0).otherwise(pl.col("weight")).alias("weight")
    )
    return frame.select("day", pl.col("weight").cum_sum().alias("cumulative"))


def _spans(dataset: Dataset, scope: Scope, day: date) -> pl.DataFrame:
    """The scope's enrolments active in [period start, day], with ``first`` and ``last``, the
    days of that span they cover."""
    start = scope.period.start
    return (
        scope.keep(dataset.enrolments, disciplines=False)
        .filter(
            (pl.col("entry_date") <= day)
            & (pl.col("exit_date").is_null() | (pl.col("exit_date") >= start))
        )
        .with_columns(
            pl.max_horizontal(pl.col("entry_date"), pl.lit(start)).alias("first"),
            pl.min_horizontal(pl.col("exit_date").fill_null(day), pl.lit(day)).alias("last"),
        )
    )


def _with_expected(spans: pl.DataFrame, calendar: pl.DataFrame) -> pl.DataFrame:
    cumulative = calendar.select("day", "cumulative")
    return (
        spans.with_columns((pl.col("first") - timedelta(days=1)).alias("_before"))
        .join(
            cumulative.rename({"day": "_before", "cumulative": "_c_before"}),
            on="_before",
            how="left",
        )
        .join(cumulative.rename({"day": "last", "cumulative": "_c_last"}), on="last", how="left")
        .with_columns(
            (pl.col("_c_last") - pl.col("_c_before")).fill_null(0).alias("expected_half_days")
        )
        .drop("_before", "_c_before", "_c_last")
    )


def _absent(dataset: Dataset, scope: Scope, day: date) -> pl.DataFrame:
    """The absences of the period up to ``day``, with their justified and unjustified
    half-days, on the enrolment they are attributed to."""
    return (
        scope.keep(dataset.absences, disciplines=False)
        .filter((pl.col("absent_on") >= scope.period.start) & (pl.col("absent_on") <= day))
        .select(
            "enrolment_id",
            "absent_on",
            pl.col("half_days").alias("absent_half_days"),
            pl.when(pl.col("justified").fill_null(False))
            .then(pl.col("half_days"))
            .otherwise(0.0)
            .alias("justified_half_days"),
            pl.when(pl.col("justified").fill_null(False))
            .then(0.0)
            .otherwise(pl.col("half_days"))
            .alias("unjustified_half_days"),
        )
    )


def _rates(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).fill_null(0.0) for c in _COUNTS).with_columns(
        safe_ratio(pl.col("absent_half_days"), pl.col("expected_half_days")).alias("absence_rate"),
        safe_ratio(pl.col("unjustified_half_days"), pl.col("expected_half_days")).alias(
            "unjustified_rate"
        ),
    )


def _per_enrolment(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    day = as_of(dataset, scope.period)
    spans = _with_expected(_spans(dataset, scope, day), _calendar(dataset, scope.period.start, day))
    absent = (
        _absent(dataset, scope, day)
        .join(spans.select("enrolment_id", "first", "last"), on="enrolment_id", how="inner")
        .filter(pl.col("absent_on").is_between(pl.col("first"), pl.col("last")))
        .group_by("enrolment_id")
        .agg(pl.col(c).sum() for c in _COUNTS)
    )
    return _rates(spans.join(absent, on="enrolment_id", how="left"))


def _totals(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    sums = [
        pl.col("learner_id").n_unique().cast(pl.Int64).alias("learners"),
        pl.col("expected_half_days").sum().cast(pl.Int64),
        *[pl.col(c).sum() for c in _COUNTS],
    ]
    grouped = frame.group_by(by).agg(sums) if by else frame.select(sums)
    return _rates(grouped)


def summary(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """One row: as_of, learners, expected_half_days, absent_half_days, justified_half_days,
    unjustified_half_days, absence_rate, unjustified_rate."""
    day = as_of(dataset, scope.period)
    return _totals(_per_enrolment(dataset, scope), []).select(pl.lit(day).alias("as_of"), pl.all())


def by_group(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """The figures of ``summary`` per site and group, the highest absence rate first."""
    return _totals(_per_enrolment(dataset, scope), ["site", "group"]).sort(
        ["absence_rate", "site", "group"], descending=[True, False, False], nulls_last=True
    )


def by_learner(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """One row per enrolment of the period (a learner who changed group has one per group):
    external_id, learner_name, group, site, referent, the counts and rates, the highest
    absence rate first."""
    columns = ["external_id", "learner_name", "group", "site", "referent"]
    return (
        _per_enrolment(dataset, scope)
        .sort(
            ["absence_rate", "unjustified_rate", "external_id"],
            descending=[True, True, False],
            nulls_last=True,
        )
        .select(
            *columns,
            "expected_half_days",
            *_COUNTS,
            "absence_rate",
            "unjustified_rate",
        )
    )


def by_month(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """The figures of ``summary`` per calendar month of the period (``month``: its first day,
    ``label``: "octobre 2025"), the half-days of enrolment of each month apart."""
    day = as_of(dataset, scope.period)
    calendar = _calendar(dataset, scope.period.start, day)
    spans = _spans(dataset, scope, day)
    months = pl.date_range(
        scope.period.start.replace(day=1), day.replace(day=1), "1mo", eager=True
    ).alias("month")
    monthly = (
        spans.join(pl.DataFrame({"month": months}), how="cross")
        .with_columns(
            pl.max_horizontal("first", "month").alias("first"),
            pl.min_horizontal("last", pl.col("month").dt.month_end()).alias("last"),
        )
        .filter(pl.col("first") <= pl.col("last"))
    )
    monthly = _with_expected(monthly, calendar)
    absent = (
        _absent(dataset, scope, day)
        .with_columns(pl.col("absent_on").dt.truncate("1mo").alias("month"))
        .join(
            monthly.select("enrolment_id", "month", "first", "last"),
            on=["enrolment_id", "month"],
            how="inner",
        )
        .filter(pl.col("absent_on").is_between(pl.col("first"), pl.col("last")))
        .group_by("enrolment_id", "month")
        .agg(pl.col(c).sum() for c in _COUNTS)
    )
    per = monthly.join(absent, on=["enrolment_id", "month"], how="left")
    totals = _totals(per, ["month"]).sort("month")
    return totals.select(
        "month", month_label(pl.col("month")).alias("label"), pl.all().exclude("month")
    )


def monthly_half_days(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """``by_month`` for a stacked chart: label, justification ("justifiées", "non
    justifiées"), half_days."""
    months = by_month(dataset, scope)
    return (
        months.select(
            "month",
            "label",
            pl.col("justified_half_days").alias("justifiées"),
            pl.col("unjustified_half_days").alias("non justifiées"),
        )
        .unpivot(index=["month", "label"], variable_name="justification", value_name="half_days")
        .sort("month", "justification")
        .drop("month")
    )
