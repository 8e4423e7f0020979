"""Interview pathway against a world worked out by hand.

Period 01/09/2025-30/11/2025, as of 30/11/2025, first interviews due 30 days after entry,
suivi due 30 days after a contractualisation. Group G1 (Lyon), G2 (Rennes).
- L1 (G1, 01/09): initial 03/09, diagnostic 10/09, co-élaboration 20/09, contractualisation
  01/10, suivi 20/10 and 15/11 -> complete pathway, 2 suivis, nothing missing or overdue.
- L2 (G1, 01/09): initial 05/09 only -> diagnostic missing (due 01/10).
- L3 (G1, 10/11): nothing yet, due 10/12 -> not missing.
- L4 (G1, 01/09, abandon 20/09): nothing -> left before the due date: not missing.
- L5 (G1, 01/09): initial 02/09 (objectives 0), diagnostic 03/09 (objectives not recorded),
  contractualisation 10/10, no suivi -> suivi overdue (51 days); 2 interviews without
  objectives.
- L6 réorientation: G1 01/09-05/10 (initial 02/09, diagnostic 04/09), then G2 from 06/10
  (initial 08/10, no diagnostic) -> the G2 enrolment misses its diagnostic (due 05/11).
- L7 (G2, 01/09): nothing -> initial and diagnostic missing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest
from world import World

from indicators import interviews as iv
from indicators.common import DEFAULT_SETTINGS, Filters, Period, Scope

P = Period(date(2025, 9, 1), date(2025, 11, 30))
AS_OF = date(2025, 11, 30)
D = date


def world():
    return story().dataset()


def story() -> World:
    w = World()
    w.group("G1", site="Lyon", public="jeunes")
    w.group("G2", site="Rennes", public="alternants")
    september = D(2025, 9, 1)
    w.learner("L1", group="G1", entered=september)
    w.learner("L2", group="G1", entered=september)
    w.learner("L3", group="G1", entered=D(2025, 11, 10))
    w.learner("L4", group="G1", entered=september, left=D(2025, 9, 20), reason="abandon")
    w.learner("L5", group="G1", entered=september)
    w.learner("L6", group="G1", entered=september, left=D(2025, 10, 5), reason="réorientation")
    w.enrol("L6", "G2", D(2025, 10, 6))
    w.learner("L7", group="G2", entered=september)
    for learner, day, kind, objectives in [
        ("L1", D(2025, 9, 3), "initial", 2),
        ("L1", D(2025, 9, 10), "diagnostic", 1),
        ("L1", D(2025, 9, 20), "co-élaboration", 3),
        ("L1", D(2025, 10, 1), "contractualisation", 3),
        ("L1", D(2025, 10, 20), "suivi", 1),
        ("L1", D(2025, 11, 15), "suivi", 2),
        ("L2", D(2025, 9, 5), "initial", 1),
        ("L5", D(2025, 9, 2), "initial", 0),
        ("L5", D(2025, 9, 3), "diagnostic", None),
        ("L5", D(2025, 10, 10), "contractualisation", 2),
        ("L6", D(2025, 9, 2), "initial", 1),
        ("L6", D(2025, 9, 4), "diagnostic", 1),
        ("L6", D(2025, 10, 8), "initial", 1),
        ("L1", D(2025, 12, 5), "bilan", 1),  # after the period: not in the pathway
    ]:
        w.interview(learner, day, kind, objectives_set=objectives, notes="secret")
    return w


def test_pathway_has_the_first_date_of_each_type_in_phase_order():
    result = iv.pathway(world(), Scope(P), AS_OF)
    type_columns = ["initial", "diagnostic", "co_elaboration", "contractualisation", "suivi",
                    "bilan"]  # fmt: skip
    start = result.columns.index("initial")
    assert result.columns[start : start + 6] == type_columns
    assert result.height == 8  # L6 has two enrolments, each its own pathway
    first = result.filter(pl.col("external_id") == "L1").row(0, named=True)
    assert [first[c] for c in type_columns] == [
        D(2025, 9, 3), D(2025, 9, 10), D(2025, 9, 20), D(2025, 10, 1), D(2025, 10, 20), None
    ]  # fmt: skip
    assert (first["suivi_count"], first["interview_count"]) == (2, 6)
    l6 = result.filter(pl.col("external_id") == "L6").sort("entry_date")
    assert l6.select("group", "initial", "diagnostic").rows() == [
        ("G1", D(2025, 9, 2), D(2025, 9, 4)),
        ("G2", D(2025, 10, 8), None),
    ]
    l7 = result.filter(pl.col("external_id") == "L7").row(0, named=True)
    assert (l7["interview_count"], l7["initial"]) == (0, None)


def test_missing_first_interviews_a_month_after_entry():
    result = iv.missing_first_interviews(world(), Scope(P), AS_OF)
    assert sorted(result.select("external_id", "group", "missing").rows()) == [
        ("L2", "G1", "diagnostic"),
        ("L6", "G2", "diagnostic"),
        ("L7", "G2", "initial et diagnostic"),
    ]
    l2 = result.filter(pl.col("external_id") == "L2").row(0, named=True)
    assert (l2["due_on"], l2["days_since_entry"]) == (D(2025, 10, 1), 90)


def test_learners_who_left_are_a_documentation_gap_not_a_to_do():
    """L8 (G1) entered 01/09/2025 and left « fin de parcours » on 23/11/2025 (83 days later)
    with no interview: their first interviews were due on 01/10, before they left. As of
    30/11 they are not in the to-do list (nobody can hold their interviews any more) but in
    the gap list, their days counted to their exit (83, not 90 to the as-of day). L4, who left
    on 20/09 before the due date, is in neither."""
    w = story()
    w.learner("L8", group="G1", entered=D(2025, 9, 1), left=D(2025, 11, 23),
              reason="fin de parcours")  # fmt: skip
    dataset = w.dataset()
    to_do = iv.missing_first_interviews(dataset, Scope(P), AS_OF)
    assert "L8" not in to_do.get_column("external_id").to_list()
    assert sorted(to_do.get_column("external_id").to_list()) == ["L2", "L6", "L7"]
    gap = iv.left_without_first_interviews(dataset, Scope(P), AS_OF)
    assert gap.select(
        "external_id", "exit_date", "exit_reason", "days_enrolled", "missing"
    ).rows() == [("L8", D(2025, 11, 23), "fin de parcours", 83, "initial et diagnostic")]
    # on 20/11, before L8 left, they were still to be seen
    before = iv.missing_first_interviews(dataset, Scope(P), D(2025, 11, 20))
    assert "L8" in before.get_column("external_id").to_list()
    assert iv.left_without_first_interviews(dataset, Scope(P), D(2025, 11, 20)).is_empty()


def test_suivi_overdue_after_a_contractualisation():
    result = iv.overdue_suivi(world(), Scope(P), AS_OF)
    assert result.select(
        "external_id", "last_contractualisation", "days_since_contractualisation"
    ).rows() == [("L5", D(2025, 10, 10), 51)]
    # 51 days after the contractualisation is not overdue with 60 days allowed
    relaxed = replace(DEFAULT_SETTINGS, risk_suivi_due_days=60)
    assert iv.overdue_suivi(world(), Scope(P, settings=relaxed), AS_OF).is_empty()
    # as of 05/11/2025 L5's suivi is not yet due (26 days)
    assert iv.overdue_suivi(world(), Scope(P), D(2025, 11, 5)).is_empty()


def test_interviews_without_objectives_never_show_notes():
    result = iv.without_objectives(world(), Scope(P))
    assert result.select("external_id", "held_on", "interview_type", "objectives_set").rows() == [
        ("L5", D(2025, 9, 3), "diagnostic", None),
        ("L5", D(2025, 9, 2), "initial", 0),
    ]
    assert "notes" not in result.columns


def test_interviews_by_type_in_phase_order_with_zeros():
    result = iv.interviews_by_type(world(), Scope(P))
    assert result.rows() == [
        ("initial", 5, 1),
        ("diagnostic", 3, 1),
        ("co-élaboration", 1, 0),
        ("contractualisation", 2, 0),
        ("suivi", 2, 0),
        ("bilan", 0, 0),
    ]


def test_filters_and_empty_period():
    rennes = iv.pathway(world(), Scope(P, Filters(sites=("Rennes",))), AS_OF)
    assert sorted(rennes.get_column("external_id").to_list()) == ["L6", "L7"]
    empty = Period(D(2024, 1, 1), D(2024, 1, 31))
    assert iv.pathway(world(), Scope(empty), D(2024, 1, 31)).is_empty()
    assert iv.missing_first_interviews(world(), Scope(empty), D(2024, 1, 31)).is_empty()
    assert iv.without_objectives(world(), Scope(empty)).is_empty()
    assert iv.interviews_by_type(world(), Scope(empty)).get_column("interviews").sum() == 0


@pytest.mark.parametrize("as_of", [D(2025, 9, 15), AS_OF])
def test_nothing_is_missing_before_it_is_due(as_of):
    result = iv.missing_first_interviews(world(), Scope(P), as_of)
    assert all(result.get_column("due_on") < as_of)
