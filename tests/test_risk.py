"""At-risk learners: each signal triggered and not triggered by a hand-made learner.

As of Tuesday 31/03/2026, default settings (4 weeks without a copy, 8 weeks without an
interview, suivi within 30 days, 48 h, a drop of 3 points, 3 absences in 8 weeks).
Group G (Lyon) holds every learner but R2, alone in H (Rennes). All entered 01/09/2025 unless
said. Background: a copy on 25/03 (no grade) for R4-R10, R14, R15; an initial interview on
16/03 for everyone but R3 and R4.

- R1 last copy 01/02 -> no_recent_copy (8 weeks; in the 6 weeks from 18/02, 12 of the 15
  current learners of G sent 21 copies: 9 background + 4 each for R11, R12, R13).
- R2 (alone in H) last copy 10/01, H silent -> no signal.
- R3 entered 20/03, nothing -> no signal (enrolled for less than 4 / 8 weeks).
- R4 last interview suivi 15/01 -> no_recent_interview (10 weeks).
- R5 contractualisation 10/02, no suivi -> suivi_overdue (49 days).
- R6 contractualisation 10/03 (21 days) -> no; R7 contractualisation 05/01, suivi 01/03 -> no.
- R8 request 29/03 08:00 unanswered (64 h at the end of 31/03) -> unanswered_requests;
  its 30/03 10:00 request (38 h) does not count.
- R9 request 20/03 answered 02/04 (after as_of) -> unanswered_requests.
- R10 request 29/03 09:00 answered 31/03; request 30/03 01:00 unanswered (47 h) -> no.
- R11 grades 15 14 16 | 10 11 12 -> falling_grades (15 -> 11); R12 15 14 16 | 13 12 13
  (drop 2.3) -> no; R13 only 5 grades -> no falling_grades, but 3 of its 5 grades are under
  10/20 (60 %) -> failure_rate (vigilance from 50 %); its mean 51/5 = 10.2 is 3.2 points
  under that of the other graded learners of G (R11, R12: 161/12 = 13.4) -> below_group.
- R14 3 absences in March -> absences; R15 2 in March + 1 on 20/01 (outside) -> no.
- R16 left on 15/03 (abandon) -> not listed; R17 no referent, no copy ever -> no_recent_copy.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import polars as pl
import pytest
from world import World

from indicators import risk
from indicators.common import DEFAULT_SETTINGS, Filters, Period, Scope

AS_OF = date(2026, 3, 31)
YEAR = Period.school_year_of(AS_OF)
D = date
T = datetime
ALL = [f"R{i}" for i in range(1, 18)]


def world():
    w = World()
    w.staff("Mme Référente")
    w.group("G", site="Lyon", public="jeunes")
    w.group("H", site="Rennes", public="jeunes")
    for name in ALL:
        w.learner(
            name,
            group="H" if name == "R2" else "G",
            entered=D(2026, 3, 20) if name == "R3" else D(2025, 9, 1),
            left=D(2026, 3, 15) if name == "R16" else None,
            reason="abandon" if name == "R16" else None,
            last_name=f"Nom {name}",
            referent=None if name == "R17" else "Mme Référente",
        )

    def copy(name, day, grade=None):
        w.copy(name, "Maths", submitted=day, assignment=f"{name}-{day}", grade=grade)

    for name in ("R4", "R5", "R6", "R7", "R8", "R9", "R10", "R14", "R15"):
        copy(name, D(2026, 3, 25))
    copy("R1", D(2026, 2, 1))
    copy("R2", D(2026, 1, 10))
    days6 = [D(2026, 2, 4), D(2026, 2, 11), D(2026, 2, 18), D(2026, 2, 25), D(2026, 3, 4),
             D(2026, 3, 25)]  # fmt: skip
    for day, grade in zip(days6, [15, 14, 16, 10, 11, 12], strict=True):
        copy("R11", day, float(grade))
    for day, grade in zip(days6, [15, 14, 16, 13, 12, 13], strict=True):
        copy("R12", day, float(grade))
    for day, grade in zip(days6[1:], [18, 18, 5, 5, 5], strict=True):
        copy("R13", day, float(grade))

    for name in ALL:
        if name not in ("R3", "R4"):
            w.interview(name, D(2026, 3, 16), "initial")
    for name, day, kind in (
        ("R4", D(2026, 1, 15), "suivi"),
        ("R5", D(2026, 2, 10), "contractualisation"),
        ("R6", D(2026, 3, 10), "contractualisation"),
        ("R7", D(2026, 1, 5), "contractualisation"),
        ("R7", D(2026, 3, 1), "suivi"),
    ):
        w.interview(name, day, kind)

    for name, received, answered in (
        ("R8", T(2026, 3, 29, 8), None),
        ("R8", T(2026, 3, 30, 10), None),
        ("R9", T(2026, 3, 20, 9), T(2026, 4, 2, 9)),
        ("R9", T(2026, 3, 1, 9), T(2026, 3, 2, 9)),
        ("R10", T(2026, 3, 29, 9), T(2026, 3, 31, 9)),
        ("R10", T(2026, 3, 30, 1), None),
    ):
        w.request(name, "Maths", received=received, answered=answered)
    w.session("AP", D(2026, 1, 20), 2.0, group="G", absent=["R15"])
    w.session("AP", D(2026, 3, 5), 2.0, group="G", absent=["R14", "R15"])
    w.session("AP", D(2026, 3, 12), 2.0, group="G", absent=["R14", "R15"])
    w.session("AP", D(2026, 3, 19), 2.0, group="G", present=["R15"], absent=["R14"])
    return w.dataset()


@pytest.fixture(scope="module")
def listed():
    return risk.at_risk(world(), Scope(YEAR), AS_OF)


def _flagged(frame: pl.DataFrame, signal: str) -> set[str]:
    return set(frame.filter(pl.col(signal).is_not_null()).get_column("external_id").to_list())


@pytest.mark.parametrize(
    ("signal", "learners"),
    [
        ("no_recent_copy", {"R1", "R17"}),
        ("no_recent_interview", {"R4"}),
        ("suivi_overdue", {"R5"}),
        ("unanswered_requests", {"R8", "R9"}),
        ("falling_grades", {"R11"}),
        ("failure_rate", {"R13"}),
        ("below_group", {"R13"}),
        ("absences", {"R14"}),
    ],
)
def test_each_signal_is_triggered_only_by_its_learners(listed, signal, learners):
    assert _flagged(listed, signal) == learners


def test_the_list_holds_exactly_the_learners_with_signals(listed):
    assert set(listed.get_column("external_id")) == {
        "R1", "R4", "R5", "R8", "R9", "R11", "R13", "R14", "R17"
    }  # fmt: skip
    counts = dict(zip(listed["external_id"], listed["signal_count"], strict=True))
    assert counts == {name: 1 for name in counts} | {"R13": 2}
    assert listed.columns == risk.LIST_COLUMNS


def test_each_signal_is_spelled_out(listed):
    text = dict(zip(listed["external_id"], listed["signals"], strict=True))
    assert text["R1"] == (
        "Aucune copie depuis 8 semaines (dernière le 01/02/2026, alors que 12 apprenants du "
        "groupe sur 15 en ont rendu 21 en 6 semaines)"
    )
    assert text["R17"] == (
        "Aucune copie depuis l'entrée le 01/09/2025 (30 semaines, alors que 12 apprenants du "
        "groupe sur 15 en ont rendu 21 en 6 semaines)"
    )
    assert text["R4"] == "Aucun entretien depuis 10 semaines (dernier : suivi du 15/01/2026)"
    assert text["R5"] == (
        "Suivi en retard : contractualisation du 10/02/2026 sans suivi depuis 49 jours "
        "(attendu sous 30 jours)"
    )
    assert text["R8"] == (
        "1 demande de tutorat sans réponse depuis plus de 48 h (reçue le 29/03/2026)"
    )
    assert text["R11"] == (
        "Notes en baisse : moyenne des 3 dernières 11,0/20 contre 15,0/20 pour les 3 précédentes"
    )
    assert text["R14"] == "3 absences aux séances d'accompagnement sur les 8 dernières semaines"


def test_referent_is_given_so_someone_can_call(listed):
    referents = dict(zip(listed["external_id"], listed["referent"], strict=True))
    assert referents["R1"] == "Mme Référente"
    assert referents["R17"] is None
    assert risk.referents(listed) == ["Mme Référente", risk.NO_REFERENT]


def test_several_signals_add_up_and_come_first():
    settings = replace(DEFAULT_SETTINGS, risk_interview_gap_weeks=1)  # last interviews 16/03
    listed = risk.at_risk(world(), Scope(YEAR, settings=settings), AS_OF)
    first = listed.row(0, named=True)
    assert first["signal_count"] == 2
    assert first["signals"].count(" ; ") == 1


def test_settings_move_the_thresholds():
    settings = replace(
        DEFAULT_SETTINGS,
        risk_inactivity_weeks=9,
        risk_suivi_due_days=60,
        risk_grade_drop=5.0,
        risk_absences=2,
    )
    listed = risk.at_risk(world(), Scope(YEAR, settings=settings), AS_OF)
    assert _flagged(listed, "no_recent_copy") == {"R17"}  # R1: 8 weeks < 9
    assert _flagged(listed, "suivi_overdue") == set()
    assert _flagged(listed, "falling_grades") == set()
    assert _flagged(listed, "absences") == {"R14", "R15"}


def test_page_filters_on_signals_and_referents(listed):
    by_signal = risk.filter_at_risk(listed, ["falling_grades", "absences"], [])
    assert set(by_signal["external_id"]) == {"R11", "R14"}
    no_referent = risk.filter_at_risk(listed, [], [risk.NO_REFERENT])
    assert no_referent["external_id"].to_list() == ["R17"]
    assert risk.filter_at_risk(listed, [], []).height == listed.height
    counts = dict(risk.signal_counts(listed).select("signal", "learners").iter_rows())
    assert counts["Pas de copie récente"] == 2
    assert counts["Tutorat sans réponse"] == 2


def test_site_filter_applies_to_the_current_group():
    assert risk.at_risk(world(), Scope(YEAR, Filters(sites=("Rennes",))), AS_OF).is_empty()
    assert risk.at_risk(world(), Scope(YEAR, Filters(sites=("Lyon",))), AS_OF).height == 9


def test_empty_data_gives_an_empty_list_with_every_column():
    listed = risk.at_risk(World().dataset(), Scope(YEAR), AS_OF)
    assert listed.is_empty()
    assert set(risk.SIGNALS) <= set(listed.columns)
    assert listed.schema["signal_count"] == pl.Int64


def test_one_classmate_submitting_is_not_a_group_that_keeps_submitting():
    """Group of 4 entered 01/09/2025, as of 31/03/2026 (6-week window from 18/02): only A
    submitted in the window, so B, C, D's silence is the group's, not a signal; when C and D
    submit too (3 of 4), B is flagged."""

    def world(submitters):
        w = World()
        w.group("G", site="Nord")
        for name in ("A", "B", "C", "D"):
            w.learner(name, group="G", entered=D(2025, 9, 1))
        for name in sorted(submitters):
            w.copy(name, "Maths", submitted=D(2026, 3, 20), assignment="D1")
        w.copy("B", "Maths", submitted=D(2026, 1, 5), assignment="D0")
        return w.dataset()

    quiet = risk.at_risk(world({"A"}), Scope(YEAR), D(2026, 3, 31))
    assert quiet.filter(pl.col("no_recent_copy").is_not_null()).is_empty()
    busy = risk.at_risk(world({"A", "C", "D"}), Scope(YEAR), D(2026, 3, 31))
    assert busy.filter(pl.col("no_recent_copy").is_not_null()).get_column(
        "external_id"
    ).to_list() == ["B"]


def test_data_without_any_interview_raise_no_interview_signal():
    """A copies export analysed alone: nobody is 'without interview', the data just have none."""
    w = World()
    w.group("G", site="Nord")
    for name in ("A", "B"):
        w.learner(name, group="G", entered=D(2025, 9, 1))
        w.copy(name, "Maths", submitted=D(2026, 3, 20), assignment="D1")
    data = w.dataset()
    assert risk.at_risk(data, Scope(YEAR), D(2026, 3, 31)).is_empty()


def test_each_signal_has_its_level(listed):
    """Defaults: alerte from 10 weeks without a copy (R17: 30), 12 without an interview (R4:
    10), 60 days of overdue suivi (R5: 49), a request waiting 7 days (R9: 12 days, R8: 2), a
    drop of 5 points (R11: 4), 6 absences (R14: 3), 75 % of grades under 10/20 (R13: 60 %)."""
    levels = {
        (row["external_id"], name): row[name]
        for row in listed.iter_rows(named=True)
        for name in risk.SIGNALS
        if row[name] is not None
    }
    assert levels == {
        ("R1", "no_recent_copy"): "vigilance",
        ("R17", "no_recent_copy"): "alerte",
        ("R4", "no_recent_interview"): "vigilance",
        ("R5", "suivi_overdue"): "vigilance",
        ("R8", "unanswered_requests"): "vigilance",
        ("R9", "unanswered_requests"): "alerte",
        ("R11", "falling_grades"): "vigilance",
        ("R13", "failure_rate"): "vigilance",
        ("R13", "below_group"): "vigilance",
        ("R14", "absences"): "vigilance",
    }
    level = dict(zip(listed["external_id"], listed["level"], strict=True))
    assert level["R17"] == level["R9"] == "alerte" and level["R1"] == "vigilance"


def test_school_absences_over_the_last_four_weeks():
    """As of 31/03/2026 (window 04/03 to 31/03): A absent 2 whole days (4 half-days, one day
    justified) -> vigilance; B 8 half-days -> alerte; C 6 half-days but 4 of them on 02/03,
    before the window -> nothing (2 in it). Without absences in the data the signal is named."""
    w = World()
    w.group("G", site="Lyon")
    for name in ("A", "B", "C"):
        w.learner(name, group="G", entered=D(2025, 9, 1))
    w.absence("A", D(2026, 3, 10), half_day="journée", half_days=2.0, justified=True)
    w.absence("A", D(2026, 3, 17), half_day="journée", half_days=2.0)
    for day in (9, 10, 11, 12):
        w.absence("B", D(2026, 3, day), half_day="journée", half_days=2.0)
    w.absence("C", D(2026, 3, 2), half_day="journée", half_days=2.0)
    w.absence("C", D(2026, 3, 3), half_day="journée", half_days=2.0)
    w.absence("C", D(2026, 3, 20), half_day="journée", half_days=2.0)
    data = w.dataset()
    listed = risk.at_risk(data, Scope(YEAR), AS_OF, everyone=True)
    levels = dict(zip(listed["external_id"], listed["school_absences"], strict=True))
    assert levels == {"A": "vigilance", "B": "alerte", "C": None}
    text = listed.filter(pl.col("external_id") == "A").get_column("signals").item()
    assert text == "4 demi-journées d'absence sur les 4 dernières semaines (dont 2 non justifiées)"
    assert "school_absences" not in set(risk.unavailable(data)["signal"])
    assert "school_absences" in set(risk.unavailable(world())["signal"])


def test_falling_grades_compare_the_last_six_grades_in_the_order_handed_in() -> None:
    """A has eight grades: 2, 2 (left out: only the last six count), then 15, 14, 16 and 10,
    11, 12 -> falling (15 -> 11). 16 and 10 share a day: the copy recorded first counts
    first. B has seven: 15, then 15 15 15 | 14 14 13 -> a drop of 1.3 points: not falling."""
    w = World()
    w.group("G", site="Lyon")
    for name in ("A", "B"):
        w.learner(name, group="G", entered=D(2025, 9, 1))
    days = [D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 19), D(2026, 1, 26), D(2026, 2, 2),
            D(2026, 2, 2), D(2026, 2, 9), D(2026, 2, 16)]  # fmt: skip
    for index, (day, grade) in enumerate(zip(days, [2, 2, 15, 14, 16, 10, 11, 12], strict=True)):
        w.copy("A", "Maths", submitted=day, assignment=f"A{index}", grade=float(grade))
    for index, (day, grade) in enumerate(zip(days[1:], [15, 15, 15, 15, 14, 14, 13], strict=True)):
        w.copy("B", "Maths", submitted=day, assignment=f"B{index}", grade=float(grade))
    listed = risk.at_risk(w.dataset(), Scope(YEAR), AS_OF, everyone=True)
    falling = listed.filter(pl.col("falling_grades").is_not_null())
    assert falling.get_column("external_id").to_list() == ["A"]
    assert (
        falling.get_column("signals")
        .item()
        .startswith(
            "Notes en baisse : moyenne des 3 dernières 11,0/20 contre 15,0/20 pour les 3 précédentes"
        )
    )
