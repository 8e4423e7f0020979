"""Throughput and backlog against the hand-worked example of tests/worked_example.py."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
import random_world
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from worked_example import EMPTY_PERIOD, PERIOD, dataset

from indicators import flows
from indicators.common import Filters, Period, Scope

ALL = Filters()


@pytest.fixture(scope="module")
def data():
    return dataset()


def test_headline_counts_the_events_of_the_period(data):
    result = flows.headline(data, Scope(PERIOD))
    expected = pl.DataFrame(
        {
            "copies_received": [5],
            "copies_corrected": [4],  # c1 was submitted before the period, corrected in it
            "tutoring_requests": [5],
            "tutoring_answered": [4],  # r6 was received before the period, answered in it
            "interviews": [2],
        },
        schema={m: pl.Int64 for m in flows.MEASURES},
    )
    assert_frame_equal(result, expected)


def test_headline_of_an_empty_period_is_zeros_not_nulls(data):
    result = flows.headline(data, Scope(EMPTY_PERIOD))
    assert result.row(0) == (0, 0, 0, 0, 0)
    assert result.schema == pl.Schema({m: pl.Int64 for m in flows.MEASURES})


def test_headline_by_site_attributes_events_to_the_enrolment_in_force(data):
    result = flows.headline(data, Scope(PERIOD), by="site")
    # A003 moved from CAP 1 (Lyon) to BTS (Rennes) on 05/01: c4, r3 and the 15/01 interview
    # are Rennes's.
    expected = pl.DataFrame(
        {
            "site": ["Lyon", "Rennes"],
            "copies_received": [3, 2],
            "copies_corrected": [3, 1],
            "tutoring_requests": [3, 2],
            "tutoring_answered": [3, 1],
            "interviews": [1, 1],
        },
        schema={"site": pl.String} | {m: pl.Int64 for m in flows.MEASURES},
    )
    assert_frame_equal(result, expected)


def test_headline_by_group_keeps_the_group_of_one_learner(data):
    result = flows.headline(data, Scope(PERIOD), by="group")
    rows = {row["group"]: row for row in result.iter_rows(named=True)}
    assert set(rows) == {"BTS", "CAP 1", "Solo"}
    assert rows["Solo"]["copies_received"] == 1
    assert rows["Solo"]["copies_corrected"] == 0
    assert rows["Solo"]["tutoring_requests"] == 1
    assert rows["BTS"]["copies_received"] == 1  # c4 only: A004 entered after the period
    assert rows["CAP 1"]["copies_received"] == 3


def test_headline_by_discipline_leaves_interviews_null(data):
    result = flows.headline(data, Scope(PERIOD), by="discipline")
    assert result.get_column("discipline").to_list() == ["Français", "Maths"]
    assert result.get_column("copies_received").to_list() == [2, 3]
    assert result.get_column("copies_corrected").to_list() == [1, 3]
    assert result.get_column("tutoring_requests").to_list() == [2, 3]
    assert result.get_column("tutoring_answered").to_list() == [1, 3]
    assert result.get_column("interviews").null_count() == 2


def test_filters_apply_to_every_family(data):
    rennes = flows.headline(data, Scope(PERIOD, Filters(sites=("Rennes",))))
    assert rennes.row(0) == (2, 1, 2, 1, 1)
    maths = flows.headline(data, Scope(PERIOD, Filters(disciplines=("Maths",))))
    # interviews have no discipline: the discipline filter does not apply to them
    assert maths.row(0) == (3, 3, 3, 3, 2)
    nobody = flows.headline(data, Scope(PERIOD, Filters(groups=("Inconnu",))))
    assert nobody.row(0) == (0, 0, 0, 0, 0)


def test_unknown_breakdown_is_refused(data):
    with pytest.raises(ValueError, match="Ventilation inconnue"):
        flows.headline(data, Scope(PERIOD), by="learner")


def test_as_of_is_the_period_end_or_the_last_date_of_the_data(data):
    assert flows.data_end(data) == date(2026, 3, 6)
    assert flows.as_of(data, PERIOD) == date(2026, 1, 31)
    assert flows.as_of(data, Period(date(2026, 3, 1), date(2026, 8, 31))) == date(2026, 3, 6)
    later = Period(date(2027, 1, 1), date(2027, 1, 31))
    assert flows.as_of(data, later) == date(2027, 1, 1)


def test_weekly_throughput_is_zero_filled_from_monday(data):
    result = flows.throughput(data, Scope(PERIOD), grain="week")
    received = result.filter(pl.col("measure") == "copies_received")
    assert received.get_column("period_start").to_list() == [
        date(2026, 1, 5),
        date(2026, 1, 12),
        date(2026, 1, 19),
        date(2026, 1, 26),
    ]
    assert received.get_column("count").to_list() == [2, 1, 1, 1]
    corrected = result.filter(pl.col("measure") == "copies_corrected")
    assert corrected.get_column("count").to_list() == [3, 1, 0, 0]
    assert set(result.get_column("measure")) == set(flows.MEASURES)


def test_throughput_per_site_adds_up_to_the_whole(data):
    whole = flows.throughput(data, Scope(PERIOD), grain="day")
    per_site = flows.throughput(data, Scope(PERIOD), grain="day", by="site")
    summed = per_site.group_by("measure", "period_start").agg(pl.col("count").sum())
    joined = whole.join(summed, on=["measure", "period_start"], how="left")
    assert joined.select((pl.col("count") == pl.col("count_right").fill_null(0)).all()).item()


def test_monthly_throughput_and_the_end_at_the_data_end(data):
    month = flows.throughput(data, Scope(PERIOD), grain="month", measures=("copies_received",))
    assert month.rows() == [(date(2026, 1, 1), "copies_received", 5)]
    spring = Period(date(2026, 3, 1), date(2026, 6, 30))
    weeks = flows.throughput(data, Scope(spring), grain="week", measures=("copies_received",))
    # the data end on 06/03/2026: no empty weeks until June
    assert weeks.get_column("period_start").to_list() == [date(2026, 2, 23), date(2026, 3, 2)]
    assert weeks.get_column("count").to_list() == [0, 1]


def test_throughput_by_discipline_has_no_interviews(data):
    result = flows.throughput(data, Scope(PERIOD), by="discipline")
    assert "interviews" not in set(result.get_column("measure"))


def test_daily_backlog_of_copies(data):
    result = flows.backlog(data, Scope(PERIOD), grain="day")
    waiting = dict(result.iter_rows())
    assert len(waiting) == 27
    assert waiting[date(2026, 1, 5)] == 3  # c1 and c6 from before, c2
    assert waiting[date(2026, 1, 6)] == 3  # c3 in, c1 out
    assert waiting[date(2026, 1, 7)] == 2
    assert waiting[date(2026, 1, 9)] == 1
    assert waiting[date(2026, 1, 12)] == 1  # c4 in and out on the same day
    assert waiting[date(2026, 1, 20)] == 2
    assert waiting[date(2026, 1, 31)] == 3  # c5, c6, c7


def test_weekly_backlog_takes_the_last_day_of_each_week(data):
    result = flows.backlog(data, Scope(PERIOD), grain="week")
    assert result.rows() == [
        (date(2026, 1, 11), 1),
        (date(2026, 1, 18), 1),
        (date(2026, 1, 25), 2),
        (date(2026, 1, 31), 3),
    ]


def test_backlog_of_tutoring_requests(data):
    waiting = dict(flows.backlog(data, Scope(PERIOD), source="tutoring").iter_rows())
    assert waiting[date(2026, 1, 5)] == 1  # r6 answered, r1 received
    assert waiting[date(2026, 1, 6)] == 0
    assert waiting[date(2026, 1, 8)] == 2
    assert waiting[date(2026, 1, 10)] == 0
    assert waiting[date(2026, 1, 20)] == 1  # r4, never answered
    assert waiting[date(2026, 1, 31)] == 2


def test_backlog_with_a_filter_and_in_an_empty_period(data):
    rennes = dict(flows.backlog(data, Scope(PERIOD, Filters(sites=("Rennes",)))).iter_rows())
    assert rennes[date(2026, 1, 31)] == 1  # c5 (c6 is Lyon's)
    empty = flows.backlog(data, Scope(EMPTY_PERIOD))
    assert empty.get_column("waiting").unique().to_list() == [0]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_headline_totals_split_by_site_or_group_add_up_to_the_whole(seed):
    data = random_world.world(seed)
    whole = flows.headline(data, Scope(random_world.PERIOD))
    for by in ("site", "group", "public"):
        split = flows.headline(data, Scope(random_world.PERIOD), by=by)
        assert split.select(flows.MEASURES).sum().rows() == whole.rows(), by
    by_discipline = flows.headline(data, Scope(random_world.PERIOD), by="discipline")
    measures = list(flows.MEASURES[:4])
    assert by_discipline.select(measures).sum().rows() == whole.select(measures).rows()


def test_measures_spelled_in_french_for_legends(data):
    series = flows.labelled(flows.throughput(data, Scope(PERIOD), grain="month"))
    assert set(series.get_column("measure")) == set(flows.MEASURE_LABELS.values())
