"""Dropout rate, exits per month and retention against a world worked out by hand.

Period P: 01/09/2025 to 31/12/2025. Sites Lyon (G-A, jeunes) and Rennes (G-B, alternants;
Solo, jeunes: a group of one learner). Enrolments:
1. L1 G-A 01/09/2025, no exit                                -> active
2. L2 G-A 01/09/2025, abandon 15/10/2025                     -> active, dropout
3. L3 G-A 01/09/2025, réorientation 02/11/2025               -> active
4. L3 G-B 03/11/2025, abandon 10/12/2025 (two groups)        -> active, dropout
5. L4 G-B 10/01/2026 (entered after the period)              -> not active
6. L5 Solo 01/09/2025, abandon 01/02/2026 (after the period) -> active, no dropout in P
7. L6 G-B 01/09/2024, abandon 30/06/2025 (before the period) -> not active
8. L7 G-B 01/09/2025, fin de parcours 01/09/2025             -> active (exit on the start day)
9. L8 G-A 01/09/2025, no exit                                -> active
Whole: 7 enrolments, 2 dropouts. Lyon (G-A): 4, 1. Rennes: 3, 1. G-B: 2, 1. Solo: 1, 0.
jeunes: 5, 1. alternants: 2, 1.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import polars as pl
import psycopg
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from world import World

from data_access import db, models
from data_access.writes import bulk_insert
from indicators import dropout
from indicators.common import Filters, Period, Scope

P = Period(date(2025, 9, 1), date(2025, 12, 31))
D = date


def schools() -> World:
    """Lyon: G-A (jeunes); Rennes: G-B (alternants) and Solo (jeunes, a group of one)."""
    w = World()
    w.group("G-A", site="Lyon", public="jeunes")
    w.group("G-B", site="Rennes", public="alternants")
    w.group("Solo", site="Rennes", public="jeunes")
    return w


def world():
    w = schools()
    w.learner("L1", group="G-A", entered=D(2025, 9, 1))
    w.learner("L2", group="G-A", entered=D(2025, 9, 1), left=D(2025, 10, 15), reason="abandon")
    w.learner("L3", group="G-A", entered=D(2025, 9, 1), left=D(2025, 11, 2), reason="réorientation")
    w.enrol("L3", "G-B", D(2025, 11, 3), left=D(2025, 12, 10), reason="abandon")
    w.learner("L4", group="G-B", entered=D(2026, 1, 10))
    w.learner("L5", group="Solo", entered=D(2025, 9, 1), left=D(2026, 2, 1), reason="abandon")
    w.learner("L6", group="G-B", entered=D(2024, 9, 1), left=D(2025, 6, 30), reason="abandon")
    w.learner(
        "L7", group="G-B", entered=D(2025, 9, 1), left=D(2025, 9, 1), reason="fin de parcours"
    )
    w.learner("L8", group="G-A", entered=D(2025, 9, 1))
    return w.dataset()


def test_headline_whole():
    result = dropout.headline(world(), Scope(P))
    expected = pl.DataFrame(
        {"learners_enrolled": [7], "dropouts": [2], "dropout_rate": [2 / 7]},
        schema={"learners_enrolled": pl.Int64, "dropouts": pl.Int64, "dropout_rate": pl.Float64},
    )
    assert_frame_equal(result, expected)


@pytest.mark.parametrize(
    ("by", "rows"),
    [
        ("site", [("Lyon", 4, 1, 0.25), ("Rennes", 3, 1, 1 / 3)]),
        ("group", [("G-A", 4, 1, 0.25), ("G-B", 2, 1, 0.5), ("Solo", 1, 0, 0.0)]),
        ("public", [("alternants", 2, 1, 0.5), ("jeunes", 5, 1, 0.2)]),
    ],
)
def test_headline_split(by, rows):
    result = dropout.headline(world(), Scope(P), by=by)
    assert result.columns == [by, "learners_enrolled", "dropouts", "dropout_rate"]
    assert [row[:3] for row in result.rows()] == [row[:3] for row in rows]
    assert result.get_column("dropout_rate").to_list() == pytest.approx([row[3] for row in rows])


def test_by_discipline_is_not_applicable():
    result = dropout.headline(world(), Scope(P), by="discipline")
    assert result.columns == ["discipline", "learners_enrolled", "dropouts", "dropout_rate"]
    assert result.is_empty()


def test_unknown_by_is_refused():
    with pytest.raises(ValueError, match="Regroupement inconnu"):
        dropout.headline(world(), Scope(P), by="corrector")


def test_empty_period_gives_zero_counts_and_a_null_rate():
    result = dropout.headline(world(), Scope(Period(D(2023, 1, 1), D(2023, 1, 31))))
    assert result.row(0) == (0, 0, None)
    assert result.get_column("dropout_rate").null_count() == 1  # null, not NaN


def test_filters_apply_to_the_group_of_each_enrolment():
    assert dropout.headline(world(), Scope(P, Filters(sites=("Rennes",)))).row(0) == (
        3,
        1,
        pytest.approx(1 / 3),
    )
    assert dropout.headline(world(), Scope(P, Filters(groups=("Solo",)))).row(0) == (1, 0, 0.0)
    # the discipline filter does not apply to enrolments
    assert dropout.headline(world(), Scope(P, Filters(disciplines=("Maths",)))).row(0)[:2] == (7, 2)


def test_dropout_by_group_carries_site_public_and_label():
    result = dropout.dropout_by(world(), Scope(P), "group")
    assert result.select("label", "public", "learners_enrolled", "dropouts").rows() == [
        ("G-B (Rennes)", "alternants", 2, 1),
        ("G-A (Lyon)", "jeunes", 4, 1),
        ("Solo (Rennes)", "jeunes", 1, 0),
    ]


def test_exits_by_month_counts_every_reason_in_the_period():
    result = dropout.exits_by_month(world(), Scope(P))
    assert result.rows() == [
        (D(2025, 9, 1), "septembre 2025", "fin de parcours", 1),
        (D(2025, 10, 1), "octobre 2025", "abandon", 1),
        (D(2025, 11, 1), "novembre 2025", "réorientation", 1),
        (D(2025, 12, 1), "décembre 2025", "abandon", 1),
    ]


def test_months_of_the_period_in_french_across_the_new_year():
    period = Period(D(2025, 11, 15), D(2026, 2, 1))
    assert dropout.months_of(period) == [
        "novembre 2025",
        "décembre 2025",
        "janvier 2026",
        "février 2026",
    ]
    assert dropout.months_of(Period(D(2026, 8, 3), D(2026, 8, 31))) == ["août 2026"]


def test_retention_by_weeks_since_entry():
    """jeunes, as of 22/09/2025: A entered 01/09 no exit (followed 21 days), B entered 01/09
    abandon 15/09 (dropout on day 14), C entered 01/09 exit « autre » the same day (censored
    on day 0), E entered 15/09 no exit (followed 7 days). Kaplan-Meier: on day 14, 2
    enrolments are followed (A, B) and 1 drops out: the share falls to 1 - 1/2 = 50 %.
    Week 0 (day 0): 4 followed, 100 %; week 1 (day 7): A, B, E, 100 %; week 2 (day 14): A, B,
    one dropout, 50 %; week 3 (day 21): A alone, 50 %; week 4: nobody followed, left out."""
    w = schools()
    w.learner("A", group="Solo", entered=D(2025, 9, 1))
    w.learner("B", group="Solo", entered=D(2025, 9, 1), left=D(2025, 9, 15), reason="abandon")
    w.learner("C", group="Solo", entered=D(2025, 9, 1), left=D(2025, 9, 1), reason="autre")
    w.learner("E", group="Solo", entered=D(2025, 9, 15))
    dataset = w.dataset()
    result = dropout.retention(dataset, Scope(P), D(2025, 9, 22), by="public", max_weeks=10)
    assert result.rows() == [
        ("jeunes", 0, 4, 0, 1.0),
        ("jeunes", 1, 3, 0, 1.0),
        ("jeunes", 2, 2, 1, 0.5),
        ("jeunes", 3, 1, 1, 0.5),
    ]


def test_completions_do_not_pull_retention_down():
    """demandeurs d'emploi, as of 30/06/2026, entered 01/09/2025: F1-F4 end « fin de
    parcours » on day 70 (week 10), X abandons on day 21, R is « réorienté » on day 35 and
    starts again in DE-2 the same day (entered 06/10/2025, no exit: followed 267 days, 38
    weeks). Seven enrolments. Counting every exit as leaving, week 11 would read 1 in 7;
    Kaplan-Meier: on day 21, the 7 are followed and X drops out: 1 - 1/7 = 85,7 %; every
    later end is a censoring, so the curve stays at 85,7 % while anyone is followed.
    Followed: week 0 and 3 (day 21) 7; week 5 (day 35) 6 (X gone; R's first enrolment ends
    that day); week 10 (day 70) 5 (F1-F4 end that day, R's second); week 11: R's second alone."""
    w = World()
    w.group("DE", site="Lyon", public="demandeurs d'emploi")
    w.group("DE-2", site="Lyon", public="demandeurs d'emploi")
    entry = D(2025, 9, 1)
    for name in ("F1", "F2", "F3", "F4"):
        w.learner(name, group="DE", entered=entry, left=entry + timedelta(days=70),
                  reason="fin de parcours")  # fmt: skip
    w.learner("X", group="DE", entered=entry, left=entry + timedelta(days=21), reason="abandon")
    w.learner("R", group="DE", entered=entry, left=entry + timedelta(days=35),
              reason="réorientation")  # fmt: skip
    w.enrol("R", "DE-2", entry + timedelta(days=35))
    year = Period(D(2025, 9, 1), D(2026, 8, 31))
    result = dropout.retention(w.dataset(), Scope(year), D(2026, 6, 30), by="public")
    rows = {row[1]: row[2:] for row in result.rows()}
    assert rows[0] == (7, 0, 1.0)
    assert rows[3] == (7, 1, pytest.approx(6 / 7))
    assert rows[5] == (6, 1, pytest.approx(6 / 7))
    assert rows[10] == (5, 1, pytest.approx(6 / 7))
    assert rows[11] == (1, 1, pytest.approx(6 / 7))
    assert max(rows) == 38  # the second R enrolment, followed 267 days = 38 weeks
    assert [row[4] for row in result.rows() if row[1] >= 3] == pytest.approx([6 / 7] * 36)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 200),  # entry, days after 01/09/2025
            st.one_of(st.none(), st.integers(0, 250)),  # stay length
            st.sampled_from(["abandon", "réorientation", "fin de parcours", "exclusion"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_retention_never_rises_and_stays_a_share(rows):
    w = schools()
    base = D(2025, 9, 1)
    for number, (entry, stay, reason) in enumerate(rows):
        w.learner(
            f"X{number}",
            group="G-A",
            entered=base + timedelta(days=entry),
            left=None if stay is None else base + timedelta(days=entry + stay),
            reason=None if stay is None else reason,
        )
    year = Period(D(2025, 9, 1), D(2026, 8, 31))
    result = dropout.retention(w.dataset(), Scope(year), D(2026, 6, 30), by="site")
    values = result.get_column("retention").to_list()
    assert all(0.0 <= v <= 1.0 for v in values)
    assert all(later <= earlier + 1e-12 for earlier, later in pairwise(values))
    followed = result.get_column("followed").to_list()
    assert all(later <= earlier for earlier, later in pairwise(followed))


def test_an_exit_reason_needs_an_exit_date(engine: sa.Engine):
    """By construction (database check): no exit reason without a date, nor the reverse.
    (On PostgreSQL the bulk COPY raises psycopg's own error.)"""
    w = schools()
    w.learner("A")
    w.write(engine)
    for exit_date, reason in ((None, "abandon"), (D(2025, 10, 1), None)):
        row = pl.DataFrame(
            {
                "learner_id": [1],
                "group_id": [1],
                "entry_date": [D(2025, 9, 1)],
                "exit_date": [exit_date],
                "exit_reason": [reason],
            },
            schema={
                "learner_id": pl.Int64,
                "group_id": pl.Int64,
                "entry_date": pl.Date,
                "exit_date": pl.Date,
                "exit_reason": pl.String,
            },
        )
        with pytest.raises((sa.exc.IntegrityError, psycopg.errors.IntegrityError)):
            with db.write_transaction(engine) as connection:
                bulk_insert(connection, models.Enrolment, row)


enrolment_rows = st.lists(
    st.tuples(
        st.integers(0, 2),  # group
        st.integers(0, 300),  # entry, days after 01/06/2025
        st.one_of(st.none(), st.integers(0, 200)),  # stay length
        st.sampled_from(["abandon", "réorientation", "fin de parcours"]),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(rows=enrolment_rows)
def test_totals_split_by_site_group_or_public_add_up(rows):
    base = D(2025, 6, 1)
    w = schools()
    for number, (group, entry, stay, reason) in enumerate(rows):
        w.learner(
            f"X{number}",
            group=["G-A", "G-B", "Solo"][group],
            entered=base + timedelta(days=entry),
            left=None if stay is None else base + timedelta(days=entry + stay),
            reason=None if stay is None else reason,
        )
    dataset = w.dataset()
    whole = dropout.headline(dataset, Scope(P)).row(0, named=True)
    for by in ("site", "group", "public"):
        split = dropout.headline(dataset, Scope(P), by=by)
        assert split.get_column("learners_enrolled").sum() == whole["learners_enrolled"]
        assert split.get_column("dropouts").sum() == whole["dropouts"]
    if whole["learners_enrolled"] == 0:
        assert whole["dropout_rate"] is None
