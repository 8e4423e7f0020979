"""Per-learner figures that hold for people, not only for events: a learner who left, one who
changed class, completions, and a period that runs past the data, asserted through the
indicators and through the pages (AppTest) of the school year 2025-2026.

Lycée Lyon, classes 2nde A and 2nde B (jeunes) and DE (demandeurs d'emploi). AP sessions of
2,5 h every Tuesday for 2nde A and 2nde B from 02/09/2025 to 04/11/2025 except the two weeks
of the autumn holidays (21/10, 28/10): 8 school weeks (those of 01/09, 08/09, 15/09, 22/09,
29/09, 06/10, 13/10, 03/11). The data end on 04/11/2025; the sidebar's period, the school
year, runs to 31/08/2026. A school week brings 70 h / 36 = 1,944 h of expected AP.

- R (2nde A) attends every session: 20 h received, 8 weeks expected = 15,56 h.
- S (2nde A) attends 2 sessions of 8: 5 h for 15,56 h expected: too few (32 %).
- D (2nde A) leaves for « abandon » on Monday 29/09/2025, attended 02/09 only (absent 09/09,
  16/09, 23/09): 2,5 h for 5 weeks expected (01/09 to 29/09: 9,72 h). Their expected hours
  stop at their exit, and having left they are in no to-do list (before: 15,56 h expected
  and listed).
- M is « réorienté » from 2nde A (01/09-05/10, 5 sessions: 12,5 h) to 2nde B (from 06/10,
  3 sessions: 07/10, 14/10, 04/11: 7,5 h). Whole school: 20 h for 8 weeks (15,56 h). Filtered on
  2nde B: 7,5 h received since joining it, against 3 weeks expected (06/10, 13/10, 03/11:
  5,83 h) (before: against the 8 weeks since their first entry, 15,56 h, and listed).
- C (2nde B) ends « fin de parcours » on 23/10/2025 without an interview (due 01/10): a
  documentation gap, 52 days enrolled, not a to-do.
- N (2nde A, still enrolled) has had no interview: to be seen, 64 days since entry on 04/11.
  R, S and M held their initial and diagnostic interviews in September; D left before theirs
  were due.
- DE: four « fin de parcours » on 22/09/2025 (day 21) and one « abandon » on 15/09 (day 14).
  Kaplan-Meier: on day 14, 5 followed, 1 dropout: 80 %; the completions censor: the curve
  stays at 80 % (counting every exit as leaving would fall to 0 % at week 3).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pyarrow as pa
import pytest
from apptest import open_page, page_problems
from world import World

from indicators import dropout, interviews, support_hours, surges
from indicators.common import Filters, Period, Scope

YEAR = Period(date(2025, 9, 1), date(2026, 8, 31))
DATA_END = date(2025, 11, 4)
TUESDAYS = [date(2025, 9, 2) + timedelta(weeks=k) for k in range(10) if k not in (7, 8)]
WEEK = 70 / 36


def school() -> World:
    w = World()
    for group, public in (
        ("2nde A", "jeunes"),
        ("2nde B", "jeunes"),
        ("DE", "demandeurs d'emploi"),
    ):
        w.group(group, site="Lyon", public=public)
    september = date(2025, 9, 1)
    for name in ("R", "S", "N"):
        w.learner(name, group="2nde A", entered=september, last_name=f"Élève {name}")
    w.learner("D", group="2nde A", entered=september, left=date(2025, 9, 29), reason="abandon")
    w.learner("M", group="2nde A", entered=september, left=date(2025, 10, 5),
              reason="réorientation", last_name="Élève M")  # fmt: skip
    w.enrol("M", "2nde B", date(2025, 10, 6))
    w.learner("C", group="2nde B", entered=september, left=date(2025, 10, 23),
              reason="fin de parcours", last_name="Élève C")  # fmt: skip
    for name in ("F1", "F2", "F3", "F4"):
        w.learner(name, group="DE", entered=september, left=date(2025, 9, 22),
                  reason="fin de parcours")  # fmt: skip
    w.learner("X", group="DE", entered=september, left=date(2025, 9, 15), reason="abandon")
    for tuesday in TUESDAYS:
        in_a = ["R"] + (["S"] if tuesday in TUESDAYS[:2] else [])
        absent_a = [] if tuesday in TUESDAYS[:2] else ["S"]
        if tuesday < date(2025, 9, 29):
            (in_a if tuesday == TUESDAYS[0] else absent_a).append("D")
        if tuesday < date(2025, 10, 5):
            in_a.append("M")
        w.session("AP", tuesday, 2.5, group="2nde A", present=in_a, absent=absent_a)
        in_b = ["M"] if tuesday > date(2025, 10, 5) else []
        w.session("AP", tuesday, 2.5, group="2nde B", present=in_b)
    for name in ("R", "S", "M"):
        w.interview(name, date(2025, 9, 10), "initial", objectives_set=1)
        w.interview(name, date(2025, 9, 17), "diagnostic", objectives_set=1)
    return w


@pytest.fixture
def lycee(app_database) -> str:  # noqa: ANN001
    return app_database(school())


def received(scope: Scope) -> dict[str, dict]:
    frame = support_hours.received_by_learner(school().dataset(), scope, DATA_END)
    return {row["external_id"]: row for row in frame.iter_rows(named=True)}


def test_expected_ap_hours_stop_at_the_exit_and_leavers_are_no_to_do() -> None:
    rows = received(Scope(YEAR))
    assert (rows["R"]["ap_hours"], rows["R"]["ap_expected"]) == (20.0, pytest.approx(8 * WEEK))
    assert (rows["D"]["ap_hours"], rows["D"]["ap_expected"]) == (2.5, pytest.approx(5 * WEEK))
    assert rows["D"]["exit_date"] == date(2025, 9, 29)
    assert (rows["D"]["too_few"], rows["S"]["too_few"]) == (False, True)
    assert rows["S"]["exit_date"] is None
    assert (rows["M"]["ap_hours"], rows["M"]["ap_expected"]) == (20.0, pytest.approx(8 * WEEK))
    assert support_hours.too_few_hours(
        support_hours.received_by_learner(school().dataset(), Scope(YEAR), DATA_END)
    ).get_column("external_id").to_list() == ["S"]


def test_a_class_filter_keeps_received_and_expected_to_the_same_enrolment() -> None:
    rows = received(Scope(YEAR, Filters(groups=("2nde B",))))
    assert set(rows) == {"M", "C"} - {"C"}  # C attended no session
    m = rows["M"]
    assert (m["group"], m["ap_hours"], m["ap_expected"], m["too_few"]) == (
        "2nde B",
        7.5,
        pytest.approx(3 * WEEK),
        False,
    )
    in_a = received(Scope(YEAR, Filters(groups=("2nde A",))))["M"]
    assert (in_a["ap_hours"], in_a["ap_expected"]) == (12.5, pytest.approx(5 * WEEK))


def test_retention_counts_dropout_only() -> None:
    curve = dropout.retention(school().dataset(), Scope(YEAR), DATA_END, by="public")
    de = curve.filter(pl.col("public") == "demandeurs d'emploi")
    assert de.select("weeks", "followed", "dropouts", "retention").rows() == [
        (0, 5, 0, 1.0),
        (1, 5, 0, 1.0),
        (2, 5, 1, pytest.approx(0.8)),
        (3, 4, 1, pytest.approx(0.8)),
    ]


def test_the_surge_watch_names_its_week_and_the_data_date() -> None:
    seen = surges.watched(school().dataset(), YEAR)
    assert (seen.last_full_week, seen.current_week, seen.data_end) == (
        date(2025, 10, 27),
        date(2025, 11, 3),
        DATA_END,
    )


def test_interviews_to_do_holds_only_learners_still_enrolled() -> None:
    data = school().dataset()
    to_do = interviews.missing_first_interviews(data, Scope(YEAR), DATA_END)
    assert to_do.select("external_id", "days_since_entry").rows() == [("N", 64)]
    gap = interviews.left_without_first_interviews(data, Scope(YEAR), DATA_END)
    assert gap.select("external_id", "exit_reason", "days_enrolled").rows() == [
        ("C", "fin de parcours", 52)
    ]


# --- the same through the pages ------------------------------------------------------------


def _table(app, column: str, value: str, having: str | None = None):  # noqa: ANN001, ANN202
    """The first table of the page holding ``value`` in ``column`` (and a column ``having``)."""
    return next(
        d.value
        for d in app.dataframe
        if column in d.value
        and value in d.value[column].tolist()
        and (having is None or having in d.value)
    )


def test_the_support_page_lists_no_leaver_and_no_false_shortfall(lycee: str) -> None:
    app = open_page("pages/support.py")
    assert not page_problems(app), page_problems(app)
    assert {m.label: m.value for m in app.metric}["Trop peu d'heures d'AP"] == "1"
    everyone = _table(app, "Identifiant", "D").set_index("Identifiant")
    assert everyone.loc["D", "Sorti le"] == date(2025, 9, 29)
    assert everyone.loc["D", "Heures d'AP attendues à date"] == 9.7  # 5 weeks, as shown
    too_few = next(d.value for d in app.dataframe if "Sorti le" not in d.value.columns
                   and "Heures d'AP reçues" in d.value.columns)  # fmt: skip
    assert too_few["Identifiant"].tolist() == ["S"]

    app.sidebar.multiselect(key="filter_groups").set_value(["2nde B"]).run()
    assert not page_problems(app), page_problems(app)
    assert {m.label: m.value for m in app.metric}["Trop peu d'heures d'AP"] == "0"
    m = _table(app, "Identifiant", "M").set_index("Identifiant").loc["M"]
    assert (m["Heures d'AP reçues"], m["Heures d'AP attendues à date"]) == (7.5, 5.8)  # 3 weeks


def test_the_dropout_page_draws_a_curve_that_counts_dropout_only(lycee: str) -> None:
    app = open_page("pages/dropout.py")
    assert not page_problems(app), page_problems(app)
    assert any("Kaplan-Meier" in c.value and "réorientation" in c.value for c in app.caption)
    curves = [
        pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pylist()
        for chart in app.main
        if chart.type == "vega_lite_chart"
        and chart.proto.datasets
        and b"retention" in chart.proto.spec.encode()
    ]
    (points,) = curves
    de = [p["retention"] for p in points if p["public"] == "demandeurs d'emploi"]
    assert de == pytest.approx([1.0, 1.0, 0.8, 0.8])


def test_the_overview_names_the_watched_week_and_the_data_date(lycee: str) -> None:
    app = open_page()
    assert not page_problems(app), page_problems(app)
    assert (
        "Semaine regardée : celle du 27/10/2025, la dernière complète des données, et celle du "
        "03/11/2025, en cours. Données au 04/11/2025." in [c.value for c in app.caption]
    )


def test_the_interviews_page_keeps_leavers_apart(lycee: str) -> None:
    app = open_page("pages/interviews.py")
    assert not page_problems(app), page_problems(app)
    assert {m.label: m.value for m in app.metric}["Sans entretien d'accueil"] == "1"
    to_do = _table(app, "Identifiant", "N", having="Jours depuis l'entrée")
    assert to_do["Identifiant"].tolist() == ["N"]
    assert to_do["Jours depuis l'entrée"].tolist() == [64]
    gap = _table(app, "Identifiant", "C", having="Jours d'inscription")
    assert gap[["Identifiant", "Motif de sortie", "Jours d'inscription"]].values.tolist() == [
        ["C", "fin de parcours", 52]
    ]


PAGES = [
    "pages/overview.py",
    "pages/activity.py",
    "pages/delays.py",
    "pages/tutoring.py",
    "pages/dropout.py",
    "pages/support.py",
    "pages/interviews.py",
]


@pytest.mark.parametrize("page", PAGES)
def test_a_period_the_data_do_not_reach_is_said_to_hold_nothing(lycee: str, page: str) -> None:
    """After the data (from 05/01/2026) and before them (2024): every page says so plainly,
    instead of zeros, claims about « every interview » or states counted past the data."""
    app = open_page(page)
    app.sidebar.date_input(key="period").set_value((date(2026, 1, 5), date(2026, 3, 31))).run()
    assert not page_problems(app), page_problems(app)
    assert any(
        "Les données s'arrêtent le 04/11/2025, avant le début de la période" in w.value
        for w in app.warning
    ), page
    app.sidebar.date_input(key="period").set_value((date(2024, 1, 1), date(2024, 1, 31))).run()
    assert any(
        "La période se termine avant le début des données (01/09/2025)" in i.value for i in app.info
    ), page
    assert not any("Tous les" in s.value or "Chaque" in s.value for s in app.success), page
