"""The capacity plan: for each week ahead, site and discipline, the forecast arrivals, the
staff needed to hold the targets, and what the current staff would leave waiting.

Two steps, so the page recomputes only the cheap one when the user edits a figure:

- ``measure(dataset, scope, as_of=..., weeks=...)`` -> Inputs: the forecast of copies and
  requests (``seasonal``), the capacity and teams (``capacity``), the backlog on the eve of the
  first week (``history``); the heavy part, done once per selection;
- ``project(inputs, settings, capacity=..., staff=...)`` -> the plan table: the weekly fluid
  queue (``queue``) run week by week for each site and discipline, with the capacity and
  teams measured, or those the user typed instead (what if).

``capacity_plan`` does both (the command line).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from forecast import capacity as cap
from forecast import history, queue, seasonal
from forecast.history import KEYS
from indicators.common import DEFAULT_SETTINGS, IndicatorSettings, Scope
from indicators.dataset import Dataset, data_end, open_weeks

DEFAULT_WEEKS = 12
MAX_WEEKS = 52

PLAN_SCHEMA: dict[str, pl.DataType] = {
    "week_start": pl.Date(),
    "site": pl.String(),
    "discipline": pl.String(),
    "copies_last_year": pl.Float64(),
    "copies_level": pl.Float64(),
    "copies_forecast": pl.Float64(),
    "copies_low": pl.Float64(),
    "copies_high": pl.Float64(),
    "copies_note": pl.String(),
    "copies_per_corrector": pl.Float64(),
    "correctors": pl.Int64(),
    "correctors_needed": pl.Int64(),
    "copies_backlog_projected": pl.Float64(),
    "correction_wait_days_projected": pl.Float64(),
    "correction_within_target_share_projected": pl.Float64(),
    "requests_last_year": pl.Float64(),
    "requests_level": pl.Float64(),
    "requests_forecast": pl.Float64(),
    "requests_low": pl.Float64(),
    "requests_high": pl.Float64(),
    "requests_note": pl.String(),
    "requests_per_tutor": pl.Float64(),
    "tutors": pl.Int64(),
    "tutors_needed": pl.Int64(),
    "requests_backlog_projected": pl.Float64(),
    "response_wait_hours_projected": pl.Float64(),
    "tutoring_within_target_share_projected": pl.Float64(),
}


@dataclass(frozen=True)
class Inputs:
    """What a plan is computed from (see ``measure``)."""

    as_of: date
    """The last day of data used."""
    start: date
    """The Monday of the first week forecast (history.first_week(as_of))."""
    weeks: int
    forecast: pl.DataFrame
    """week_start, site, discipline and the copies_* and requests_* forecast columns."""
    capacity: pl.DataFrame
    """capacity.CAPACITY_SCHEMA: per discipline, measured."""
    staff: pl.DataFrame
    """capacity.STAFF_SCHEMA: per site and discipline, measured."""
    backlog: pl.DataFrame
    """site, discipline, copies_backlog, requests_backlog on the eve of ``start``."""
    reference: tuple[date, ...]
    """The reference weeks (level and capacity)."""
    weekly: pl.DataFrame
    """history.weekly_activity: what happened each week before ``start``."""
    data_start: date | None
    """The Monday of the data's first week."""


def data_start(dataset: Dataset) -> date | None:
    """The Monday of the data's first open week (``dataset.open_weeks``: for a user's part of
    the data, that of the whole data, so a site's forecast is the same for its manager and
    for the direction choosing that site)."""
    return _first(open_weeks(dataset))


def _first(weeks: pl.Series) -> date | None:
    return weeks.min() if not weeks.is_empty() else None


