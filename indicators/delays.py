"""Correction delays (DOMAIN.md, "Correction delay").

The delay of a copy is corrected_on - submitted_on in calendar days. The statistics of a
period are over the copies *corrected* in the period (whenever submitted): mean, median,
90th percentile (linear interpolation, as Excel's PERCENTILE.INC) and the share within the
target (delay <= settings.correction_target_days). Copies still waiting are not in these
statistics; they are listed with their age as of ``flows.as_of``.
"""

from __future__ import annotations

import polars as pl

from domain import DIMENSION_LABELS
from indicators.common import IndicatorSettings, Scope, safe_ratio
from indicators.dataset import Dataset
from indicators.flows import as_of, check_by

BREAKDOWNS = ("site", "group", "discipline", "public", "corrector")
STATISTICS = (
    "correction_delay_days_mean",
    "correction_delay_days_median",
    "correction_delay_days_p90",
    "correction_within_target_share",
)
DELAY = pl.col("delay_days")
COLUMN_LABELS = {
    **DIMENSION_LABELS,
    "corrector": "Correcteur",
    "week_start": "Semaine du",
    "copies_corrected": "Copies corrigées",
    "correction_delay_days_mean": "Délai moyen (jours)",
    "correction_delay_days_median": "Délai médian (jours)",
    "correction_delay_days_p90": "90e centile (jours)",
    "correction_within_target_share": "Part dans l'objectif",
    "delay_days": "Délai (jours)",
    "copies": "Copies",
    "external_id": "Identifiant apprenant",
    "assignment": "Devoir",
    "submitted_on": "Remise le",
    "age_days": "Attente (jours)",
    "within_target": "Dans l'objectif",
}


def delay_days() -> pl.Expr:
    """corrected_on - submitted_on in whole calendar days (null while waiting)."""
    return (pl.col("corrected_on") - pl.col("submitted_on")).dt.total_days().alias("delay_days")


