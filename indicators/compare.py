"""The same period a year earlier: its dates, and a table of this period beside the year
before with the change (in points for a rate, in per cent for
a count).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from indicators.common import Period

BEFORE, CHANGE = "_year_before", "_change"


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def day_a_year_before(day: date) -> date:
    """The same date one calendar year earlier (29/02 becomes 28/02): the day a situation
    (learners still enrolled, interviews overdue) is looked at a year before."""
    return _year_earlier(day)


def year_before(period: Period) -> Period:
    """The same dates one calendar year earlier (29/02 becomes 28/02)."""
    return Period(_year_earlier(period.start), _year_earlier(period.end))


def beside(
    now: pl.DataFrame,
    before: pl.DataFrame,
    keys: list[str],
    values: dict[str, str],
) -> pl.DataFrame:
    """``now`` with, for each column of ``values`` (column -> "rate" or "count"), the value a
    year before (``{column}_year_before``, matched on ``keys``; null when the year before has
    no such row) and its change (``{column}_change``): in points for a rate (0,25 -> 0,40 is
    +15), as a fraction for a count (4 -> 6 is 0,5, shown +50 %)."""
    earlier = before.select(*keys, *[pl.col(column).alias(column + BEFORE) for column in values])
    changes = []
    for column, kind in values.items():
        was, now_value = pl.col(column + BEFORE), pl.col(column)
        if kind == "rate":
            change = (now_value - was) * 100
        else:
            change = pl.when(was > 0).then((now_value - was) / was).otherwise(None)
        changes.append(change.cast(pl.Float64).alias(column + CHANGE))
    return now.join(earlier, on=keys, how="left", nulls_equal=True).with_columns(changes)


def labels(base: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    """The French labels of the columns ``beside`` adds."""
    added = {}
    for column, kind in values.items():
        name = base.get(column, column)
        added[column + BEFORE] = f"{name}, un an plus tôt"
        added[column + CHANGE] = f"{name} : évolution ({'points' if kind == 'rate' else '%'})"
    return added


def kinds(values: dict[str, str]) -> dict[str, str]:
    """The table kinds (ui.tables) of the columns ``beside`` adds."""
    found = {}
    for column, kind in values.items():
        found[column + BEFORE] = "share" if kind == "rate" else "number"
        found[column + CHANGE] = "number" if kind == "rate" else "share"
    return found


def brought_forward(series: pl.DataFrame, grain: str, x: str = "period_start") -> pl.DataFrame:
    """A series of a year before (``x``, ..., count) moved onto this year's dates, to be
    drawn over this year's: 52 weeks later for days and weeks (the same weekday, the same
    school week), a year later for months; ``year_before_start`` keeps its own date."""
    shift = "1y" if grain == "month" else "52w"
    return series.with_columns(
        pl.col(x).alias("year_before_start"),
        pl.col(x).dt.offset_by(shift).alias(x),
    )


def labelled(
    now: pl.DataFrame,
    before: pl.DataFrame | None,
    keys: list[str],
    values: dict[str, str],
    base_labels: dict[str, str],
    base_kinds: dict[str, str] | None = None,
) -> tuple[pl.DataFrame, dict[str, str], dict[str, str]]:
    """A table with its labels and kinds (ui.tables), and when ``before`` is given (the same
    table a year earlier) the columns of ``beside`` with theirs: what a page shows."""
    shown_kinds = dict(base_kinds or {})
    if before is None:
        return now, base_labels, shown_kinds
    table = beside(now, before, keys, values)
    return table, base_labels | labels(base_labels, values), shown_kinds | kinds(values)