def measure(
    dataset: Dataset, scope: Scope, *, as_of: date | None = None, weeks: int = DEFAULT_WEEKS
) -> Inputs:
    """The forecast, capacity, teams and backlog of the scope's sites and disciplines (within
    its perimeter and filters), from the data up to ``as_of`` (default: the data's last day),
    for ``weeks`` weeks."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"Nombre de semaines à prévoir : de 1 à {MAX_WEEKS}.")
    last = as_of or data_end(dataset) or scope.period.end
    start = history.first_week(last)
    opened = open_weeks(dataset)
    reference = cap.reference_weeks(opened, start)
    weekly = history.weekly_activity(dataset, scope, start)
    first = _first(opened)
    common = {
        "start": start,
        "weeks": weeks,
        "reference": reference,
        "fit_weeks": cap.fit_weeks(opened, start),
        "data_start": first,
    }
    copies = seasonal.seasonal_forecast(weekly, "copies_received", "copies", **common)
    requests = seasonal.seasonal_forecast(weekly, "requests_received", "requests", **common)
    forecast = copies.join(requests, on=["week_start", *KEYS], how="full", coalesce=True)
    capacity, staff = cap.measured(history.weekly_team(dataset, scope, reference))
    return Inputs(
        as_of=last,
        start=start,
        weeks=weeks,
        forecast=forecast.sort("week_start", *KEYS),
        capacity=capacity,
        staff=staff,
        backlog=history.backlog_on_eve(dataset, scope, start),
        reference=tuple(reference),
        weekly=weekly,
        data_start=first,
    )


def _run(
    rows: list[dict],
    backlog: float,
    arrivals: str,
    per_person: str,
    people: str,
    target_days: float,
    goal: float,
) -> list[tuple]:
    """The queue week by week for one series (``rows``, its weeks in order, starting with
    ``backlog`` waiting; ``arrivals``, ``per_person``, ``people``: the columns of the forecast,
    the capacity and the team): (people needed, backlog, mean wait in days, share within
    target) with the current people; a week without a forecast, and every week after it, has
    none (the backlog is no longer known)."""
    out = []
    now, needed_backlog = float(backlog), float(backlog)
    for row in rows:
        expected, rate, team = row[arrivals], row[per_person], row[people]
        if expected is None or now is None:
            out.append((None, None, None, None))
            now = needed_backlog = None
            continue
        needed = None
        if rate is not None and needed_backlog is not None:
            needed = queue.staff_needed(needed_backlog, expected, rate, target_days, goal)
            if needed is not None:
                needed_backlog = queue.week(
                    needed_backlog, expected, needed * rate, target_days
                ).backlog_end
        if rate is None or team is None:
            out.append((needed, None, None, None))
            now = None
            continue
        week = queue.week(now, expected, team * rate, target_days)
        out.append((needed, week.backlog_end, week.mean_wait_days, week.within_target_share))
        now = week.backlog_end
    return out


def project(
    inputs: Inputs,
    settings: IndicatorSettings = DEFAULT_SETTINGS,
    *,
    capacity: pl.DataFrame | None = None,
    staff: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The plan table (PLAN_SCHEMA): ``inputs`` with the capacity per discipline and the team
    per site and discipline given (default: those measured), run through the weekly fluid
    queue with the targets and goals of ``settings``."""
    capacity = inputs.capacity if capacity is None else capacity.cast(cap.CAPACITY_SCHEMA)
    staff = inputs.staff if staff is None else staff.cast(cap.STAFF_SCHEMA)
    table = (
        inputs.forecast.join(capacity, on="discipline", how="left")
        .join(staff, on=list(KEYS), how="left")
        .join(inputs.backlog, on=list(KEYS), how="left")
        .with_columns(
            pl.col("correctors", "tutors", "copies_backlog", "requests_backlog").fill_null(0)
        )
        .sort(*KEYS, "week_start")
    )
    correction = (
        "copies_forecast",
        "copies_per_corrector",
        "correctors",
        settings.correction_target_days,
        settings.correction_goal_share,
    )
    tutoring = (
        "requests_forecast",
        "requests_per_tutor",
        "tutors",
        settings.tutoring_target_hours / 24,
        settings.tutoring_goal_share,
    )
    copies_out: list[tuple] = []
    requests_out: list[tuple] = []
    for _keys, series in table.group_by(*KEYS, maintain_order=True):
        rows = series.to_dicts()
        copies_out += _run(rows, rows[0]["copies_backlog"], *correction)
        requests_out += _run(rows, rows[0]["requests_backlog"], *tutoring)

    def column(values: list[tuple], index: int, name: str) -> pl.Series:
        return pl.Series(name, [v[index] for v in values], dtype=PLAN_SCHEMA[name])

    projected = table.with_columns(
        column(copies_out, 0, "correctors_needed"),
        column(copies_out, 1, "copies_backlog_projected"),
        column(copies_out, 2, "correction_wait_days_projected"),
        column(copies_out, 3, "correction_within_target_share_projected"),
        column(requests_out, 0, "tutors_needed"),
        column(requests_out, 1, "requests_backlog_projected"),
        column(requests_out, 2, "response_wait_hours_projected") * 24,
        column(requests_out, 3, "tutoring_within_target_share_projected"),
    )
    return projected.select(list(PLAN_SCHEMA)).cast(PLAN_SCHEMA).sort("week_start", *KEYS)


