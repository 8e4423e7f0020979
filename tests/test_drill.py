"""Drill-down: the rows behind a figure are exactly those it counts. Every row of four
aggregates of the demo data (dropout rate per site and per group, surge weeks, hours per
group, tutors' load) is checked against its rows behind; on the pages, choosing a row shows
a table with as many rows as the figure chosen."""

from __future__ import annotations

import polars as pl
import pytest
from apptest import open_page, page_problems

from data_access.frames import Frames
from indicators import dropout, support_hours, surges, tutoring
from indicators.common import Period, Scope
from indicators.dataset import Dataset, as_of, prepare
from seed.generate import generate

YEAR = Scope(Period.school_year(2025))
SERIES = ["week_start", "site", "discipline", "volume"]


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return prepare(Frames.empty(**generate("demo", 42)))


@pytest.mark.parametrize("by", ["site", "group", "public"])
def test_the_enrolments_behind_each_dropout_rate(demo: Dataset, by: str) -> None:
    rates = dropout.dropout_by(demo, YEAR, by)
    keys = ("site", "group", "public") if by == "group" else (by,)
    assert rates.height > 1
    for row in rates.iter_rows(named=True):
        behind = dropout.enrolments_behind(demo, YEAR, tuple((k, row[k]) for k in keys))
        assert behind.height == row["learners_enrolled"], row
        assert behind.get_column("dropout").sum() == row["dropouts"], row
        assert behind.get_column("dropout").to_list() == sorted(behind["dropout"], reverse=True)


@pytest.mark.parametrize("source", ["copies", "tutoring"])
def test_the_events_behind_each_surge_week(demo: Dataset, source: str) -> None:
    found = surges.surges(demo, YEAR, source=source)
    weekly = surges.weekly_series(demo, YEAR, source=source)
    assert found.height > 0 or source == "tutoring"
    some_weeks = pl.concat([found.select(SERIES), weekly.select(SERIES).sample(20, seed=1)])
    for row in some_weeks.iter_rows(named=True):
        series = (("site", row["site"]), ("discipline", row["discipline"]))
        behind = surges.events_behind(demo, YEAR, row["week_start"], series, source)
        assert behind.height == row["volume"], row


def test_the_sessions_behind_each_groups_hours(demo: Dataset) -> None:
    per_group = support_hours.delivered_by_group(demo, YEAR, as_of(demo, YEAR.period))
    assert per_group.height > 10
    for row in per_group.iter_rows(named=True):
        behind = support_hours.sessions_behind(
            demo, YEAR, row["group_id"], row["need_group_id"], row["kind"]
        )
        assert behind.height == row["sessions"], row
        assert behind.get_column("duration_hours").sum() == pytest.approx(row["hours_delivered"])


def test_the_requests_behind_each_tutors_load(demo: Dataset) -> None:
    load = tutoring.tutor_load(demo, YEAR)
    assert load.height > 1
    for row in load.iter_rows(named=True):
        behind = tutoring.requests_behind(demo, YEAR, row["tutor"])
        assert behind.height == row["requests"], row
        assert behind.get_column("external_id").null_count() == 0


@pytest.mark.parametrize(
    ("page", "key", "figure"),
    [
        ("pages/dropout.py", "dropout_site", "Inscriptions actives"),
        ("pages/tutoring.py", "tutor_load", "Sollicitations reçues"),
        ("pages/support.py", "hours_by_group", "Séances"),
        ("pages/activity.py", "surges_copies", "Volume de la semaine"),
    ],
)
def test_choosing_a_row_shows_as_many_rows_as_its_figure(
    demo_env: str, page: str, key: str, figure: str
) -> None:
    app = open_page(page)
    choice = app.selectbox(key=f"drill_{key}")
    assert choice.value is None and choice.options
    table = next(t for t in app.main.dataframe if f"rows_{key}" in (t.proto.id or ""))
    first = table.value.iloc[0]
    choice.set_value(choice.options[0]).run()
    assert not page_problems(app)
    tables = app.main.dataframe
    position = next(i for i, t in enumerate(tables) if f"rows_{key}" in (t.proto.id or ""))
    behind = tables[position + 1].value
    assert len(behind) == int(first[figure]), (page, first.to_dict())
