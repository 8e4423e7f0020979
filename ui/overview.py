"""What the overview page (pages/overview.py) computes, in one place: the page reads it, and a
server process computes it for the whole perimeter before it answers (ui/warmup.py), so that
the first page after a start is drawn from memory."""

from __future__ import annotations

from collections.abc import Hashable
from concurrent.futures import Future
from datetime import date, timedelta

import polars as pl

from alerts import rules
from indicators import compare, risk, summary, surges
from indicators.common import Period
from ui import cached, deferred, follow_up
from ui.sidebar import Selection


def earlier_period(selection: Selection) -> Period:
    """The period the key figures are compared with: the same one a year earlier when the
    sidebar asks for it, else the days just before."""
    period = selection.scope.period
    return compare.year_before(period) if selection.year_before else period.previous()


def week_before(day: date) -> date:
    """The day the risk list is compared with (the alerts of learners who became at risk)."""
    return day - timedelta(days=7)


def outside_data(selection: Selection) -> bool:
    """Whether the selection's period and the data's dates do not meet (no data at all, or a
    period before or after them): then there is no alert nor surge to compute. The page says
    why with ``notices.period_outside_data``."""
    period = selection.scope.period
    covered = cached.compute(summary.data_period, selection)
    return covered is None or period.end < covered.start or period.start > covered.end


def headline_figures(selection: Selection) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The key figures of the period, and those of ``earlier_period`` (None when the data do
    not reach back that far: no comparison rather than a false one)."""
    scope = selection.scope
    now = cached.compute(summary.headline, selection, scope=scope)
    covered = cached.compute(summary.data_period, selection)
    earlier = earlier_period(selection)
    if covered is None or earlier.end < covered.start:
        return now, None
    return now, cached.compute(summary.headline, selection, scope=scope.with_period(earlier))


def surge_figures(selection: Selection) -> tuple[surges.Watched, pl.DataFrame]:
    """The weeks watched for surges, and the surges of the period."""
    scope = selection.scope
    seen = cached.compute(surges.watched, selection, period=scope.period)
    return seen, cached.compute(surges.surges, selection, scope=scope)


def risk_lists(selection: Selection, day: date) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """What the alerts are made of: the event alerts of ``day`` and the risk lists of ``day``
    and of ``week_before(day)``."""
    scope = selection.scope
    return (
        cached.compute(rules.event_alerts, selection, scope=scope, as_of=day),
        cached.compute(risk.at_risk, selection, scope=scope, as_of=day),
        cached.compute(risk.at_risk, selection, scope=scope, as_of=week_before(day)),
    )


def key_figures(selection: Selection) -> None:
    """The figures at the top and in the left column, into the memoised caches."""
    headline_figures(selection)
    if not outside_data(selection):
        surge_figures(selection)


def risk_figures(selection: Selection, day: date, outside: bool) -> None:
    """What the alerts and the right column read, into the memoised caches (the page computes
    them in the background: the national risk lists take seconds)."""
    if not outside:
        risk_lists(selection, day)
    follow_up.at_risk(selection, day)


RISK_WORK = "les alertes de la vue d'ensemble"


def risk_key(selection: Selection, day: date) -> Hashable:
    """The key of the risk figures' background work (ui/deferred.py): whoever starts it first,
    the page or the server before it answers, every session drawing them waits for that one."""
    return ("vue-d-ensemble", selection.data_key, selection.scope, day)


def start_risk_figures(selection: Selection, day: date, outside: bool) -> Future[None]:
    """Start computing the risk figures in the background (once per key): the page that asks
    for them draws them when done (the server waits for them before it answers)."""
    return deferred.start(
        risk_key(selection, day), lambda: risk_figures(selection, day, outside), RISK_WORK
    )