def capacity_plan(
    dataset: Dataset,
    scope: Scope,
    *,
    as_of: date | None = None,
    weeks: int = DEFAULT_WEEKS,
) -> pl.DataFrame:
    """``project(measure(...))`` with the capacity and teams measured."""
    inputs = measure(dataset, scope, as_of=as_of, weeks=weeks)
    return project(inputs, scope.settings)


CURVES = ("actual", "forecast", "last_year")


def compare(
    inputs: Inputs,
    prefix: str,
    *,
    disciplines: tuple[str, ...] = (),
    past_weeks: int = 12,
) -> pl.DataFrame:
    """The weekly totals of the sites and ``disciplines`` (all when empty) to draw: what
    happened in the ``past_weeks`` weeks before the forecast (curve "actual"), the forecast
    and its interval (curve "forecast": the sums of each site's and discipline's bounds), and
    the same weeks a year earlier over both (curve "last_year", null before the data).
    ``prefix``: "copies" or "requests". Columns: week_start, curve, value, low, high,
    missing (series without a forecast that week)."""
    measure = f"{prefix}_received"
    weekly = inputs.weekly
    forecast = inputs.forecast
    if disciplines:
        weekly = weekly.filter(pl.col("discipline").is_in(list(disciplines)))
        forecast = forecast.filter(pl.col("discipline").is_in(list(disciplines)))
    first = inputs.start - timedelta(weeks=past_weeks)
    weeks = pl.DataFrame(
        {"week_start": [first + timedelta(weeks=i) for i in range(past_weeks + inputs.weeks)]},
        schema={"week_start": pl.Date},
    )
    totals = weekly.group_by("week_start").agg(pl.col(measure).sum().cast(pl.Float64).alias("v"))
    actual = (
        weeks.filter(pl.col("week_start") < inputs.start)
        .join(totals, on="week_start", how="left")
        .select("week_start", pl.col("v").fill_null(0).alias("value"))
    )
    known = pl.lit(False) if inputs.data_start is None else pl.col("_before") >= inputs.data_start
    year_before = (
        weeks.with_columns((pl.col("week_start") - seasonal.YEAR).alias("_before"))
        .join(totals.rename({"week_start": "_before"}), on="_before", how="left")
        .select("week_start", pl.when(known).then(pl.col("v").fill_null(0)).alias("value"))
    )
    ahead = forecast.group_by("week_start").agg(
        pl.col(f"{prefix}_forecast").sum().alias("value"),
        pl.col(f"{prefix}_low").sum().alias("low"),
        pl.col(f"{prefix}_high").sum().alias("high"),
        pl.col(f"{prefix}_forecast").is_null().sum().cast(pl.Int64).alias("missing"),
    )
    schema = {
        "week_start": pl.Date,
        "curve": pl.String,
        "value": pl.Float64,
        "low": pl.Float64,
        "high": pl.Float64,
        "missing": pl.Int64,
    }
    parts = [
        actual.with_columns(pl.lit("actual").alias("curve")),
        ahead.with_columns(pl.lit("forecast").alias("curve")),
        year_before.with_columns(pl.lit("last_year").alias("curve")),
    ]
    return (
        pl.concat([p.select([c for c in schema if c in p.columns]) for p in parts], how="diagonal")
        .select(list(schema))
        .cast(schema)
        .sort("curve", "week_start")
    )


def by_discipline(table: pl.DataFrame) -> pl.DataFrame:
    """The plan (PLAN_SCHEMA) summed over the sites, per week and discipline: arrivals, staff
    and backlogs added up; mean waits and shares within target weighted by the arrivals
    forecast at each site. A total is null when one of its sites has none.

    Columns: week_start, discipline, copies_forecast, correctors, correctors_needed,
    copies_backlog_projected, correction_wait_days_projected,
    correction_within_target_share_projected, requests_forecast, tutors, tutors_needed,
    requests_backlog_projected, response_wait_hours_projected,
    tutoring_within_target_share_projected."""

    def total(column: str) -> pl.Expr:
        return pl.when(pl.col(column).null_count() == 0).then(pl.col(column).sum()).alias(column)

    def weighted(column: str, weight: str) -> pl.Expr:
        known = pl.col(column).is_not_null() & (pl.col(weight) > 0)
        weights = pl.col(weight).filter(known)
        return (
            pl.when(weights.sum() > 0)
            .then((pl.col(column).filter(known) * weights).sum() / weights.sum())
            .alias(column)
        )

    return (
        table.group_by("week_start", "discipline")
        .agg(
            total("copies_forecast"),
            pl.col("correctors").sum(),
            total("correctors_needed"),
            total("copies_backlog_projected"),
            weighted("correction_wait_days_projected", "copies_forecast"),
            weighted("correction_within_target_share_projected", "copies_forecast"),
            total("requests_forecast"),
            pl.col("tutors").sum(),
            total("tutors_needed"),
            total("requests_backlog_projected"),
            weighted("response_wait_hours_projected", "requests_forecast"),
            weighted("tutoring_within_target_share_projected", "requests_forecast"),
        )
        .sort("week_start", "discipline")
    )


