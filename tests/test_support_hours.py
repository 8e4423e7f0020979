"""Support hours delivered, received and expected against a world worked out by hand.

Period P 01/09/2025-31/12/2025, as of 10/10/2025. Classes C1 (Lyon, jeunes) and C2 (Rennes,
alternants); need group NG (Lyon, aide individualisée, 15/09-12/10/2025, 9 members).
Sessions: s1 AP C1 02/09 2,5 h; s2 AP C1 09/09 2,5 h; s3 AP C2 09/09 2 h; s4 aide NG 16/09 1 h;
s5 aide NG 23/09 1 h; s6 AP C1 07/10 2,5 h; s7 soutien C2 25/08 1,5 h (before P).
Delivered: 11,5 h (Lyon 9,5 h, Rennes 2 h). School weeks of the window 01/09-10/10: those of
01/09, 08/09, 15/09, 22/09 and 06/10 (none on 29/09: holidays) = 5; NG's period holds 3.
Expected, with a 28-week school year and 28 h of aide a year (70 h / 28 = 2,5 h a week for AP;
28 h / 28 = 1 h for aide individualisée): C1 AP 5 x 2,5 = 12,5 (delivered 7,5: 60 %); C2 AP 12,5 (2:
16 %); NG 3 x 1 = 3 (2). With the default 36-week year: AP 70/36 h a week, C1 5 x 70/36 =
9,72 h; aide 30/36 h a week, NG 3 x 30/36 = 2,5 h.
Attendance: s1 L1, L2 present; s2 L1 present, L2 absent; s6 L1, L2 present; s3 L3 present;
s4 L1, L2 present; s5 L1 and L4-L11 present (9 listed: over the cap of 8).
Received: L1 AP 7,5 + aide 2 = 9,5; L2 AP 5 + aide 1 = 6 (1 absence); L3 AP 2 (entered
08/09: 4 school weeks, 10 h expected).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from world import World

from indicators import support_hours as sh
from indicators.common import DEFAULT_SETTINGS, Filters, Period, Scope

P = Period(date(2025, 9, 1), date(2025, 12, 31))
WEEKS_28 = replace(DEFAULT_SETTINGS, school_weeks_per_year=28, aide_hours_per_year=28)  # 2,5 h, 1 h
AS_OF = date(2025, 10, 10)
D = date
AIDE = "aide individualisée"


def school() -> World:
    """The classes, the need group and the learners, no session yet."""
    w = World()
    w.group("C1", site="Lyon", public="jeunes")
    w.group("C2", site="Rennes", public="alternants")
    for number in range(1, 12):
        w.learner(
            f"L{number}",
            group="C2" if number == 3 else "C1",
            entered=D(2025, 9, 8) if number == 3 else D(2025, 9, 1),
        )
    w.need_group(
        "NG",
        need="méthodologie",
        kind=AIDE,
        site="Lyon",
        start=D(2025, 9, 15),
        end=D(2025, 10, 12),
        hours_per_week=1.0,
        members=["L1", *[f"L{n}" for n in range(4, 12)]],
    )
    return w


def world():
    w = school()
    w.session("AP", D(2025, 9, 2), 2.5, group="C1", present=["L1", "L2"])
    w.session("AP", D(2025, 9, 9), 2.5, group="C1", present=["L1"], absent=["L2"])
    w.session("AP", D(2025, 9, 9), 2.0, group="C2", present=["L3"])
    w.session(AIDE, D(2025, 9, 16), 1.0, need_group="NG", present=["L1", "L2"])
    everyone = ["L1", *[f"L{n}" for n in range(4, 12)]]
    w.session(AIDE, D(2025, 9, 23), 1.0, need_group="NG", present=everyone)
    w.session("AP", D(2025, 10, 7), 2.5, group="C1", present=["L1", "L2"])
    w.session("soutien", D(2025, 8, 25), 1.5, group="C2")
    return w.dataset()


def test_headline_counts_each_session_once():
    assert sh.headline(world(), Scope(P)).item() == pytest.approx(11.5)
    by_site = sh.headline(world(), Scope(P), by="site")
    assert by_site.rows() == [("Lyon", 9.5), ("Rennes", 2.0)]


def test_headline_empty_period_is_zero_hours():
    result = sh.headline(world(), Scope(Period(D(2024, 1, 1), D(2024, 1, 31))))
    assert result.item() == 0.0
    assert sh.delivered_by_group(
        world(), Scope(Period(D(2024, 1, 1), D(2024, 1, 31))), D(2024, 1, 31)
    ).is_empty()


def test_filters_go_through_the_sessions_group():
    # a need group has no public: a public filter leaves it out
    assert sh.headline(world(), Scope(P, Filters(publics=("jeunes",)))).item() == pytest.approx(7.5)
    assert sh.headline(world(), Scope(P, Filters(groups=("NG",)))).item() == pytest.approx(2.0)
    # sessions without a discipline stay under a discipline filter
    assert sh.headline(world(), Scope(P, Filters(disciplines=("Maths",)))).item() == pytest.approx(
        11.5
    )


def test_school_weeks_skip_weeks_without_any_session():
    weeks = sh.school_weeks(world(), sh.expected_window(P, AS_OF))
    assert weeks.to_list() == [D(2025, 9, 1), D(2025, 9, 8), D(2025, 9, 15), D(2025, 9, 22),
                               D(2025, 10, 6)]  # fmt: skip
    assert sh.expected_window(P, D(2025, 8, 1)) is None


def test_delivered_against_expected_per_group():
    result = sh.delivered_by_group(world(), Scope(P, settings=WEEKS_28), AS_OF)
    rows = result.select(
        "group", "group_type", "kind", "sessions", "hours_delivered", "weeks", "hours_expected"
    ).rows()
    assert rows == [
        ("C1", "classe", "AP", 3, 7.5, 5, 12.5),
        ("NG", "groupe de besoins", "aide individualisée", 2, 2.0, 3, 3.0),
        ("C2", "classe", "AP", 1, 2.0, 5, 12.5),
    ]
    assert result.get_column("delivered_share").to_list() == pytest.approx([0.6, 2 / 3, 0.16])
    totals = sh.totals_by_kind(result)
    assert totals.rows() == [
        ("AP", 4, 9.5, 25.0, pytest.approx(0.38)),
        ("aide individualisée", 2, 2.0, 3.0, pytest.approx(2 / 3)),
    ]


def test_labels_name_the_kind_once():
    """« CAP 1 EPC A » holds AP: the label says so (its name only contains the letters); a need
    group named after its kind is not told twice."""
    w = school()
    w.group("CAP 1 EPC A", site="Lyon")
    w.session("AP", D(2025, 9, 2), 2.5, group="CAP 1 EPC A")
    w.session(AIDE, D(2025, 9, 16), 1.0, need_group="NG")
    labels = sh.delivered_by_group(w.dataset(), Scope(P), AS_OF).get_column("label").to_list()
    assert labels == ["CAP 1 EPC A – AP (Lyon)", "NG – aide individualisée (Lyon)"]
    w.need_group("Maths – aide individualisée 1", need="maths", kind=AIDE, site="Lyon",
                 start=D(2025, 9, 1), end=D(2025, 12, 1))  # fmt: skip
    w.session(AIDE, D(2025, 9, 16), 1.0, need_group="Maths – aide individualisée 1")
    labels = sh.delivered_by_group(w.dataset(), Scope(P), AS_OF).get_column("label").to_list()
    assert "Maths – aide individualisée 1 (Lyon)" in labels


def test_a_kind_without_reference_has_no_expected_hours():
    period = Period(D(2025, 8, 1), D(2025, 8, 31))
    result = sh.delivered_by_group(world(), Scope(period), D(2025, 8, 31))
    assert result.select("kind", "hours_delivered").rows() == [("soutien", 1.5)]
    assert result.get_column("hours_expected").to_list() == [None]
    assert result.get_column("delivered_share").to_list() == [None]


def test_hours_received_per_learner():
    result = sh.received_by_learner(world(), Scope(P, settings=WEEKS_28), AS_OF).filter(
        pl.col("external_id").is_in(["L1", "L2", "L3", "L4"])
    )
    rows = result.select(
        "external_id", "sessions", "absences", "ap_hours", "aide_hours", "total_hours",
        "ap_expected", "too_few",
    ).sort("external_id").rows()  # fmt: skip
    assert rows == [
        ("L1", 5, 0, 7.5, 2.0, 9.5, 12.5, True),
        ("L2", 4, 1, 5.0, 1.0, 6.0, 12.5, True),
        ("L3", 1, 0, 2.0, 0.0, 2.0, 10.0, True),
        ("L4", 1, 0, 0.0, 1.0, 1.0, None, False),  # not in AP: no AP expectation
    ]


def test_expected_weeks_are_counted_once_per_learner():
    """T leaves C1 on Wednesday 10/09 and joins C2 on Thursday 11/09: the week of 08/09 is
    one school week, not two; U is in C1 and C2 at once from 01/09: 5 weeks, not 10. Both
    attended the AP session of C1 on 02/09. With 28 weeks a year, 5 x 2,5 h = 12,5 h."""
    w = school()
    w.learner("T", group="C1", entered=D(2025, 9, 1), left=D(2025, 9, 10), reason="réorientation")
    w.enrol("T", "C2", D(2025, 9, 11))
    w.learner("U", group="C1", entered=D(2025, 9, 1))
    w.enrol("U", "C2", D(2025, 9, 1))
    w.session("AP", D(2025, 9, 2), 2.5, group="C1", present=["L1", "T", "U"])
    w.session("AP", D(2025, 9, 9), 2.5, group="C1", present=["L1"])
    w.session("AP", D(2025, 9, 16), 1.0, need_group="NG", present=["L1"])
    w.session("AP", D(2025, 9, 23), 1.0, need_group="NG", present=["L1"])
    w.session("AP", D(2025, 10, 7), 2.5, group="C1", present=["L1"])
    rows = sh.received_by_learner(w.dataset(), Scope(P, settings=WEEKS_28), AS_OF)
    expected = dict(zip(rows["external_id"], rows["ap_expected"], strict=True))
    assert (expected["T"], expected["U"], expected["L1"]) == (12.5, 12.5, 12.5)


def test_the_minimum_share_is_a_setting():
    settings = replace(WEEKS_28, support_min_share=0.5)
    received = sh.received_by_learner(world(), Scope(P, settings=settings), AS_OF)
    few = sh.too_few_hours(received)
    assert few.select("external_id", "ap_share").rows() == [("L3", 0.2), ("L2", 0.4)]


def test_expected_hours_spread_the_yearly_reference_over_the_school_year():
    """Default 36-week year: AP 70/36 h and aide individualisée 30/36 h a school week, so the
    expected hours never exceed the yearly reference (2,5 h x 36 weeks would be 90 h)."""
    assert sh.weekly_reference(DEFAULT_SETTINGS) == {
        "AP": pytest.approx(70 / 36),
        "aide individualisée": pytest.approx(30 / 36),
    }
    result = sh.delivered_by_group(world(), Scope(P), AS_OF)
    expected = dict(zip(result["group"], result["hours_expected"], strict=True))
    assert expected == {"C1": pytest.approx(5 * 70 / 36), "NG": pytest.approx(2.5),
                        "C2": pytest.approx(5 * 70 / 36)}  # fmt: skip


def test_groups_over_their_cap():
    result = sh.over_cap(world(), Scope(P))
    assert result.rows() == [("Lyon", "NG", 2, 1, 9, 9)]
    bigger_cap = replace(DEFAULT_SETTINGS, aide_max_group_size=9)
    assert sh.over_cap(world(), Scope(P, settings=bigger_cap)).is_empty()


sessions_strategy = st.lists(
    st.tuples(
        st.integers(1, 2),  # class group (site Lyon or Rennes)
        st.integers(0, 150),  # day after 01/08/2025
        st.sampled_from([0.5, 1.0, 2.5]),
        st.sampled_from(["AP", "aide individualisée", "soutien"]),
    ),
    max_size=30,
    unique_by=lambda row: (row[0], row[1], row[3]),
)


@settings(max_examples=50, deadline=None)
@given(rows=sessions_strategy)
def test_totals_split_by_site_add_up(rows):
    w = school()
    for group, day, hours, kind in rows:
        w.session(kind, D(2025, 8, 1) + timedelta(days=day), hours, group=["C1", "C2"][group - 1])
    dataset = w.dataset()
    whole = sh.headline(dataset, Scope(P)).item()
    for by in ("site", "group", "public"):
        split = sh.headline(dataset, Scope(P), by=by)
        assert split.get_column("support_hours_delivered").sum() == pytest.approx(whole)
    per_group = sh.delivered_by_group(dataset, Scope(P), D(2025, 12, 31))
    assert per_group.get_column("hours_delivered").sum() == pytest.approx(whole)
