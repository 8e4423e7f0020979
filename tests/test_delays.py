"""Correction delays against the hand-worked example of tests/worked_example.py."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
import random_world
from hypothesis import given, settings
from hypothesis import strategies as st
from worked_example import EMPTY_PERIOD, PERIOD, dataset
from world import World

from indicators import delays, flows
from indicators.common import Filters, IndicatorSettings, Period, Scope

ALL = Filters()


@pytest.fixture(scope="module")
def data():
    return dataset()


def test_headline_over_the_copies_corrected_in_the_period(data):
    # corrected in the period: c1 (8 days, submitted before the period), c2 (2), c3 (3), c4 (0)
    result = delays.headline(data, Scope(PERIOD))
    assert result.columns == list(delays.STATISTICS)
    row = result.row(0, named=True)
    assert row["correction_delay_days_mean"] == pytest.approx(3.25)
    assert row["correction_delay_days_median"] == pytest.approx(2.5)
    # PERCENTILE.INC({0;2;3;8};0,9): rank 0.9 x 3 = 2.7 -> 3 + 0.7 x (8 - 3) = 6.5
    assert row["correction_delay_days_p90"] == pytest.approx(6.5)
    assert row["correction_within_target_share"] == pytest.approx(0.75)


def test_percentile_is_excel_percentile_inc():
    # =PERCENTILE.INC({1;2;3;4;5;6;7;8;9;30};0,9) = 11,1 (rank 8.1: 9 + 0.1 x 21)
    day = date(2026, 1, 1)
    gaps = [1, 2, 3, 4, 5, 6, 7, 8, 9, 30]
    w = World()
    w.learner("A")
    for number, gap in enumerate(gaps):
        w.copy("A", "Maths", assignment=str(number), submitted=day, corrected=day + timedelta(gap))
    period = Period(date(2026, 1, 1), date(2026, 3, 31))
    row = delays.headline(w.dataset(), Scope(period)).row(0, named=True)
    assert row["correction_delay_days_p90"] == pytest.approx(11.1)
    assert row["correction_delay_days_median"] == pytest.approx(5.5)
    assert row["correction_within_target_share"] == pytest.approx(0.3)


def test_empty_period_gives_nulls_never_nan_or_zero(data):
    result = delays.headline(data, Scope(EMPTY_PERIOD))
    assert result.height == 1
    assert result.null_count().row(0) == (1, 1, 1, 1)
    assert delays.breakdown(data, Scope(EMPTY_PERIOD)).is_empty()
    assert delays.distribution(data, Scope(EMPTY_PERIOD)).is_empty()


def test_headline_by_site(data):
    result = delays.headline(data, Scope(PERIOD), by="site")
    lyon, rennes = result.rows(named=True)
    assert lyon["site"] == "Lyon" and rennes["site"] == "Rennes"
    assert lyon["correction_delay_days_mean"] == pytest.approx(13 / 3)  # c1, c2, c3
    assert lyon["correction_delay_days_median"] == pytest.approx(3.0)
    assert lyon["correction_delay_days_p90"] == pytest.approx(7.0)  # 3 + 0.8 x 5
    assert lyon["correction_within_target_share"] == pytest.approx(2 / 3)
    assert rennes["correction_delay_days_mean"] == 0.0  # c4: A003 was in BTS by then
    assert rennes["correction_within_target_share"] == 1.0


def test_target_is_a_setting(data):
    strict = IndicatorSettings(correction_target_days=2)
    assert delays.headline(data, Scope(PERIOD, settings=strict)).item(0, 3) == pytest.approx(0.5)


def test_breakdown_by_corrector_and_discipline(data):
    correctors = delays.breakdown(data, Scope(PERIOD), by="corrector")
    assert correctors.get_column("corrector").to_list() == ["M. Correcteur", "Mme Tutrice"]
    assert correctors.get_column("copies_corrected").to_list() == [3, 1]
    assert correctors.get_column("correction_delay_days_p90").to_list() == pytest.approx([7.0, 0])
    disciplines = delays.breakdown(data, Scope(PERIOD), by="discipline")
    maths = disciplines.row(0, named=True)  # c1 (8), c3 (3), c4 (0)
    assert maths["discipline"] == "Maths" and maths["copies_corrected"] == 3
    assert maths["correction_delay_days_median"] == 3.0


def test_weekly_trend(data):
    result = delays.weekly_trend(data, Scope(PERIOD))
    assert result.get_column("week_start").to_list() == [date(2026, 1, 5), date(2026, 1, 12)]
    assert result.get_column("copies_corrected").to_list() == [3, 1]
    assert result.get_column("correction_delay_days_mean").to_list() == pytest.approx([13 / 3, 0])


def test_distribution_fills_every_day_and_caps_the_tail(data):
    result = delays.distribution(data, Scope(PERIOD))
    assert result.get_column("delay_days").to_list() == list(range(9))
    assert result.get_column("copies").to_list() == [1, 0, 1, 1, 0, 0, 0, 0, 1]
    assert result.get_column("within_target").to_list() == [True] * 4 + [False] * 5
    capped = delays.distribution(data, Scope(PERIOD), cap_days=5)
    assert capped.get_column("copies").to_list() == [1, 0, 1, 1, 0, 1]


def test_waiting_copies_as_of_the_period_end(data):
    summary = delays.waiting_summary(data, Scope(PERIOD)).row(0, named=True)
    assert summary == {
        "as_of": date(2026, 1, 31),
        "copies_waiting": 3,
        "copies_waiting_over_target": 3,
        "oldest_age_days": 82,
    }
    oldest = delays.oldest_waiting(data, Scope(PERIOD))
    assert oldest.rows() == [
        ("A003", "CAP 1", "Lyon", "Français", "Devoir 6", "M. Correcteur", date(2025, 11, 10), 82),
        ("A005", "Solo", "Rennes", "Français", "Devoir 5", None, date(2026, 1, 20), 11),
        ("A002", "CAP 1", "Lyon", "Maths", "Devoir 7", "M. Correcteur", date(2026, 1, 26), 5),
    ]
    assert delays.oldest_waiting(data, Scope(PERIOD), limit=1).height == 1
    rennes = delays.oldest_waiting(data, Scope(PERIOD, Filters(sites=("Rennes",))))
    assert rennes.get_column("external_id").to_list() == ["A005"]


def test_nothing_waits_before_any_copy(data):
    summary = delays.waiting_summary(data, Scope(EMPTY_PERIOD)).row(0, named=True)
    assert summary["copies_waiting"] == 0
    assert summary["oldest_age_days"] is None


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_statistics_split_by_site_add_up_to_the_whole(seed):
    data = random_world.world(seed)
    period = random_world.PERIOD
    whole = delays.headline(data, Scope(period)).row(0, named=True)
    count = flows.headline(data, Scope(period)).item(0, "copies_corrected")
    split = delays.breakdown(data, Scope(period), by="site")
    assert split.get_column("copies_corrected").sum() == count
    if count == 0:
        assert whole["correction_delay_days_mean"] is None
        return
    weighted = split.select(
        (pl.col("correction_delay_days_mean") * pl.col("copies_corrected")).sum(),
        (pl.col("correction_within_target_share") * pl.col("copies_corrected")).sum(),
    ).row(0)
    assert weighted[0] == pytest.approx(whole["correction_delay_days_mean"] * count)
    share = whole["correction_within_target_share"] * count
    assert weighted[1] == pytest.approx(share)


def test_summary_and_day_labels(data):
    summary = delays.summary(data, Scope(PERIOD)).row(0, named=True)
    assert summary["copies_corrected"] == 4
    assert summary["correction_delay_days_p90"] == pytest.approx(6.5)
    spread = delays.with_day_labels(delays.distribution(data, Scope(PERIOD), cap_days=5), 5)
    assert spread.get_column("label").to_list() == ["0 j", "1 j", "2 j", "3 j", "4 j", "5 j et +"]