COLUMN_LABELS = {
    "week_start": "Semaine du",
    "site": "Site",
    "discipline": "Discipline",
    "copies_last_year": "Copies reçues la même semaine un an plus tôt",
    "copies_level": "Niveau de cette année (rapport à l'an passé)",
    "copies_forecast": "Copies prévues",
    "copies_low": "Copies prévues, bas de l'intervalle",
    "copies_high": "Copies prévues, haut de l'intervalle",
    "copies_note": "Copies : pourquoi pas de prévision",
    "copies_per_corrector": "Copies par correcteur et par semaine",
    "correctors": "Correcteurs",
    "correctors_needed": "Correcteurs nécessaires",
    "copies_backlog_projected": "Copies en attente en fin de semaine (prévu)",
    "correction_wait_days_projected": "Attente moyenne prévue (jours)",
    "correction_within_target_share_projected": "Part prévue corrigée dans l'objectif",
    "requests_last_year": "Sollicitations la même semaine un an plus tôt",
    "requests_level": "Niveau de cette année, sollicitations",
    "requests_forecast": "Sollicitations prévues",
    "requests_low": "Sollicitations prévues, bas de l'intervalle",
    "requests_high": "Sollicitations prévues, haut de l'intervalle",
    "requests_note": "Sollicitations : pourquoi pas de prévision",
    "requests_per_tutor": "Sollicitations par tuteur et par semaine",
    "tutors": "Tuteurs",
    "tutors_needed": "Tuteurs nécessaires",
    "requests_backlog_projected": "Sollicitations en attente en fin de semaine (prévu)",
    "response_wait_hours_projected": "Attente moyenne prévue (heures)",
    "tutoring_within_target_share_projected": "Part prévue répondue dans le délai",
}
COLUMN_KINDS = {
    "copies_level": "ratio",
    "requests_level": "ratio",
    "correction_wait_days_projected": "days",
    "response_wait_hours_projected": "hours",
    "correction_within_target_share_projected": "share",
    "tutoring_within_target_share_projected": "share",
}
COPIES_COLUMNS = [
    "week_start",
    "discipline",
    "copies_forecast",
    "correctors",
    "correctors_needed",
    "copies_backlog_projected",
    "correction_wait_days_projected",
    "correction_within_target_share_projected",
]
REQUESTS_COLUMNS = [
    "week_start",
    "discipline",
    "requests_forecast",
    "tutors",
    "tutors_needed",
    "requests_backlog_projected",
    "response_wait_hours_projected",
    "tutoring_within_target_share_projected",
]


def headline(table: pl.DataFrame) -> dict[str, object]:
    """The plan in a few figures: copies and requests forecast over all the weeks (those with
    a forecast), the busiest week for copies and its forecast, the most correctors and tutors
    needed in one week (all sites and disciplines together) and the staff of the table."""
    weekly = table.group_by("week_start").agg(
        pl.col("copies_forecast").sum(),
        pl.col("correctors_needed").sum(),
        pl.col("tutors_needed").sum(),
    )
    busiest = weekly.sort("copies_forecast", "week_start", descending=[True, False]).head(1)
    staff = table.unique(["site", "discipline"])
    return {
        "copies_forecast": table.get_column("copies_forecast").sum(),
        "requests_forecast": table.get_column("requests_forecast").sum(),
        "busiest_week": busiest.get_column("week_start").first(),
        "busiest_copies": busiest.get_column("copies_forecast").first(),
        "correctors_needed_max": weekly.get_column("correctors_needed").max(),
        "correctors": staff.get_column("correctors").sum(),
        "tutors_needed_max": weekly.get_column("tutors_needed").max(),
        "tutors": staff.get_column("tutors").sum(),
    }
