"""Drill-down: the rows behind a figure are exactly those it counts. Every row of four
aggregates of the demo data (dropout rate per site and per group, surge weeks, hours per
group, tutors' load) is checked against its rows behind; on the pages, choosing a row shows
a table with as many rows as the figure chosen."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest
from apptest import open_page, page_problems

from data_access.frames import Frames
from indicators import dropout, flows, support_hours, surges, tutoring
from indicators.common import Period, Scope
from indicators.dataset import Dataset, as_of, prepare
from seed.generate import generate
from ui import charts, charts_activity, charts_learners, drill

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


# --- Clicking a bar: the same rows as the row of the table --------------------------------


def _click(chart: object, layer: int | None, field: str, value: object) -> dict:
    """What Streamlit gives back when the mark of ``value`` is clicked, after checking that
    the chart carries the selection on ``field`` in the layer of its marks."""
    spec = chart.to_dict()
    params = spec.get("params", []) + [
        p for part in spec.get("layer", []) for p in part.get("params", [])
    ]
    (param,) = [p for p in params if p["name"] == drill.SELECTION]
    assert param["select"]["fields"] == [field]
    if layer is not None:  # on the marks that can be clicked (Altair names their view)
        assert param.get("views", [spec["layer"][layer].get("name")]) == [
            spec["layer"][layer].get("name")
        ] or drill.SELECTION in str(spec["layer"][layer])
    return {"selection": {drill.SELECTION: [{field: value}]}}


def _vega_day(day: date) -> int:
    """A day as Vega hands it back: milliseconds since 1970 (UTC midnight)."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def test_a_click_names_its_bar() -> None:
    assert drill.clicked(None, "label") is None
    assert drill.clicked({"selection": {}}, "label") is None
    assert drill.clicked({"selection": {drill.SELECTION: []}}, "label") is None
    assert drill.clicked({"selection": {drill.SELECTION: [{"label": "Lyon"}]}}, "label") == "Lyon"
    day = date(2025, 11, 17)
    event = {"selection": {drill.SELECTION: [{"on_day": _vega_day(day)}]}}
    assert drill.clicked(event, "on_day", temporal=True) == day
    event = {"selection": {drill.SELECTION: [{"on_day": "2025-11-17T00:00:00Z"}]}}
    assert drill.clicked(event, "on_day", temporal=True) == day
    event = {"selection": {drill.SELECTION: [{"on_day": "pas une date"}]}}
    assert drill.clicked(event, "on_day", temporal=True) is None


@pytest.mark.parametrize("by", ["site", "group", "public"])
def test_clicking_a_dropout_bar_gives_its_enrolments(demo: Dataset, by: str) -> None:
    rates = dropout.dropout_by(demo, YEAR, by)
    chart = charts_learners.category_bars(
        rates, category="label", value="dropout_rate", category_title="", value_title=""
    )
    keys = ("site", "group", "public") if by == "group" else (by,)
    for label in rates.get_column("label").head(8):
        event = _click(drill.clickable(chart, "label"), None, "label", label)
        row = rates.filter(pl.col("label") == drill.clicked(event, "label")).row(0, named=True)
        behind = dropout.enrolments_behind(demo, YEAR, tuple((k, row[k]) for k in keys))
        assert behind.height == row["learners_enrolled"]
        assert behind.get_column("dropout").sum() == row["dropouts"]


def test_clicking_a_groups_bar_gives_its_sessions(demo: Dataset) -> None:
    per_group = support_hours.delivered_by_group(demo, YEAR, as_of(demo, YEAR.period))
    chart = charts_learners.delivered_against_expected(
        per_group,
        category="label",
        delivered="hours_delivered",
        expected="hours_expected",
        category_title="",
    )
    assert per_group.get_column("label").n_unique() == per_group.height
    for label in per_group.get_column("label").head(8):
        event = _click(drill.clickable(chart, "label"), 0, "label", label)
        row = per_group.filter(pl.col("label") == drill.clicked(event, "label")).row(0, named=True)
        behind = support_hours.sessions_behind(
            demo, YEAR, row["group_id"], row["need_group_id"], row["kind"]
        )
        assert behind.get_column("duration_hours").sum() == pytest.approx(row["hours_delivered"])


def test_clicking_a_tutors_bar_gives_the_requests_it_counts(demo: Dataset) -> None:
    load = tutoring.tutor_load(demo, YEAR).with_columns(tutoring.no_tutor_label())
    chart = charts.bars(load, category="tutor", value="requests", category_title="", value_title="")
    for tutor in load.get_column("tutor"):
        event = _click(drill.clickable(chart, "tutor"), None, "tutor", tutor)
        row = load.filter(pl.col("tutor") == drill.clicked(event, "tutor")).row(0, named=True)
        who = None if row["tutor"] == tutoring.NO_TUTOR else row["tutor"]
        assert tutoring.requests_behind(demo, YEAR, who).height == row["requests"]


def test_clicking_a_surge_point_gives_the_copies_of_its_week(demo: Dataset) -> None:
    weekly = surges.weekly_series(demo, YEAR, source="copies")
    found = surges.flagged(weekly)
    assert found.height > 0
    name = surges.series_names(weekly, ("site", "discipline"))[0]
    series = surges.one_series(weekly, name, ("site", "discipline"))
    chart = charts_activity.surge_series(
        series, volume_title="Copies", surge_ratio=2.0, threshold_title="Seuil"
    )
    first = series.row(0, named=True)
    where = (("site", first["site"]), ("discipline", first["discipline"]))
    for row in series.iter_rows(named=True):
        event = _click(drill.clickable(chart, "week_start", layer=1), 1, "week_start", 0)
        event["selection"][drill.SELECTION] = [{"week_start": _vega_day(row["week_start"])}]
        week = drill.clicked(event, "week_start", temporal=True)
        assert week == row["week_start"]
        assert surges.events_behind(demo, YEAR, week, where, "copies").height == row["volume"]


@pytest.mark.parametrize("source", ["copies", "tutoring"])
@pytest.mark.parametrize("grain", ["day", "week"])
def test_clicking_a_backlog_bar_gives_what_was_waiting(
    demo: Dataset, source: str, grain: str
) -> None:
    waiting = flows.backlog(demo, YEAR, grain=grain, source=source)
    chart = charts.time_series(waiting, x="on_day", y="waiting", y_title="", mark="bar")
    for row in waiting.gather_every(max(1, waiting.height // 12)).iter_rows(named=True):
        event = _click(drill.clickable(chart, "on_day"), None, "on_day", _vega_day(row["on_day"]))
        day = drill.clicked(event, "on_day", temporal=True)
        behind = surges.waiting_behind(demo, YEAR, day, source)
        assert behind.height == row["waiting"], row
    assert waiting.get_column("waiting").max() > 0
