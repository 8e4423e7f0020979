"""Throughput (*flux*) and backlog (*stock en attente*) of copies, tutoring requests and
interviews (DOMAIN.md, "Throughput" and "Backlog").

- copies received = copies submitted in the period; copies corrected = copies whose
  correction date is in the period; tutoring requests received / answered likewise (on the
  day of received_at / answered_at); interviews = interviews held in the period.
- backlog on day D = submitted on or before D and not corrected on or before D (requests:
  received by the end of D and not answered by then).

Every series stops at ``as_of(dataset, period)``: the period end, or the last date the data
reach when that is earlier (so a school year still running does not show a fall to zero).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from domain import BY_DIMENSIONS, DIMENSION_LABELS
from indicators.common import Period, Scope
from indicators.dataset import Dataset, as_of, data_end  # noqa: F401 (re-exported)

GRAINS = {"day": "1d", "week": "1w", "month": "1mo"}
MEASURES = (
    "copies_received",
    "copies_corrected",
    "tutoring_requests",
    "tutoring_answered",
    "interviews",
)
MEASURE_LABELS = {
    "copies_received": "Copies reçues",
    "copies_corrected": "Copies corrigées",
    "tutoring_requests": "Sollicitations de tutorat reçues",
    "tutoring_answered": "Sollicitations de tutorat répondues",
    "interviews": "Entretiens menés",
}
COLUMN_LABELS = {
    "period_start": "Début de la période",
    "measure": "Flux",
    "count": "Nombre",
    "on_day": "Jour",
    "waiting": "En attente",
    **DIMENSION_LABELS,
} | MEASURE_LABELS
# measure -> (Dataset attribute, date column)
MEASURE_SOURCES = {
    "copies_received": ("copies", "submitted_on"),
    "copies_corrected": ("copies", "corrected_on"),
    "tutoring_requests": ("tutoring_requests", "received_at"),
    "tutoring_answered": ("tutoring_requests", "answered_at"),
    "interviews": ("interviews", "held_on"),
}
# backlog source -> (Dataset attribute, arrival column, departure column)
BACKLOG_SOURCES = {
    "copies": ("copies", "submitted_on", "corrected_on"),
    "tutoring": ("tutoring_requests", "received_at", "answered_at"),
}


def check_by(by: str | None, allowed: tuple[str, ...] = BY_DIMENSIONS) -> list[str]:
    """The group-by keys for ``by`` (empty for None); ValueError when ``by`` is unknown."""
    if by is None:
        return []
    if by not in allowed:
        raise ValueError(f"Ventilation inconnue : « {by} » (possibles : {', '.join(allowed)}).")
    return [by]


def check_grain(grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"Pas de temps inconnu : « {grain} » (possibles : {', '.join(GRAINS)}).")
    return GRAINS[grain]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _truncate(day: date, grain: str) -> date:
    if grain == "day":
        return day
    if grain == "week":
        return monday(day)
    return day.replace(day=1)


def _event_counts(frame: pl.DataFrame, keys: list[str], name: str) -> pl.DataFrame:
    if not keys:
        return frame.select(pl.len().cast(pl.Int64).alias(name))
    return frame.group_by(keys).agg(pl.len().cast(pl.Int64).alias(name))


def headline(dataset: Dataset, scope: Scope, by: str | None = None) -> pl.DataFrame:
    """copies_received, copies_corrected, tutoring_requests, tutoring_answered, interviews.

    One row, or one row per value of ``by`` met among the counted events (events of a
    learner without enrolment have a null ``by`` value and keep their own row, so the rows add
    up to the whole). Interviews have no discipline: by "discipline", ``interviews`` is null.
    """
    keys = check_by(by)
    parts = []
    for measure, (attribute, column) in MEASURE_SOURCES.items():
        if measure == "interviews" and by == "discipline":
            continue
        frame = scope.keep(getattr(dataset, attribute))
        parts.append(
            _event_counts(frame.filter(scope.period.contains(column)), keys, measure).select(
                *keys, measure
            )
        )
    combined = pl.concat(parts, how="diagonal_relaxed")
    sums = [pl.col(m).sum().cast(pl.Int64).alias(m) for m in MEASURES if m in combined.columns]
    if not keys:
        result = combined.select(sums)
    else:
        result = combined.group_by(keys).agg(sums).sort(keys, nulls_last=True)
    if by == "discipline":
        result = result.with_columns(pl.lit(None, pl.Int64).alias("interviews"))
    return result.select(*keys, *MEASURES)


def _bins(period: Period, end: date, grain: str) -> pl.Series:
    first = _truncate(period.start, grain)
    last = _truncate(end, grain)
    return pl.date_range(first, last, GRAINS[grain], eager=True).alias("period_start")


def throughput(
    dataset: Dataset,
    scope: Scope,
    grain: str = "week",
    by: str | None = None,
    measures: tuple[str, ...] = MEASURES,
) -> pl.DataFrame:
    """Counts per day, week (from Monday) or month: period_start, measure, [by], count.

    Every bin from the one holding the period start to the one holding ``as_of`` is present
    (0 when nothing happened), for each measure and each value of ``by`` met in the period.
    The first and last bins may be partial: only days of the period are counted.
    Interviews are left out when ``by`` is "discipline" (they have none).
    """
    every = check_grain(grain)
    keys = check_by(by)
    period = scope.period
    end = as_of(dataset, period)
    bins = pl.DataFrame(_bins(period, end, grain))
    parts = []
    for measure in measures:
        attribute, column = MEASURE_SOURCES[measure]
        if measure == "interviews" and by == "discipline":
            continue
        frame = scope.keep(getattr(dataset, attribute))
        day = pl.col(column).cast(pl.Date)
        counts = (
            frame.filter(day.is_between(period.start, end))
            .group_by(day.dt.truncate(every).alias("period_start"), *keys)
            .agg(pl.len().cast(pl.Int64).alias("count"))
        )
        series = counts.select(keys).unique() if keys else pl.DataFrame()
        grid = bins.join(series, how="cross") if keys else bins
        parts.append(
            grid.join(counts, on=["period_start", *keys], how="left", nulls_equal=True).select(
                "period_start",
                pl.lit(measure).alias("measure"),
                *keys,
                pl.col("count").fill_null(0).alias("count"),
            )
        )
    if not parts:
        schema: dict[str, pl.DataType] = {"period_start": pl.Date(), "measure": pl.String()}
        schema |= {k: pl.String() for k in keys} | {"count": pl.Int64()}
        return pl.DataFrame(schema=schema)
    return pl.concat(parts).sort(["measure", *keys, "period_start"], nulls_last=True)


def backlog(
    dataset: Dataset,
    scope: Scope,
    grain: str = "day",
    source: str = "copies",
) -> pl.DataFrame:
    """What is waiting at the end of each day (or week) of the period: on_day, waiting.

    copies: submitted on or before the day and not corrected on or before it; tutoring:
    received by the end of the day and not answered by then. Days run from the period start
    to ``as_of``; weekly, the value is the one of the last day of each week (``on_day``).
    """
    check_grain(grain)
    if grain == "month":
        raise ValueError("Le stock en attente se lit par jour ou par semaine.")
    if source not in BACKLOG_SOURCES:
        raise ValueError(f"Source inconnue : « {source} » (possibles : copies, tutoring).")
    attribute, arrival, departure = BACKLOG_SOURCES[source]
    end = as_of(dataset, scope.period)
    frame = scope.keep(getattr(dataset, attribute)).select(
        pl.col(arrival).cast(pl.Date).alias("arrived"),
        pl.col(departure).cast(pl.Date).alias("left"),
    )
    start = scope.period.start
    before = frame.select(
        (pl.col("arrived") < start).sum().cast(pl.Int64).alias("arrived"),
        (pl.col("left") < start).sum().cast(pl.Int64).alias("left"),
    ).row(0, named=True)
    arrived = (
        frame.filter(pl.col("arrived").is_between(start, end))
        .group_by(pl.col("arrived").alias("on_day"))
        .agg(pl.len().cast(pl.Int64).alias("arrivals"))
    )
    left = (
        frame.filter(pl.col("left").is_between(start, end))
        .group_by(pl.col("left").alias("on_day"))
        .agg(pl.len().cast(pl.Int64).alias("departures"))
    )
    days = pl.DataFrame(pl.date_range(start, end, "1d", eager=True).alias("on_day"))
    daily = (
        days.join(arrived, on="on_day", how="left")
        .join(left, on="on_day", how="left")
        .select(
            "on_day",
            (
                before["arrived"]
                - before["left"]
                + pl.col("arrivals").fill_null(0).cum_sum()
                - pl.col("departures").fill_null(0).cum_sum()
            )
            .cast(pl.Int64)
            .alias("waiting"),
        )
    )
    if grain == "day":
        return daily
    return (
        daily.group_by(pl.col("on_day").dt.truncate("1w").alias("week_start"))
        .agg(pl.col("on_day").max(), pl.col("waiting").sort_by("on_day").last())
        .sort("week_start")
        .select("on_day", "waiting")
    )


def labelled(series: pl.DataFrame) -> pl.DataFrame:
    """A throughput frame with the measure spelled in French (for legends)."""
    return series.with_columns(pl.col("measure").replace_strict(MEASURE_LABELS).alias("measure"))
