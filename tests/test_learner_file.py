"""The fiche apprenant: finding a learner (case and accents aside), their whole story, the
group's average beside their grades, their risk signals; within the user's part of the data;
the page found by a search or opened from its address."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from apptest import identity, open_page, page_problems, plain
from polars.testing import assert_frame_equal
from world import World

from domain import KIND_AP
from indicators import learner_file, risk
from indicators.common import DEFAULT_SETTINGS, Perimeter, Period, Scope
from indicators.dataset import within


def story() -> World:
    """Émilie DUPONT (A001) enters CAP 1 at Lyon on 01/09/2025, is reoriented on 15/12/2025 and
    enters CAP 2 on 05/01/2026. Her classmates: Bruno Martin (A002) in CAP 1, Chloé Petit (A003)
    in CAP 2. Zoé Durand (A004) is at Nice.

    Grades: in September Émilie has 12 and 14 (mean 13) and Bruno 8, so CAP 1's mean is
    (12 + 14 + 8) / 3 = 11,33; in January, in CAP 2, Émilie has 10 and Chloé 16: CAP 2's mean
    is 13. Her copy of 02/03/2026 waits; the data end on 10/03/2026 (an interview), so it
    waits 8 days. Her request of 03/03/2026 9:00 is unanswered: older than 48 h on the data's
    last day, a risk signal. Two AP sessions of 2 h in 2025-2026, one attended.
    """
    w = World()
    w.group("CAP 1", site="Lyon", public="jeunes")
    w.group("CAP 2", site="Lyon", public="jeunes")
    w.group("BTS", site="Nice", public="salariés")
    w.learner(
        "A001",
        group="CAP 1",
        entered=date(2025, 9, 1),
        left=date(2025, 12, 15),
        reason="réorientation",
        last_name="DUPONT",
        first_name="Émilie",
        referent="Mme Référente",
    )
    w.enrol("A001", "CAP 2", date(2026, 1, 5))
    w.learner(
        "A002", group="CAP 1", entered=date(2025, 9, 1), last_name="Martin", first_name="Bruno"
    )
    w.learner(
        "A003", group="CAP 2", entered=date(2025, 9, 1), last_name="Petit", first_name="Chloé"
    )
    w.learner("A004", group="BTS", entered=date(2025, 9, 1), last_name="Durand", first_name="Zoé")
    for learner, day, grade in [
        ("A001", date(2025, 9, 10), 12.0),
        ("A001", date(2025, 9, 20), 14.0),
        ("A002", date(2025, 9, 15), 8.0),
        ("A001", date(2026, 1, 12), 10.0),
        ("A003", date(2026, 1, 14), 16.0),
    ]:
        w.copy(learner, "Maths", submitted=day, corrected=day.replace(day=day.day + 2), grade=grade)
    w.copy("A001", "Français", submitted=date(2026, 3, 2))
    w.request("A001", "Maths", received=datetime(2026, 3, 3, 9, 0), tutor="M. Tuteur")
    w.interview("A001", date(2025, 9, 5), "initial", staff="Mme Référente")
    w.interview("A001", date(2026, 3, 10), "suivi", staff="Mme Référente")
    w.diagnostic("A001", "Calcul", "non acquis", date(2025, 9, 12))
    w.need_group(
        "Calcul CAP",
        need="Calcul",
        kind=KIND_AP,
        start=date(2025, 9, 15),
        end=date(2026, 6, 30),
        site="Lyon",
        members=["A001"],
    )
    w.session(KIND_AP, date(2025, 9, 22), 2.0, need_group="Calcul CAP", present=["A001"])
    w.session(KIND_AP, date(2025, 9, 29), 2.0, need_group="Calcul CAP", absent=["A001"])
    return w


@pytest.mark.parametrize("query", ["dupont", "EMILIE", "émilie dupont", "a001", " Dupont  Em "])
def test_a_learner_is_found_by_name_or_identifier_case_and_accents_aside(query: str) -> None:
    index = learner_file.search_index(story().dataset())
    found = learner_file.find_learners(index, query)
    assert found.get_column("external_id").to_list() == ["A001"]
    assert found.row(0, named=True)["group"] == "CAP 2"  # the latest enrolment


def test_a_search_lists_every_match_and_nothing_for_an_empty_query() -> None:
    index = learner_file.search_index(story().dataset())
    assert learner_file.find_learners(index, "A00").height == 4
    assert learner_file.find_learners(index, "   ").is_empty()
    assert learner_file.find_learners(index, "Xavier").is_empty()


def test_the_file_tells_the_whole_story() -> None:
    file = learner_file.learner_file(story().dataset(), DEFAULT_SETTINGS, "A001")
    assert file is not None and file.as_of == date(2026, 3, 10)
    assert file.identity == {
        "external_id": "A001",
        "learner_name": "DUPONT Émilie",
        "referent": "Mme Référente",
        "group": "CAP 2",
        "site": "Lyon",
        "school_year": "2025-2026",
    }
    enrolments = file.enrolments.select("group", "entry_date", "exit_date", "exit_reason")
    assert enrolments.rows() == [
        ("CAP 1", date(2025, 9, 1), date(2025, 12, 15), "réorientation"),
        ("CAP 2", date(2026, 1, 5), None, None),
    ]
    copies = file.copies
    assert copies.get_column("submitted_on").to_list()[0] == date(2026, 3, 2)  # latest first
    assert copies.row(0, named=True)["waiting_days"] == 8
    assert copies.get_column("delay_days").drop_nulls().to_list() == [2, 2, 2]
    trend = {(m, s): round(g, 2) for m, s, g in file.grade_trend.rows()}
    assert trend == {
        (date(2025, 9, 1), learner_file.LEARNER_SERIES): 13.0,
        (date(2025, 9, 1), learner_file.GROUP_SERIES): 11.33,
        (date(2026, 1, 1), learner_file.LEARNER_SERIES): 10.0,
        (date(2026, 1, 1), learner_file.GROUP_SERIES): 13.0,
    }
    request = file.requests.row(0, named=True)
    assert request["answered_at"] is None and request["tutor"] == "M. Tuteur"
    assert file.interviews.get_column("interview_type").to_list() == ["initial", "suivi"]
    support = file.support.row(0, named=True)
    assert (support["school_year"], support["ap_hours"], support["absences"]) == (
        "2025-2026",
        2.0,
        1,
    )
    assert file.diagnostics.rows() == [("Calcul", "non acquis", date(2025, 9, 12))]
    assert file.need_groups.get_column("need_group").to_list() == ["Calcul CAP"]
    # every list names the learner, so that its download is a per-learner table
    for frame in (file.enrolments, file.copies, file.requests, file.interviews):
        assert frame.get_column("external_id").unique().to_list() == ["A001"]


def test_the_risk_signals_are_those_of_the_at_risk_list() -> None:
    """On the data's last day (10/03/2026), as the Décrochage page's list has them."""
    dataset = story().dataset()
    signals = learner_file.risk_signals(dataset, DEFAULT_SETTINGS, "A001")
    assert signals.height == 1 and signals.row(0, named=True)["unanswered_requests"]
    assert "1 demande de tutorat sans réponse depuis plus de 48 h" in signals["signals"][0]
    listed = risk.at_risk(dataset, Scope(Period.school_year(2025)), date(2026, 3, 10))
    for external_id in ("A001", "A002", "A003", "A004"):
        one = learner_file.risk_signals(dataset, DEFAULT_SETTINGS, external_id)
        assert_frame_equal(one, listed.filter(pl.col("external_id") == external_id))
    assert learner_file.risk_signals(dataset, DEFAULT_SETTINGS, "Z999").is_empty()


def test_a_learner_outside_the_users_part_of_the_data_is_not_found() -> None:
    nice = within(story().dataset(), Perimeter(sites=("Nice",)))
    assert learner_file.learner_file(nice, DEFAULT_SETTINGS, "A001") is None
    index = learner_file.search_index(nice)
    assert index.get_column("external_id").to_list() == ["A004"]
    assert learner_file.learner_file(nice, DEFAULT_SETTINGS, "A004") is not None


def test_search_then_open_a_learner(app_database) -> None:  # noqa: ANN001
    app_database(story())
    app = open_page("pages/learner.py")
    assert not page_problems(app)
    app.text_input(key="learner_query").input("a00").run()
    results = app.selectbox(key="learner_choice")
    assert results.options[0] == "DUPONT Émilie — A001 — CAP 2, Lyon (2025-2026)"
    results.set_value("A001").run()
    assert not page_problems(app)
    assert identity(app) == ["A001", "Mme Référente", "CAP 2", "Lyon"]
    assert app.query_params["apprenant"] == "A001"
    warnings = [plain(w.value) for w in app.main.warning]
    assert any("1 demande de tutorat sans réponse" in text for text in warnings)
    texts = [plain(m.value) for m in app.main.markdown]
    assert "**CAP 2** — niveau **alerte**" in texts
    captions = [plain(c.value) for c in app.main.caption]
    assert any("Aucun contact de suivi noté pour cet apprenant" in text for text in captions)
    # a search with one match opens it at once
    app.text_input(key="learner_query").input("chloé").run()
    assert identity(app)[0] == "A003"


def test_the_address_opens_a_learner_and_an_unknown_one_is_said(app_database) -> None:  # noqa: ANN001
    app_database(story())
    app = open_page("pages/learner.py")
    app.query_params["apprenant"] = "A002"
    app.run()
    assert identity(app)[:3] == ["A002", "Sans référent", "CAP 1"]
    app.query_params["apprenant"] = "Z999"
    app.run()
    assert any("Aucun apprenant d'identifiant « Z999 »" in plain(w.value) for w in app.warning)


def test_every_list_of_the_file_is_a_per_learner_table() -> None:
    file = learner_file.learner_file(story().dataset(), DEFAULT_SETTINGS, "A002")
    assert file is not None and file.copies.height == 1
    assert isinstance(file.grade_trend, pl.DataFrame) and file.requests.is_empty()
