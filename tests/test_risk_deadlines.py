"""At-risk list with due dates: missed assignments and late copies, one row per enrolment, and
the group-activity rule kept for the groups without due dates.

As of Tuesday 31/03/2026, default settings (missed: vigilance from 1, alerte from 2; late:
vigilance from 2, alerte from 4). Group G (Lyon) has Maths assignments D1 due 02/03, D2 due
16/03, D3 due 30/03 and D4 due 06/04 (not passed); group H (Lyon) has none. Everyone entered
01/09/2025 unless said.

- A hands in D1 01/03, D2 15/03, D3 29/03 -> nothing.
- B hands in D1 only -> D2, D3 missed: alerte, "2 devoirs non rendus ... D3 dû le 30/03/2026".
- C hands in D1 05/03 (3 days late), D2 20/03 (4 days late), D3 29/03 -> 2 late: vigilance.
- E entered 20/03: only D3 was due while enrolled, not handed in -> 1 missed: vigilance.
- F hands in D1, D2 on time and D3 on 31/03 (1 day late) -> nothing (1 late < 2).
- Z never hands anything in -> D1, D2, D3 missed (alerte); no "no recent copy" in G: the
  group has due dates.
- K is in H since 01/09/2025 and in G since 01/02/2026 (two active enrolments): hands in D1,
  D2, D3 on time -> nothing in G; in H, their last copy (29/03) is recent -> nothing.
- K2 is in G since 01/09/2025 and in H since 01/02/2026: their copies fall to H, their latest
  group, but they are the copies of G's assignments (K2 is enrolled in G when handing them
  in) -> nothing.
- Q (H only) last copy 05/01; in H, K, K2, R, S handed in since 17/02 (4 of 5) ->
  no_recent_copy (12 weeks: alerte from 10). R, S hand in a copy on 25/03.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from world import World

from indicators import risk
from indicators.common import Period, Scope

AS_OF = date(2026, 3, 31)
YEAR = Period.school_year_of(AS_OF)
D = date
DUE = {"D1": D(2026, 3, 2), "D2": D(2026, 3, 16), "D3": D(2026, 3, 30), "D4": D(2026, 4, 6)}


def world(*, with_due_dates: bool = True):
    return build(with_due_dates=with_due_dates).dataset()


def build(*, with_due_dates: bool = True) -> World:
    """The world of the module docstring (tests/test_at_risk_page.py puts it in a database)."""
    w = World()
    w.group("G", site="Lyon")
    w.group("H", site="Lyon")
    for title, due in DUE.items():
        w.assignment("G", "Maths", title, due=due if with_due_dates else None)
    for name in ("A", "B", "C", "E", "F", "Z"):
        w.learner(
            name,
            group="G",
            entered=D(2026, 3, 20) if name == "E" else D(2025, 9, 1),
            referent="M. Tuteur",
        )
    w.learner("K", group="H", entered=D(2025, 9, 1), referent="M. Tuteur")
    w.enrol("K", "G", D(2026, 2, 1))
    w.learner("K2", group="G", entered=D(2025, 9, 1))
    w.enrol("K2", "H", D(2026, 2, 1))
    for name in ("Q", "R", "S"):
        w.learner(name, group="H", entered=D(2025, 9, 1))

    def hand_in(name, title, day):
        w.copy(name, "Maths", submitted=day, assignment=title)

    on_time = {"D1": D(2026, 3, 1), "D2": D(2026, 3, 15), "D3": D(2026, 3, 29)}
    for name in ("A", "K", "K2"):
        for title, day in on_time.items():
            hand_in(name, title, day)
    hand_in("B", "D1", on_time["D1"])
    hand_in("C", "D1", D(2026, 3, 5))
    hand_in("C", "D2", D(2026, 3, 20))
    hand_in("C", "D3", on_time["D3"])
    hand_in("F", "D1", on_time["D1"])
    hand_in("F", "D2", on_time["D2"])
    hand_in("F", "D3", D(2026, 3, 31))
    w.copy("Q", "Maths", submitted=D(2026, 1, 5), assignment="Libre")
    for name in ("R", "S"):
        w.copy(name, "Maths", submitted=D(2026, 3, 25), assignment="Libre")
    return w


@pytest.fixture(scope="module")
def everyone():
    return risk.at_risk(world(), Scope(YEAR), AS_OF, everyone=True)


def _levels(frame: pl.DataFrame, signal: str) -> dict[tuple[str, str], str]:
    rows = frame.filter(pl.col(signal).is_not_null())
    return {(r["external_id"], r["group"]): r[signal] for r in rows.iter_rows(named=True)}


def test_missed_assignments_are_those_due_while_enrolled_and_not_handed_in(everyone):
    assert _levels(everyone, "missed_assignments") == {
        ("B", "G"): "alerte",
        ("E", "G"): "vigilance",
        ("Z", "G"): "alerte",
    }
    text = everyone.filter(pl.col("external_id") == "B").get_column("signals").item()
    assert text == (
        "2 devoirs non rendus dont la date limite est passée dans les 8 dernières semaines "
        "(dernier : Maths « D3 », dû le 30/03/2026)"
    )


def test_late_copies_count_those_handed_in_after_the_due_date(everyone):
    assert _levels(everyone, "late_copies") == {("C", "G"): "vigilance"}
    text = everyone.filter(pl.col("external_id") == "C").get_column("signals").item()
    assert text == "2 copies rendues après la date limite (jusqu'à 4 jours de retard)"


def test_group_activity_rule_only_for_groups_without_due_dates(everyone):
    assert _levels(everyone, "no_recent_copy") == {("Q", "H"): "alerte"}


def test_copies_count_in_the_group_that_set_the_assignment(everyone):
    k2 = everyone.filter(pl.col("external_id") == "K2")
    assert sorted(k2.get_column("group").to_list()) == ["G", "H"]
    assert k2.get_column("missed_assignments").null_count() == 2


def test_a_learner_in_two_groups_is_assessed_in_each(everyone):
    k = everyone.filter(pl.col("external_id") == "K")
    assert sorted(k.get_column("group").to_list()) == ["G", "H"]
    assert k.get_column("level").to_list() == ["aucun", "aucun"]
    listed = risk.at_risk(world(), Scope(YEAR), AS_OF)
    assert "K" not in listed.get_column("external_id").to_list()
    folded = risk.by_learner(everyone).filter(pl.col("external_id") == "K")
    assert folded.height == 1
    assert set(folded.get_column("groups").item().split(", ")) == {"G", "H"}


def test_the_list_holds_vigilance_and_alerte_sorted_by_level(everyone):
    listed = risk.at_risk(world(), Scope(YEAR), AS_OF)
    assert listed.get_column("external_id").to_list()[:2] in (["B", "Z"], ["Z", "B"])
    assert set(listed.get_column("external_id")) == {"B", "C", "E", "Q", "Z"}
    assert listed.get_column("score").null_count() == listed.height  # no model given
    assert listed.filter(pl.col("external_id") == "C").get_column("reasons").item() == (
        "Copies en retard"
    )


def test_without_due_dates_the_deadline_signals_are_named_not_computed():
    data = world(with_due_dates=False)
    everyone = risk.at_risk(data, Scope(YEAR), AS_OF, everyone=True)
    assert everyone.get_column("missed_assignments").null_count() == everyone.height
    assert everyone.get_column("late_copies").null_count() == everyone.height
    missing = risk.unavailable(data)
    reasons = dict(zip(missing["signal"], missing["reason"], strict=True))
    assert reasons["missed_assignments"] == (
        "non calculable : pas de dates limites dans les données"
    )
    assert reasons["late_copies"] == reasons["missed_assignments"]
    assert reasons["no_recent_interview"] == "non calculable : aucun entretien dans les données"
    assert "" in reasons  # school absences: never in the data
    # G's silent learner Z falls back on the group rule: G keeps submitting (A, B, C, F, K)
    assert _levels(everyone, "no_recent_copy")[("Z", "G")] == "alerte"  # 30 weeks
    assert "missed_assignments" not in set(risk.unavailable(world())["signal"])


def test_missed_assignments_count_over_the_last_weeks():
    """With a window of 2 weeks (from 17/03), B's missed D2 (due 16/03) no longer counts: D3
    alone, vigilance; Z (D1, D2, D3 missed) keeps D3 only."""
    from dataclasses import replace

    from indicators.common import DEFAULT_SETTINGS

    settings = replace(DEFAULT_SETTINGS, risk_missed_window_weeks=2)
    listed = risk.at_risk(world(), Scope(YEAR, settings=settings), AS_OF, everyone=True)
    assert _levels(listed, "missed_assignments") == {
        ("B", "G"): "vigilance",
        ("E", "G"): "vigilance",
        ("Z", "G"): "vigilance",
    }


def test_the_count_of_learners_is_that_of_the_lines_per_learner(everyone):
    # K is listed in two groups (G and H): one learner, one line per learner
    assert everyone.filter(pl.col("external_id") == "K").height == 2
    assert risk.learners_count(everyone) == risk.by_learner(everyone).height
    alerts = risk.filter_at_risk(everyone, [], [], [risk.ALERT])
    # in alert: B and Z (first in the list), Q (no recent copy in its group)
    assert set(alerts.get_column("external_id")) == {"B", "Q", "Z"}
    assert risk.learners_count(alerts) == risk.by_learner(alerts).height == 3
