"""Tutoring response times and tutor load against the hand-worked example of
tests/worked_example.py."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
import random_world
from hypothesis import given, settings
from hypothesis import strategies as st
from worked_example import EMPTY_PERIOD, PERIOD, dataset

from indicators import flows, tutoring
from indicators.common import Filters, IndicatorSettings, Period, Scope

ALL = Filters()


@pytest.fixture(scope="module")
def data():
    return dataset()


def test_share_within_48h_counts_every_request_received(data):
    # received in the period: r1 (24 h), r2 (48 h: within), r3 (49 h), r4 and r5 (never
    # answered): 2 / 5. r6, received before the period, is not in it.
    result = tutoring.headline(data, Scope(PERIOD))
    assert result.columns == ["tutoring_answered_within_48h_share"]
    assert result.item() == pytest.approx(0.4)


def test_share_by_site_and_the_empty_period(data):
    result = tutoring.headline(data, Scope(PERIOD), by="site")
    assert result.rows() == [("Lyon", pytest.approx(2 / 3)), ("Rennes", 0.0)]
    empty = tutoring.headline(data, Scope(EMPTY_PERIOD))
    assert empty.height == 1 and empty.item() is None


def test_target_hours_is_a_setting(data):
    lenient = IndicatorSettings(tutoring_target_hours=49)
    assert tutoring.headline(data, Scope(PERIOD, settings=lenient)).item() == pytest.approx(0.6)


def test_response_summary(data):
    row = tutoring.response_summary(data, Scope(PERIOD)).row(0, named=True)
    assert row["requests_received"] == 5
    assert row["requests_answered"] == 3
    assert row["answered_within_target"] == 2
    assert row["answered_within_target_share"] == pytest.approx(0.4)
    assert row["response_hours_median"] == pytest.approx(48.0)
    assert row["response_hours_mean"] == pytest.approx(121 / 3)
    assert row["response_hours_p90"] == pytest.approx(48.8)  # 48 + 0.8 x (49 - 48)


def test_response_summary_by_tutor_keeps_requests_without_tutor(data):
    result = tutoring.response_summary(data, Scope(PERIOD), by="tutor")
    assert result.select("tutor", "requests_received", "requests_answered").rows() == [
        ("Mme Tutrice", 3, 2),
        ("M. Tuteur", 1, 1),
        (None, 1, 0),
    ]
    assert result.get_column("response_hours_median").to_list() == [36.0, 49.0, None]


def test_distribution_bins_never_straddle_the_target(data):
    result = tutoring.distribution(data, Scope(PERIOD))
    assert result.height == len(tutoring.DISTRIBUTION_BREAKS) + 1
    counts = dict(result.select("upper_hours", "requests").iter_rows())
    assert counts[24.0] == 1  # r1: (12, 24]
    assert counts[48.0] == 1  # r2: exactly 48 h, (36, 48]
    assert counts[72.0] == 1  # r3: 49 h, (48, 72]
    assert result.get_column("requests").sum() == 3  # the unanswered are not in it
    within = result.filter(pl.col("within_target")).get_column("upper_hours").max()
    assert within == 48.0
    odd = tutoring.distribution(
        data, Scope(PERIOD, settings=IndicatorSettings(tutoring_target_hours=30))
    )
    assert 30.0 in odd.get_column("upper_hours").to_list()


def test_unanswered_older_than_48h_at_the_end_of_the_period(data):
    # at the end of 31/01: r4 waits for 276 h; r5 for 38 h only
    summary = tutoring.unanswered_summary(data, Scope(PERIOD)).row(0, named=True)
    assert summary == {
        "as_of": date(2026, 1, 31),
        "requests_unanswered_over_target": 1,
        "oldest_age_hours": pytest.approx(276.0),
    }
    overdue = tutoring.unanswered_overdue(data, Scope(PERIOD))
    assert overdue.rows() == [
        (
            "A005",
            "Solo",
            "Rennes",
            "Maths",
            "électronique",
            None,
            datetime(2026, 1, 20, 12),
            pytest.approx(276.0),
        )
    ]


def test_a_request_answered_after_the_period_was_unanswered_at_its_end(data):
    # r6, received 02/01 09:00, answered 05/01 10:00: at the end of 04/01 it waits for 63 h
    early = Period(date(2026, 1, 2), date(2026, 1, 4))
    overdue = tutoring.unanswered_overdue(data, Scope(early))
    assert overdue.get_column("external_id").to_list() == ["A002"]
    assert overdue.item(0, "age_hours") == pytest.approx(63.0)


def test_tutor_load(data):
    result = tutoring.tutor_load(data, Scope(PERIOD))
    assert result.columns == [
        "tutor",
        "learners",
        "requests",
        "requests_answered",
        "answered_within_target_share",
        "response_hours_median",
    ]
    # M. Tuteur: A003 once (enrolled in two groups), not A004 (entered after the period)
    assert result.rows() == [
        ("Mme Tutrice", 2, 3, 2, pytest.approx(2 / 3), 36.0),
        ("M. Tuteur", 1, 1, 1, 0.0, 49.0),
        (None, 1, 1, 0, 0.0, None),
    ]


def test_tutor_load_with_filters(data):
    rennes = tutoring.tutor_load(data, Scope(PERIOD, Filters(sites=("Rennes",))))
    assert rennes.select("tutor", "learners", "requests").rows() == [
        ("M. Tuteur", 1, 1),
        (None, 1, 1),
    ]
    # the discipline filter applies to requests, not to the learners followed
    maths = tutoring.tutor_load(data, Scope(PERIOD, Filters(disciplines=("Maths",))))
    assert maths.select("tutor", "learners", "requests").rows() == [
        ("Mme Tutrice", 2, 2),
        (None, 1, 1),
        ("M. Tuteur", 1, 0),
    ]
    empty = tutoring.tutor_load(data, Scope(EMPTY_PERIOD))
    assert empty.is_empty()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_share_split_by_site_adds_up_to_the_whole(seed):
    data = random_world.world(seed)
    period = random_world.PERIOD
    whole = tutoring.response_summary(data, Scope(period)).row(0, named=True)
    assert whole["requests_received"] == flows.headline(data, Scope(period)).item(
        0, "tutoring_requests"
    )
    split = tutoring.headline(data, Scope(period), by="site")
    counts = flows.headline(data, Scope(period), by="site").select("site", "tutoring_requests")
    joined = split.join(counts, on="site", how="left", nulls_equal=True)
    within = joined.select(
        (pl.col("tutoring_answered_within_48h_share") * pl.col("tutoring_requests")).sum()
    ).item()
    assert within == pytest.approx(whole["answered_within_target"])
    load = tutoring.tutor_load(data, Scope(period))
    assert load.get_column("requests").sum() == whole["requests_received"]


def test_bin_labels_and_the_no_tutor_label(data):
    spread = tutoring.with_bin_labels(tutoring.distribution(data, Scope(PERIOD)))
    labels = spread.get_column("label").to_list()
    assert labels[0] == "≤ 4 h" and labels[1] == "4 à 8 h" and labels[-1] == "> 168 h"
    load = tutoring.tutor_load(data, Scope(PERIOD)).with_columns(tutoring.no_tutor_label())
    assert load.get_column("tutor").to_list()[-1] == tutoring.NO_TUTOR