def corrected_in(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """The copies corrected in the period (filters applied), with their delay_days."""
    return (
        scope.keep(dataset.copies)
        .filter(scope.period.contains("corrected_on"))
        .with_columns(delay_days())
    )


def _statistics(settings: IndicatorSettings) -> list[pl.Expr]:
    return [
        DELAY.mean().alias("correction_delay_days_mean"),
        DELAY.median().cast(pl.Float64).alias("correction_delay_days_median"),
        DELAY.quantile(0.9, interpolation="linear").alias("correction_delay_days_p90"),
        safe_ratio((DELAY <= settings.correction_target_days).sum(), pl.len()).alias(
            "correction_within_target_share"
        ),
    ]


def _summarise(
    corrected: pl.DataFrame, keys: list[str], settings: IndicatorSettings, count: bool
) -> pl.DataFrame:
    aggregates = _statistics(settings)
    if count:
        aggregates.insert(0, pl.len().cast(pl.Int64).alias("copies_corrected"))
    if not keys:
        return corrected.select(aggregates)
    return corrected.group_by(keys).agg(aggregates)


def headline(dataset: Dataset, scope: Scope, by: str | None = None) -> pl.DataFrame:
    """correction_delay_days_mean, _median, _p90 and correction_within_target_share.

    One row (null statistics when no copy was corrected in the period), or one row per
    value of ``by`` among the copies corrected in the period.
    """
    keys = check_by(by)
    result = _summarise(corrected_in(dataset, scope), keys, scope.settings, count=False)
    return (result.sort(keys, nulls_last=True) if keys else result).select(*keys, *STATISTICS)


def summary(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """One row: copies_corrected and the statistics of headline."""
    return _summarise(corrected_in(dataset, scope), [], scope.settings, count=True)


def breakdown(dataset: Dataset, scope: Scope, by: str = "discipline") -> pl.DataFrame:
    """Per discipline, site, group, public or corrector: by, copies_corrected and the
    statistics of headline, most copies first."""
    keys = check_by(by, BREAKDOWNS)
    result = _summarise(corrected_in(dataset, scope), keys, scope.settings, count=True)
    return result.sort(["copies_corrected", by], descending=[True, False], nulls_last=True)


def weekly_trend(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """Per week of correction (weeks from Monday): week_start, copies_corrected and the
    statistics of headline. Weeks without a correction are absent."""
    corrected = corrected_in(dataset, scope).with_columns(
        pl.col("corrected_on").dt.truncate("1w").alias("week_start")
    )
    return _summarise(corrected, ["week_start"], scope.settings, count=True).sort("week_start")


def distribution(dataset: Dataset, scope: Scope, cap_days: int = 30) -> pl.DataFrame:
    """Copies corrected in the period per delay in days: delay_days (the last one,
    ``cap_days``, gathers the delays of ``cap_days`` or more), copies, within_target.
    Every delay from 0 to the largest one met is present (0 copies when none)."""
    corrected = corrected_in(dataset, scope)
    if corrected.is_empty():
        return pl.DataFrame(
            schema={"delay_days": pl.Int64, "copies": pl.Int64, "within_target": pl.Boolean}
        )
    counts = corrected.group_by(DELAY.clip(0, cap_days).alias("delay_days")).agg(
        pl.len().cast(pl.Int64).alias("copies")
    )
    largest = int(counts.get_column("delay_days").max())
    every = pl.DataFrame({"delay_days": pl.int_range(0, largest + 1, eager=True)}).cast(pl.Int64)
    return (
        every.join(counts, on="delay_days", how="left")
        .with_columns(
            pl.col("copies").fill_null(0),
            (pl.col("delay_days") <= scope.settings.correction_target_days).alias("within_target"),
        )
        .sort("delay_days")
    )


def _waiting(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    day = as_of(dataset, scope.period)
    return (
        scope.keep(dataset.copies)
        .filter(
            (pl.col("submitted_on") <= day)
            & (pl.col("corrected_on").is_null() | (pl.col("corrected_on") > day))
        )
        .with_columns((pl.lit(day) - pl.col("submitted_on")).dt.total_days().alias("age_days"))
    )


def waiting_summary(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """One row: as_of, copies_waiting, copies_waiting_over_target (age > target),
    oldest_age_days (null when nothing waits)."""
    waiting = _waiting(dataset, scope)
    return waiting.select(
        pl.lit(as_of(dataset, scope.period)).alias("as_of"),
        pl.len().cast(pl.Int64).alias("copies_waiting"),
        (pl.col("age_days") > scope.settings.correction_target_days)
        .sum()
        .cast(pl.Int64)
        .alias("copies_waiting_over_target"),
        pl.col("age_days").max().alias("oldest_age_days"),
    )


def oldest_waiting(dataset: Dataset, scope: Scope, limit: int | None = 200) -> pl.DataFrame:
    """The copies still waiting on ``as_of`` (submitted on or before it, not corrected on or
    before it), oldest first: external_id, group, site, discipline, assignment, corrector,
    submitted_on, age_days (as_of - submitted_on)."""
    waiting = _waiting(dataset, scope).sort(["age_days", "discipline"], descending=[True, False])
    if limit is not None:
        waiting = waiting.head(limit)
    learners = dataset.frames.learners.select(pl.col("id").alias("learner_id"), "external_id")
    return waiting.join(learners, on="learner_id", how="left", maintain_order="left").select(
        "external_id",
        "group",
        "site",
        "discipline",
        "assignment",
        "corrector",
        "submitted_on",
        "age_days",
    )


def with_day_labels(spread: pl.DataFrame, cap_days: int) -> pl.DataFrame:
    """A distribution frame with a French ``label`` per bar: "0 j", "1 j", ... "30 j et +"."""
    days = pl.col("delay_days").cast(pl.String)
    label = (
        pl.when(pl.col("delay_days") >= cap_days)
        .then(days + pl.lit(" j et +"))
        .otherwise(days + pl.lit(" j"))
    )
    return spread.with_columns(label.alias("label"))
