"""The forecast of a weekly series: the same weeks of previous school years, scaled by this
year's level (a seasonal naive forecast with a level adjustment).

For a week W ahead and a series (a site and a discipline):

- the same week k years earlier is W − 52 k weeks (the seasons of a school year repeat week
  by week: rentrée, holidays, the April-May surge);
- this year's level against k years earlier is the volume of the reference weeks (the last
  8 open weeks before the forecast starts: holidays left out) over the volume of the same
  weeks k years earlier;
- the forecast is level × volume of W − 52 k weeks, averaged over the years k the data hold.

Why not a forecasting library (statsforecast, Prophet...): the data hold one or two school
years, too few for a model to learn a yearly season; this rule is the one a director would
apply by hand ("last year's April, plus the 12 % we have grown since"), so every figure can
be explained and checked; and it needs no heavy dependency.

**Interval**: the same rule is applied to the open weeks of the last year that have history
(fitted = this year's level × the same week a year earlier) and the ratios actual / fitted
are pooled over the sites of each discipline; the interval is the forecast times their 10th
and 90th percentiles (an 80 % interval), widened if need be to contain the forecast. Fewer
than MIN_ERRORS ratios: no interval (null).

**No history, no figure**: a week whose same weeks of previous years are before the data,
or before the series' first event, or a series whose level cannot be measured (nothing the
year before on the reference weeks) gets a null forecast and a note saying why, never zero.
A week that had history and no event (a holiday) is a true zero.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from forecast.history import KEYS

YEAR = timedelta(weeks=52)
REFERENCE_WEEKS = 8
COVERAGE = (0.1, 0.9)
MIN_ERRORS = 8
NOTE_NO_YEAR = "pas de même semaine d'une année précédente dans les données"
NOTE_NEW_SERIES = (
    "pas encore d'activité de ce site dans cette discipline à la même semaine des années "
    "précédentes"
)
NOTE_NO_LEVEL = (
    "niveau de l'année non mesurable : rien l'année précédente sur les semaines de référence"
)


def years_back(data_start: date | None, start: date) -> int:
    """How many previous school years the data may hold before ``start`` (at least 1)."""
    if data_start is None:
        return 1
    return max(1, (start - data_start).days // YEAR.days)


def _starts(weekly: pl.DataFrame, measure: str) -> pl.DataFrame:
    """Each series and the first week its measure has an event (null: never)."""
    return weekly.group_by(*KEYS).agg(
        pl.col("week_start").filter(pl.col(measure) > 0).min().alias("_series_start")
    )


def _at(rows: pl.DataFrame, weekly: pl.DataFrame, measure: str, shift: pl.Expr) -> pl.DataFrame:
    """``rows`` (series keys, week_start, _series_start) with ``_value``: the measure at the
    week ``shift``, 0 when no event, null when that week is before the series started."""
    values = weekly.select(*KEYS, pl.col("week_start").alias("_at"), pl.col(measure).alias("_v"))
    return (
        rows.with_columns(shift.alias("_at"))
        .join(values, on=[*KEYS, "_at"], how="left")
        .with_columns(
            pl.when(
                pl.col("_series_start").is_not_null() & (pl.col("_at") >= pl.col("_series_start"))
            )
            .then(pl.col("_v").fill_null(0))
            .otherwise(None)
            .cast(pl.Float64)
            .alias("_value")
        )
        .drop("_at", "_v")
    )


def levels(weekly: pl.DataFrame, measure: str, reference: list[date], years: int) -> pl.DataFrame:
    """Per series and year back k (1..years): this year's level, the volume of the reference
    weeks over that of the same weeks k years earlier (only the weeks both have history for);
    null when the earlier volume is 0 or unknown. Columns: site, discipline, k, level."""
    series = _starts(weekly, measure)
    weeks = pl.DataFrame({"week_start": reference}, schema={"week_start": pl.Date})
    rows = series.join(weeks, how="cross")
    now = _at(rows, weekly, measure, pl.col("week_start")).rename({"_value": "_now"})
    parts = []
    for k in range(1, years + 1):
        paired = _at(now, weekly, measure, pl.col("week_start") - YEAR * k).filter(
            pl.col("_value").is_not_null()
        )
        parts.append(
            series.select(*KEYS)
            .join(
                paired.group_by(*KEYS).agg(
                    pl.col("_now").fill_null(0).sum().alias("_recent"),
                    pl.col("_value").sum().alias("_past"),
                ),
                on=list(KEYS),
                how="left",
            )
            .select(
                *KEYS,
                pl.lit(k, pl.Int64).alias("k"),
                pl.when(pl.col("_past") > 0)
                .then(pl.col("_recent") / pl.col("_past"))
                .otherwise(None)
                .cast(pl.Float64)
                .alias("level"),
            )
        )
    return pl.concat(parts)


def _fitted(
    rows: pl.DataFrame, weekly: pl.DataFrame, measure: str, level: pl.DataFrame, years: int
) -> pl.DataFrame:
    """``rows`` (keys, week_start, _series_start) with, for each k, ``_past_k`` (the measure
    at the same week k years earlier) and ``_fit_k`` (level_k × _past_k), then ``_fit`` (the
    mean of the _fit_k known) and ``_last_year`` (_past_1)."""
    for k in range(1, years + 1):
        rows = (
            _at(rows, weekly, measure, pl.col("week_start") - YEAR * k)
            .rename({"_value": f"_past_{k}"})
            .join(
                level.filter(pl.col("k") == k).select(*KEYS, pl.col("level").alias(f"_level_{k}")),
                on=list(KEYS),
                how="left",
            )
            .with_columns((pl.col(f"_level_{k}") * pl.col(f"_past_{k}")).alias(f"_fit_{k}"))
        )
    fits = [pl.col(f"_fit_{k}") for k in range(1, years + 1)]
    known = pl.sum_horizontal(f.is_not_null().cast(pl.Int64) for f in fits)
    return rows.with_columns(
        pl.when(known > 0).then(pl.sum_horizontal(fits) / known).otherwise(None).alias("_fit"),
        pl.col("_past_1").alias("_last_year"),
    )


def error_spread(
    weekly: pl.DataFrame,
    measure: str,
    fit_weeks: list[date],
    level: pl.DataFrame,
    years: int,
) -> pl.DataFrame:
    """Per discipline, the 10th and 90th percentiles of actual / fitted over ``fit_weeks``
    (open weeks of the last year with history; all sites pooled), and how many ratios; null
    percentiles with fewer than MIN_ERRORS. Columns: discipline, ratio_low, ratio_high,
    errors."""
    series = _starts(weekly, measure)
    weeks = pl.DataFrame({"week_start": fit_weeks}, schema={"week_start": pl.Date})
    rows = _at(series.join(weeks, how="cross"), weekly, measure, pl.col("week_start"))
    fitted = _fitted(rows.rename({"_value": "_actual"}), weekly, measure, level, years)
    ratios = fitted.filter(pl.col("_fit") > 0).select(
        "discipline", (pl.col("_actual").fill_null(0) / pl.col("_fit")).alias("_ratio")
    )
    enough = pl.len() >= MIN_ERRORS
    return ratios.group_by("discipline").agg(
        pl.when(enough).then(pl.col("_ratio").quantile(COVERAGE[0], "linear")).alias("ratio_low"),
        pl.when(enough).then(pl.col("_ratio").quantile(COVERAGE[1], "linear")).alias("ratio_high"),
        pl.len().cast(pl.Int64).alias("errors"),
    )


def seasonal_forecast(
    weekly: pl.DataFrame,
    measure: str,
    prefix: str,
    *,
    start: date,
    weeks: int,
    reference: list[date],
    fit_weeks: list[date],
    data_start: date | None,
) -> pl.DataFrame:
    """The forecast of ``measure`` (a column of ``weekly``, see history.weekly_activity) for
    the ``weeks`` weeks from ``start`` (a Monday), per site and discipline of ``weekly``.

    Columns: week_start, site, discipline, {prefix}_last_year (the same week a year earlier,
    null without history), {prefix}_level (this year's level against last year),
    {prefix}_forecast, {prefix}_low, {prefix}_high, {prefix}_note (why there is no forecast;
    null when there is one)."""
    years = years_back(data_start, start)
    level = levels(weekly, measure, reference, years)
    spread = error_spread(weekly, measure, fit_weeks, level, years)
    ahead = pl.DataFrame(
        {"week_start": [start + timedelta(weeks=i) for i in range(weeks)]},
        schema={"week_start": pl.Date},
    )
    rows = _starts(weekly, measure).join(ahead, how="cross")
    fitted = _fitted(rows, weekly, measure, level, years).join(spread, on="discipline", how="left")
    pasts = [pl.col(f"_past_{k}") for k in range(1, years + 1)]
    before_data = (
        pl.lit(True)
        if data_start is None
        else pl.all_horizontal(
            pl.col("week_start") - YEAR * k < data_start for k in range(1, years + 1)
        )
    )
    note = (
        pl.when(pl.col("_fit").is_not_null())
        .then(None)
        .when(before_data)
        .then(pl.lit(NOTE_NO_YEAR))
        .when(pl.all_horizontal(p.is_null() for p in pasts))
        .then(pl.lit(NOTE_NEW_SERIES))
        .otherwise(pl.lit(NOTE_NO_LEVEL))
    )
    forecast = pl.col("_fit")
    low = pl.min_horizontal(forecast, forecast * pl.col("ratio_low"))
    high = pl.max_horizontal(forecast, forecast * pl.col("ratio_high"))
    measured = forecast.is_not_null() & pl.col("ratio_low").is_not_null()
    return fitted.select(
        "week_start",
        *KEYS,
        pl.col("_last_year").alias(f"{prefix}_last_year"),
        pl.col("_level_1").alias(f"{prefix}_level"),
        forecast.alias(f"{prefix}_forecast"),
        pl.when(measured).then(low).alias(f"{prefix}_low"),
        pl.when(measured).then(high).alias(f"{prefix}_high"),
        note.alias(f"{prefix}_note"),
    ).sort("week_start", *KEYS)
