"""Activity surges (*pics d'activité*, DOMAIN.md).

For a weekly series (copies received at a site in a discipline, say), a week's baseline is
the median of the ``surge_baseline_weeks`` (8) open weeks before it: weeks when the
organisation is at work (``dataset.open_weeks``: summer and other holidays, when almost
nothing happens anywhere, are left out, so the rentrée is not a surge over an empty summer);
an open week without any volume in the series counts as zero. The week is a surge when volume / baseline >= ``surge_ratio`` and its
volume >= ``surge_min_volume``. A baseline needs that many preceding weeks within the data
(from the week of the first event of the source, whatever the filters), so the series are
computed on the data before the period start too. A baseline of 0 gives no ratio (a series
that starts is not a surge). ``volume_year_before`` is the volume of the same ISO week one
ISO year earlier, null when that week is before the data start.

Weeks run Monday to Sunday. The weeks listed are those from the week holding the period
start to the week holding ``as_of`` (min(period end, last date in the data)); the last one
may be partial (counted up to ``as_of``). ``ongoing`` marks the last full week of the period
and, when ``as_of`` falls mid-week, the week under way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from domain import DIMENSION_LABELS
from indicators.common import Period, Scope, matching
from indicators.dataset import Dataset, data_end, open_weeks, with_learners
from indicators.flows import BACKLOG_SOURCES, as_of, monday

SOURCES = {
    "copies": ("copies", "submitted_on"),
    "tutoring": ("tutoring_requests", "received_at"),
}
SURGE_BY = ("site", "group", "discipline", "public")
_SERIES = "_series"
NO_VALUE = "(non renseigné)"
COLUMN_LABELS = {
    "week_start": "Semaine du",
    **DIMENSION_LABELS,
    "volume": "Volume de la semaine",
    "baseline_median": "Médiane des semaines précédentes",
    "ratio": "Rapport à la médiane",
    "volume_year_before": "Même semaine un an plus tôt",
    "ongoing": "En cours",
}


def _schema(by: tuple[str, ...], full: bool) -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {"week_start": pl.Date()}
    schema |= {key: pl.String() for key in by}
    schema |= {"volume": pl.Int64(), "baseline_median": pl.Float64(), "ratio": pl.Float64()}
    if full:
        schema["is_surge"] = pl.Boolean()
    schema |= {"volume_year_before": pl.Int64(), "ongoing": pl.Boolean()}
    return schema


@dataclass(frozen=True)
class Watched:
    """The weeks whose surges are "under way" (``ongoing``) and the day they are seen from.

    last_full_week: Monday of the last full week up to ``day``; current_week: Monday of the
    week holding ``day`` when it is not over yet (else None); day: as_of(dataset, period),
    the period's end or the data's last day when earlier; data_end: the data's last day.
    """

    last_full_week: date
    current_week: date | None
    day: date
    data_end: date | None


def watched(dataset: Dataset, period: Period) -> Watched:
    """The weeks ``ongoing`` marks in weekly_series (see the module docstring)."""
    day = as_of(dataset, period)
    week = monday(day)
    full = day.weekday() == 6
    return Watched(
        last_full_week=week if full else week - timedelta(days=7),
        current_week=None if full else week,
        day=day,
        data_end=data_end(dataset),
    )


def weekly_series(
    dataset: Dataset,
    scope: Scope,
    by: tuple[str, ...] = ("site", "discipline"),
    source: str = "copies",
) -> pl.DataFrame:
    """Every week of the period for each series met in the data, with baseline and verdict.

    Columns: week_start, *by, volume, baseline_median, ratio, is_surge, volume_year_before,
    ongoing. Sorted by series then week.
    """
    if source not in SOURCES:
        raise ValueError(f"Source inconnue : « {source} » (possibles : {', '.join(SOURCES)}).")
    unknown = [key for key in by if key not in SURGE_BY]
    if unknown:
        raise ValueError(f"Ventilation inconnue : {', '.join(unknown)}.")
    attribute, column = SOURCES[source]
    period, settings = scope.period, scope.settings
    frame = getattr(dataset, attribute)
    first_day = frame.get_column(column).min()
    if first_day is None:
        return pl.DataFrame(schema=_schema(by, full=True))
    first_week = monday(first_day.date() if hasattr(first_day, "date") else first_day)
    end = as_of(dataset, period)
    last_week = monday(end)
    shown_from = monday(period.start)
    if last_week < first_week or last_week < shown_from:
        return pl.DataFrame(schema=_schema(by, full=True))
    last_full_week = watched(dataset, period).last_full_week

    keys = [*by] if by else [_SERIES]
    day = pl.col(column).cast(pl.Date)
    counts = (
        scope.keep(frame)
        .filter(day <= end)
        .with_columns(pl.lit(0).alias(_SERIES))
        .group_by(*keys, day.dt.truncate("1w").alias("week_start"))
        .agg(pl.len().cast(pl.Int64).alias("volume"))
    )
    weeks = pl.DataFrame(pl.date_range(first_week, last_week, "1w", eager=True).alias("week_start"))
    grid = (
        counts.select(keys)
        .unique()
        .join(weeks, how="cross")
        .join(counts, on=[*keys, "week_start"], how="left", nulls_equal=True)
        .with_columns(
            pl.col("volume").fill_null(0),
            pl.col("week_start").dt.iso_year().alias("_iso_year"),
            pl.col("week_start").dt.week().alias("_iso_week"),
        )
        .sort([*keys, "week_start"], nulls_last=True)
    )
    # Baseline: the median of the 8 open weeks before each week. Over the open weeks alone,
    # the median of the 8 up to and including each; then each week takes that of the last
    # open week strictly before it.
    is_open = pl.col("week_start").is_in(open_weeks(dataset).implode())
    medians = (
        grid.filter(is_open)
        .with_columns(
            pl.col("volume")
            .cast(pl.Float64)
            .rolling_median(settings.surge_baseline_weeks)
            .over(keys)
            .alias("_median_so_far")
        )
        .select(*keys, "week_start", "_median_so_far")
    )
    grid = (
        grid.join(medians, on=[*keys, "week_start"], how="left", nulls_equal=True)
        .sort([*keys, "week_start"], nulls_last=True)
        .with_columns(
            pl.col("_median_so_far").shift(1).forward_fill().over(keys).alias("baseline_median")
        )
        .drop("_median_so_far")
    )
    year_before = grid.select(
        *keys,
        (pl.col("_iso_year") + 1).alias("_iso_year"),
        "_iso_week",
        pl.col("volume").alias("volume_year_before"),
    )
    baseline = pl.col("baseline_median")
    ratio = pl.when(baseline > 0).then(pl.col("volume") / baseline).otherwise(None)
    result = (
        grid.filter(pl.col("week_start") >= shown_from)
        .join(year_before, on=[*keys, "_iso_year", "_iso_week"], how="left", nulls_equal=True)
        .with_columns(ratio.alias("ratio"))
        .with_columns(
            (
                (pl.col("ratio") >= settings.surge_ratio)
                & (pl.col("volume") >= settings.surge_min_volume)
            )
            .fill_null(False)
            .alias("is_surge"),
            (pl.col("week_start") >= last_full_week).alias("ongoing"),
        )
        .sort([*keys, "week_start"], nulls_last=True)
    )
    return result.select(_schema(by, full=True).keys())


def surges(
    dataset: Dataset,
    scope: Scope,
    by: tuple[str, ...] = ("site", "discipline"),
    source: str = "copies",
) -> pl.DataFrame:
    """Each week flagged as a surge: week_start, *by, volume, baseline_median, ratio,
    volume_year_before, ongoing. Most recent first, then highest ratio."""
    return flagged(weekly_series(dataset, scope, by=by, source=source))


def flagged(series: pl.DataFrame) -> pl.DataFrame:
    """The surges of a weekly_series frame, as surges() lists them."""
    return (
        series.filter(pl.col("is_surge"))
        .drop("is_surge")
        .sort(["week_start", "ratio"], descending=[True, True], nulls_last=True)
    )


def largest_excess(surges_frame: pl.DataFrame) -> dict | None:
    """The surge (a row of surges()) whose volume exceeds its baseline by the most: the week
    a page names as the strongest surge, with ``excess`` = volume - baseline_median; None
    when there is none. Ties: the most recent week."""
    if surges_frame.is_empty():
        return None
    return (
        surges_frame.with_columns((pl.col("volume") - pl.col("baseline_median")).alias("excess"))
        .sort(["excess", "week_start"], descending=[True, True], nulls_last=True)
        .row(0, named=True)
    )


def _series_name(by: tuple[str, ...]) -> pl.Expr:
    if not by:
        return pl.lit("Ensemble")
    return pl.concat_str([pl.col(key).fill_null(NO_VALUE) for key in by], separator=" · ")


def marks(surges_frame: pl.DataFrame, by: tuple[str, ...] = ("site", "discipline")) -> pl.DataFrame:
    """One row per week holding surges, for marking a chart: week_start, surges (how many
    series), series (their names, "Lyon · Maths, Rennes · Français")."""
    return (
        surges_frame.with_columns(_series_name(by).alias("series"))
        .group_by("week_start")
        .agg(
            pl.len().cast(pl.Int64).alias("surges"),
            pl.col("series").sort().str.join(", ").alias("series"),
        )
        .sort("week_start")
    )


def series_names(weekly: pl.DataFrame, by: tuple[str, ...] = ("site", "discipline")) -> list[str]:
    """The names of the series of a weekly_series frame ("Lyon · Maths"), those with the
    most recent surges first, then the largest volumes."""
    return (
        weekly.with_columns(_series_name(by).alias("name"))
        .group_by("name")
        .agg(
            pl.col("week_start").filter(pl.col("is_surge")).max().alias("last_surge"),
            pl.col("volume").sum().alias("volume"),
        )
        .sort(["last_surge", "volume", "name"], descending=[True, True, False], nulls_last=True)
        .get_column("name")
        .to_list()
    )


def one_series(
    weekly: pl.DataFrame, name: str, by: tuple[str, ...] = ("site", "discipline")
) -> pl.DataFrame:
    """The weeks of the series called ``name`` (as series_names spells it)."""
    return weekly.filter(_series_name(by) == name).sort("week_start")


BEHIND_COLUMNS = {
    "copies": (
        "submitted_on",
        "discipline",
        "external_id",
        "learner_name",
        "group",
        "site",
        "corrected_on",
        "corrector",
        "grade",
    ),
    "tutoring": (
        "received_at",
        "discipline",
        "external_id",
        "learner_name",
        "group",
        "site",
        "answered_at",
        "tutor",
        "response_hours",
    ),
}


def events_behind(
    dataset: Dataset,
    scope: Scope,
    week_start: date,
    series: tuple[tuple[str, str | None], ...],
    source: str = "copies",
) -> pl.DataFrame:
    """The copies (or requests) behind one week of a series of weekly_series: as many rows as
    its ``volume``. ``series``: the series' (column, value) pairs, such as (("site", "Lyon"),
    ("discipline", "Maths")). Columns: BEHIND_COLUMNS[source]; in date order."""
    attribute, column = SOURCES[source]
    day = pl.col(column).cast(pl.Date)
    rows = scope.keep(getattr(dataset, attribute)).filter(
        day.dt.truncate("1w") == week_start,
        day <= as_of(dataset, scope.period),
        matching(dict(series)),
    )
    return with_learners(dataset, rows).select(BEHIND_COLUMNS[source]).sort(column)


def waiting_behind(
    dataset: Dataset, scope: Scope, on_day: date, source: str = "copies"
) -> pl.DataFrame:
    """The copies (or requests) waiting at the end of ``on_day``, behind one value of
    flows.backlog: arrived on or before that day and not corrected (answered) on or before it;
    as many rows as its ``waiting``. Columns: BEHIND_COLUMNS[source]; the oldest first."""
    attribute, arrival, departure = BACKLOG_SOURCES[source]
    rows = scope.keep(getattr(dataset, attribute)).filter(
        pl.col(arrival).cast(pl.Date) <= on_day,
        pl.col(departure).is_null() | (pl.col(departure).cast(pl.Date) > on_day),
    )
    return with_learners(dataset, rows).select(BEHIND_COLUMNS[source]).sort(arrival)
