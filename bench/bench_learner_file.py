"""Opening a learner's file at national scale (the two-year national seed, built in memory):
the search index (once per data version in the app), a search, then the file and its risk
signals for learners drawn at random; then the drill-downs (the rows behind a site's dropout
rate, a surge week, a group's hours, a tutor's load), by a row and by a bar of a chart: the
chart drawn clickable (its Vega-Lite, as st.altair_chart asks for it), the value Streamlit
hands back turned into the bar's row (ui.drill.clicked), the rows behind it; and a backlog
day's waiting copies. Wall and processor time. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_learner_file.py
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime

import polars as pl

from data_access.frames import Frames
from indicators import dropout, flows, learner_file, support_hours, surges, tutoring
from indicators.common import DEFAULT_SETTINGS, Period, Scope
from indicators.dataset import as_of, prepare
from seed.generate import generate
from ui import charts, charts_activity, charts_learners, drill

DRAWS = 20


def timed(label: str, run):  # noqa: ANN001, ANN201
    start, cpu = time.perf_counter(), time.process_time()
    result = run()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<52} {wall:6.2f} s (processeur {cpu:5.2f} s)")
    return result


def click(chart, field: str, value: object, *, layer: int = 0, temporal: bool = False):  # noqa: ANN001, ANN201
    """What a click on a bar costs the app: the clickable chart's spec, then the value back."""
    drill.clickable(chart, field, layer=layer).to_dict()
    if temporal:
        value = int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp() * 1000)
    return drill.clicked(
        {"selection": {drill.SELECTION: [{field: value}]}}, field, temporal=temporal
    )


def main() -> None:
    tables = timed("generate the national seed (in memory)", lambda: generate("national", 42))
    dataset = timed("prepare", lambda: prepare(Frames.empty(**tables)))
    index = timed(
        "search index (once per data version)", lambda: learner_file.search_index(dataset)
    )
    found = timed("search « martin »", lambda: learner_file.find_learners(index, "martin"))
    print(f"  {found.height} learners listed")
    identifiers = random.Random(1).sample(index.get_column("external_id").to_list(), DRAWS)
    opened = []
    for external_id in identifiers:
        start = time.perf_counter()
        learner_file.learner_file(dataset, DEFAULT_SETTINGS, external_id)
        learner_file.risk_signals(dataset, DEFAULT_SETTINGS, external_id)
        opened.append(time.perf_counter() - start)
    print(
        f"{'open a file + its risk signals, ' + str(DRAWS) + ' learners':<52} "
        f"median {statistics.median(opened):.2f} s, max {max(opened):.2f} s"
    )
    year = Scope(Period.school_year(2025))
    site = dropout.dropout_by(dataset, year, "site").row(0, named=True)
    timed(
        f"drill: a site's enrolments ({site['learners_enrolled']})",
        lambda: dropout.enrolments_behind(dataset, year, (("site", site["site"]),)),
    )
    week = surges.surges(dataset, year).row(0, named=True)
    timed(
        f"drill: a surge week's copies ({week['volume']})",
        lambda: surges.events_behind(
            dataset,
            year,
            week["week_start"],
            (("site", week["site"]), ("discipline", week["discipline"])),
        ),
    )
    group = support_hours.delivered_by_group(dataset, year, as_of(dataset, year.period)).row(
        0, named=True
    )
    timed(
        f"drill: a group's sessions ({group['sessions']})",
        lambda: support_hours.sessions_behind(
            dataset, year, group["group_id"], group["need_group_id"], group["kind"]
        ),
    )
    tutor = tutoring.tutor_load(dataset, year).row(0, named=True)
    timed(
        f"drill: a tutor's requests ({tutor['requests']})",
        lambda: tutoring.requests_behind(dataset, year, tutor["tutor"]),
    )

    bars(dataset, year)


def bars(dataset, year: Scope) -> None:  # noqa: ANN001
    """The same drill-downs from a click on a bar (the aggregate already computed, as on the
    page, whose rerun draws it again from the cache)."""
    rates = dropout.dropout_by(dataset, year, "site")
    chart = charts_learners.category_bars(
        rates, category="label", value="dropout_rate", category_title="", value_title=""
    )

    def site_bar():  # noqa: ANN202
        label = click(chart, "label", rates.get_column("label")[0])
        row = rates.filter(pl.col("label") == label).row(0, named=True)
        return dropout.enrolments_behind(dataset, year, (("site", row["site"]),))

    found = timed("bar: a site's dropout rate", site_bar)
    print(f"  {found.height} rows (figure {rates.row(0, named=True)['learners_enrolled']})")
    weekly = surges.weekly_series(dataset, year)
    week = surges.surges(dataset, year).row(0, named=True)
    name = f"{week['site']} · {week['discipline']}"
    series = surges.one_series(weekly, name)
    surge_chart = charts_activity.surge_series(
        series, volume_title="Copies", surge_ratio=2.0, threshold_title="Seuil"
    )

    def surge_point():  # noqa: ANN202
        day = click(surge_chart, "week_start", week["week_start"], layer=1, temporal=True)
        where = (("site", week["site"]), ("discipline", week["discipline"]))
        return surges.events_behind(dataset, year, day, where)

    found = timed("bar: a surge week's copies", surge_point)
    print(f"  {found.height} rows (figure {week['volume']})")
    per_group = support_hours.delivered_by_group(dataset, year, as_of(dataset, year.period))
    group_chart = charts_learners.delivered_against_expected(
        per_group, category="label", delivered="hours_delivered", expected="hours_expected",
        category_title="",
    )  # fmt: skip

    def group_bar():  # noqa: ANN202
        label = click(group_chart, "label", per_group.get_column("label")[0])
        row = per_group.filter(pl.col("label") == label).row(0, named=True)
        return support_hours.sessions_behind(
            dataset, year, row["group_id"], row["need_group_id"], row["kind"]
        )

    found = timed("bar: a group's AP hours", group_bar)
    print(f"  {found.height} rows (figure {per_group.row(0, named=True)['sessions']} séances)")
    load = tutoring.tutor_load(dataset, year).with_columns(tutoring.no_tutor_label())
    load_chart = charts.bars(
        load, category="tutor", value="requests", category_title="", value_title=""
    )

    def tutor_bar():  # noqa: ANN202
        tutor = click(load_chart, "tutor", load.get_column("tutor")[0])
        return tutoring.requests_behind(
            dataset, year, None if tutor == tutoring.NO_TUTOR else tutor
        )

    found = timed("bar: a tutor's load", tutor_bar)
    print(f"  {found.height} rows (figure {load.row(0, named=True)['requests']})")
    waiting = flows.backlog(dataset, year, grain="week")
    busiest = waiting.sort("waiting", descending=True).row(0, named=True)
    backlog_chart = charts.time_series(waiting, x="on_day", y="waiting", y_title="", mark="bar")

    def backlog_bar():  # noqa: ANN202
        day = click(backlog_chart, "on_day", busiest["on_day"], temporal=True)
        return surges.waiting_behind(dataset, year, day)

    found = timed("bar: a backlog day's waiting copies", backlog_bar)
    print(f"  {found.height} rows (figure {busiest['waiting']})")


if __name__ == "__main__":
    main()
