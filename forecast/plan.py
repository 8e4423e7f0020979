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

from collections.abc import Callable
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


def data_start(dataset: Dataset) -> date | None:
    """The Monday of the week of the first copy or request of the data."""
    days = [
        dataset.copies.get_column("submitted_on").min(),
        dataset.tutoring_requests.get_column("received_at").min(),
    ]
    days = [d.date() if hasattr(d, "date") else d for d in days if d is not None]
    if not days:
        return None
    first = min(days)
    return first - timedelta(days=first.weekday())


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
    first = data_start(dataset)
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
    )


def _run(
    rows: list[dict],
    arrivals: str,
    per_person: str,
    people: str,
    backlog: float,
    target_days: float,
    goal: float,
) -> list[tuple]:
    """The queue week by week for one series: (people needed, backlog, mean wait in days,
    share within target) with the current people; a week without a forecast, and every week
    after it, has none (the backlog is no longer known)."""
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
    correction: Callable[[list[dict], float], list[tuple]] = lambda rows, backlog: _run(  # noqa: E731
        rows,
        "copies_forecast",
        "copies_per_corrector",
        "correctors",
        backlog,
        settings.correction_target_days,
        settings.correction_goal_share,
    )
    tutoring: Callable[[list[dict], float], list[tuple]] = lambda rows, backlog: _run(  # noqa: E731
        rows,
        "requests_forecast",
        "requests_per_tutor",
        "tutors",
        backlog,
        settings.tutoring_target_hours / 24,
        settings.tutoring_goal_share,
    )
    copies_out: list[tuple] = []
    requests_out: list[tuple] = []
    for _keys, series in table.group_by(*KEYS, maintain_order=True):
        rows = series.to_dicts()
        copies_out += correction(rows, rows[0]["copies_backlog"])
        requests_out += tutoring(rows, rows[0]["requests_backlog"])

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
