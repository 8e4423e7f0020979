"""Deadlines: copies handed in late and assignments not handed in, per group and discipline,
on a small world whose figures are worked out by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from apptest import open_page, page_problems
from world import World

from indicators import deadlines
from indicators.common import Filters, Perimeter, Period, Scope
from indicators.dataset import within

AUTUMN = Period(date(2025, 9, 1), date(2025, 11, 30))


def autumn() -> World:
    """2nde A (Lyon): A001 and A004 from 01/09, A002 from 01/09 until their dropout on 15/10,
    A003 from 20/10. Maths D1 due 10/10, D2 due 07/11; Français R due 30/06/2026 (not yet due);
    Maths D0 without a due date. CAP 1 (Marseille): B001, Maths D1 due 10/10.

    Copies: A001 D1 on 09/10 (on time), A002 D1 on 12/10 (2 days late), A001 D2 on 08/11
    (1 day late), A003 D2 on 07/11 (the due day: on time), A003 D0 on 01/10 (no due date),
    B001 D1 on 10/10 (on time). A004 hands in nothing.

    Expected: D1 = A001, A002, A004 (A003 entered after 10/10); D2 = A001, A003, A004 (A002
    left before 07/11). The data end on 08/11: every due date has passed.
    2nde A, Maths: 2 assignments, 4 copies received, 2 late (50 %), 6 expected, 2 missed (A004,
    twice: 1/3). CAP 1, Maths: 1, 1, 0 late, 1 expected, 0 missed.
    """
    world = World()
    world.group("2nde A", site="Lyon")
    world.group("CAP 1", site="Marseille")
    world.learner("A001", group="2nde A", entered=date(2025, 9, 1), last_name="Martin")
    world.learner(
        "A002", group="2nde A", entered=date(2025, 9, 1), left=date(2025, 10, 15), reason="abandon"
    )
    world.learner("A003", group="2nde A", entered=date(2025, 10, 20))
    world.learner(
        "A004", group="2nde A", entered=date(2025, 9, 1), last_name="Roux", referent="M. Tuteur"
    )
    world.learner("B001", group="CAP 1", entered=date(2025, 9, 1))
    world.assignment("2nde A", "Maths", "D1", due=date(2025, 10, 10))
    world.assignment("2nde A", "Maths", "D2", due=date(2025, 11, 7))
    world.assignment("2nde A", "Français", "R", due=date(2026, 6, 30))
    world.assignment("2nde A", "Maths", "D0")
    world.assignment("CAP 1", "Maths", "D1", due=date(2025, 10, 10))
    world.copy("A001", "Maths", submitted=date(2025, 10, 9), assignment="D1")
    world.copy("A002", "Maths", submitted=date(2025, 10, 12), assignment="D1")
    world.copy("A001", "Maths", submitted=date(2025, 11, 8), assignment="D2")
    world.copy("A003", "Maths", submitted=date(2025, 11, 7), assignment="D2")
    world.copy("A003", "Maths", submitted=date(2025, 10, 1), assignment="D0")
    world.copy("B001", "Maths", submitted=date(2025, 10, 10), assignment="D1")
    return world


@pytest.fixture(scope="module")
def data():
    return autumn().dataset()


def test_summary(data) -> None:
    row = deadlines.summary(data, Scope(AUTUMN)).row(0, named=True)
    assert row == {
        "as_of": date(2025, 11, 8),
        "assignments_dated": 4,
        "assignments_due": 3,
        "copies_received": 5,
        "copies_late": 2,
        "late_share": pytest.approx(2 / 5),
        "learners_expected": 7,
        "assignments_missed": 2,
        "missed_share": pytest.approx(2 / 7),
    }


def test_per_group_and_discipline(data) -> None:
    rows = deadlines.breakdown(data, Scope(AUTUMN)).rows()
    assert rows == [
        ("Lyon", "2nde A", "Maths", 2, 4, 2, 0.5, 6, 2, pytest.approx(1 / 3)),
        ("Marseille", "CAP 1", "Maths", 1, 1, 0, 0.0, 1, 0, 0.0),
    ]


def test_the_lists_name_who_and_what(data) -> None:
    missed = deadlines.missed(data, Scope(AUTUMN))
    assert missed.select("external_id", "title", "due_on", "days_overdue", "referent").rows() == [
        ("A004", "D1", date(2025, 10, 10), 29, "M. Tuteur"),
        ("A004", "D2", date(2025, 11, 7), 1, "M. Tuteur"),
    ]
    late = deadlines.late(data, Scope(AUTUMN))
    assert late.select("external_id", "title", "days_late").rows() == [
        ("A002", "D1", 2),
        ("A001", "D2", 1),
    ]


def test_a_due_date_not_yet_passed_is_not_measured(data) -> None:
    """On 20/10 (the period ends there), D2 is not due yet: only the D1s count; A002's copy
    of 12/10 is late, A004 has missed D1."""
    scope = Scope(Period(date(2025, 9, 1), date(2025, 10, 20)))
    row = deadlines.summary(data, scope).row(0, named=True)
    assert (row["assignments_due"], row["copies_received"], row["copies_late"]) == (2, 3, 1)
    assert (row["learners_expected"], row["assignments_missed"]) == (4, 1)


def test_filters_and_a_users_part(data) -> None:
    lyon = Scope(AUTUMN, Filters(sites=("Lyon",)))
    assert deadlines.summary(data, lyon).row(0, named=True)["assignments_due"] == 2
    part = within(data, Perimeter(sites=("Marseille",)))
    assert deadlines.breakdown(part, Scope(AUTUMN)).select("group", "assignments_due").rows() == [
        ("CAP 1", 1)
    ]
    french = Scope(AUTUMN, Filters(disciplines=("Français",)))
    row = deadlines.summary(data, french).row(0, named=True)
    assert (row["assignments_due"], row["late_share"], row["missed_share"]) == (0, None, None)
    assert deadlines.breakdown(data, french).is_empty()
    assert deadlines.missed(data, french).is_empty()


def test_the_delays_page_shows_them(app_database) -> None:  # noqa: ANN001
    app_database(autumn())
    app = open_page("pages/delays.py")
    assert not page_problems(app), page_problems(app)
    tiles = {m.label: m.value for m in app.metric}
    assert tiles["Devoirs à rendre"] == "3"
    assert tiles["Copies remises en retard"] == "2 (40\u00a0%)"
    assert tiles["Devoirs non rendus"] == "2 (29\u00a0%)"
    per_group, missed, late = (frame.value for frame in app.dataframe[-3:])
    assert list(per_group["Groupe"]) == ["2nde A", "CAP 1"]
    assert list(per_group["Devoirs non rendus"]) == [2, 0]
    assert list(missed["Identifiant apprenant"]) == ["A004", "A004"]
    assert list(missed["Date limite"]) == [date(2025, 10, 10), date(2025, 11, 7)]
    assert list(late["Jours de retard"]) == [2, 1]


def test_the_delays_page_and_the_at_risk_list_read_one_rule() -> None:
    """The world of tests/test_risk_deadlines.py (due dates 02/03, 16/03, 30/03 and 06/04,
    data up to 31/03): the Délais page and the at-risk list name the same assignments not
    handed in (B: D2, D3; E, entered 20/03: D3; Z: D1, D2, D3) and the same late copies
    (C: D1 3 days, D2 4 days; F: D3 1 day). K2's copies fall to their latest group H, but they
    were enrolled in G when handing them in: they count for G's assignments on both (the
    Délais page used to read only the group the copy fell to, and listed K2 three times)."""
    from test_risk_deadlines import AS_OF, build

    from indicators import risk

    data = build().dataset()
    scope = Scope(Period(date(2025, 9, 1), AS_OF))
    missed = deadlines.missed(data, scope).select("external_id", "title").rows()
    assert sorted(missed) == [
        ("B", "D2"), ("B", "D3"), ("E", "D3"), ("Z", "D1"), ("Z", "D2"), ("Z", "D3"),
    ]  # fmt: skip
    late = deadlines.late(data, scope).select("external_id", "title", "days_late").rows()
    assert sorted(late) == [("C", "D1", 3), ("C", "D2", 4), ("F", "D3", 1)]
    listed = risk.at_risk(data, scope, AS_OF, everyone=True)
    counts = {
        r["external_id"]: int(r["signals"].split(" ")[0])
        for r in listed.filter(pl.col("missed_assignments").is_not_null()).iter_rows(named=True)
    }
    assert counts == {"B": 2, "E": 1, "Z": 3}


def test_an_assignment_is_due_the_day_after_its_due_date() -> None:
    """On 30/03, D3's due date (30/03) has not passed yet (a copy may still come that day):
    neither the Délais page nor the list counts it (B: D2 only; Z: D1, D2; E nothing)."""
    from test_risk_deadlines import DUE, build

    from indicators import risk

    data = build().dataset()
    day = DUE["D3"]
    scope = Scope(Period(date(2025, 9, 1), day))
    assert deadlines.summary(data, scope).item(0, "assignments_due") == 2
    assert sorted(deadlines.missed(data, scope).select("external_id", "title").rows()) == [
        ("B", "D2"), ("Z", "D1"), ("Z", "D2"),
    ]  # fmt: skip
    listed = risk.at_risk(data, scope, day, everyone=True)
    levels = {
        r["external_id"]: r["missed_assignments"]
        for r in listed.filter(pl.col("missed_assignments").is_not_null()).iter_rows(named=True)
    }
    assert levels == {"B": "vigilance", "Z": "alerte"}


def test_each_copy_counts_once_for_each_assignment_it_is_a_copy_of() -> None:
    """copies_of_assignments on the world of tests/test_risk_deadlines.py plus two copies:
    K2 (G from 01/09, H from 01/02: their copies fall to H, which set nothing) has D1, D2,
    D3 counted in G, the group that set them; a second copy of D1 handed in by A the same day
    counts once; a copy of the libre work (no such assignment) and the copies of the group
    without due dates count for nothing. Worked by hand: A, K, K2, C, F: D1, D2, D3; B: D1."""
    from test_risk_deadlines import build

    world = build()
    world.copy("A", "Maths", submitted=date(2026, 3, 1), assignment="D1")
    world.copy("A", "Maths", submitted=date(2026, 3, 2), assignment="Inconnu")
    data = world.dataset()
    found = deadlines.copies_of_assignments(data)
    learners = data.enrolments.select("learner_id", "external_id").unique()
    rows = (
        found.join(learners, on="learner_id")
        .join(data.frames.groups.select(pl.col("id").alias("group_id"), "name"), on="group_id")
        .select("external_id", "name", "title", "submitted_on")
        .rows()
    )
    expected = [
        (name, "G", title, day)
        for name, title, day in [
            *[(n, t, d) for n in ("A", "K", "K2") for t, d in ON_TIME.items()],
            ("B", "D1", date(2026, 3, 1)),
            ("C", "D1", date(2026, 3, 5)),
            ("C", "D2", date(2026, 3, 20)),
            ("C", "D3", date(2026, 3, 29)),
            ("F", "D1", date(2026, 3, 1)),
            ("F", "D2", date(2026, 3, 15)),
            ("F", "D3", date(2026, 3, 31)),
        ]
    ]
    assert sorted(rows) == sorted(expected)
    assert found.columns == [
        "learner_id", "assignment_id", "group_id", "discipline", "title", "due_on",
        "submitted_on",
    ]  # fmt: skip
    due = dict(
        data.assignments.filter(pl.col("due_on").is_not_null()).select("id", "due_on").rows()
    )
    assert all(due[a] == d for a, d in found.select("assignment_id", "due_on").rows())


ON_TIME = {"D1": date(2026, 3, 1), "D2": date(2026, 3, 15), "D3": date(2026, 3, 29)}


def test_a_copy_counts_in_the_group_enrolled_in_on_its_day() -> None:
    """M is in G from 01/09/2025 to 31/01/2026, then in H from 01/02/2026: G and H both set a
    Maths « D1 » (due 10/10/2025 in G, 10/02/2026 in H). M's D1 of 09/10 counts for G's, that
    of 09/02 for H's. N leaves G on 31/01 and enters H the same day: in two groups at once
    that day, like K (H from 01/09, G from 01/02 too); M, never in two at once, is not."""
    world = World()
    world.group("G", site="Lyon")
    world.group("H", site="Lyon")
    g_d1 = world.assignment("G", "Maths", "D1", due=date(2025, 10, 10))
    h_d1 = world.assignment("H", "Maths", "D1", due=date(2026, 2, 10))
    world.learner("M", group="G", entered=date(2025, 9, 1), left=date(2026, 1, 31), reason="autre")
    world.enrol("M", "H", date(2026, 2, 1))
    world.learner("N", group="G", entered=date(2025, 9, 1), left=date(2026, 1, 31), reason="autre")
    world.enrol("N", "H", date(2026, 1, 31))
    world.learner("K", group="H", entered=date(2025, 9, 1))
    world.enrol("K", "G", date(2026, 2, 1))
    world.copy("M", "Maths", submitted=date(2025, 10, 9), assignment="D1")
    world.copy("M", "Maths", submitted=date(2026, 2, 9), assignment="D1")
    data = world.dataset()
    found = deadlines.copies_of_assignments(data)
    assert sorted(found.select("assignment_id", "submitted_on").rows()) == [
        (g_d1, date(2025, 10, 9)),
        (h_d1, date(2026, 2, 9)),
    ]
    ids = dict(data.enrolments.select("learner_id", "external_id").unique().rows())
    at_once = deadlines._in_two_groups_at_once(data.enrolments).to_list()
    assert sorted(ids[learner] for learner in at_once) == ["K", "N"]
