"""AppTest of the learner pages (Décrochage, Accompagnement personnalisé, Entretiens) on a
small SQLite database written by the test, with filters changed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from apptest import open_page, page_problems

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["pages/dropout.py", "pages/support.py", "pages/interviews.py"]
TITLES = {
    "pages/dropout.py": "Décrochage",
    "pages/support.py": "Accompagnement personnalisé",
    "pages/interviews.py": "Entretiens",
}


def _small_world() -> dict[str, pl.DataFrame]:
    """Two sites, three groups, eight learners over the school year 2025-2026."""
    start = date(2025, 9, 1)
    learners = 8
    group_of = [1, 1, 1, 2, 2, 2, 3, 1]
    copies, interviews, requests, attendance = [], [], [], []
    for learner in range(1, learners + 1):
        weeks = 6 if learner == 2 else 20  # learner 2 stops sending copies
        for week in range(weeks):
            copies.append(
                {
                    "learner_id": learner,
                    "discipline": "Mathématiques" if week % 2 else "Français",
                    "assignment": f"Devoir {week}",
                    "submitted_on": start + timedelta(weeks=week, days=learner % 5),
                    "corrected_on": start + timedelta(weeks=week, days=learner % 5 + 3),
                    "corrector_id": 1,
                    "grade": float(8 + (learner + week) % 10),
                }
            )
        if learner != 5:
            interviews.append(
                {
                    "learner_id": learner,
                    "staff_id": 2,
                    "held_on": start + timedelta(days=7),
                    "interview_type": "initial",
                    "objectives_set": 0 if learner == 3 else 2,
                }
            )
        interviews.append(
            {
                "learner_id": learner,
                "staff_id": 2,
                "held_on": start + timedelta(days=20),
                "interview_type": "contractualisation",
                "objectives_set": 1,
            }
        )
        requests.append(
            {
                "learner_id": learner,
                "discipline": "Français",
                "channel": "forum",
                "received_at": datetime(2025, 10, 1 + learner, 9),
                "answered_at": None if learner == 4 else datetime(2025, 10, 2 + learner, 9),
                "staff_id": 2,
            }
        )
    sessions = []
    for week in range(18):
        for group in (1, 2):
            sessions.append(
                {
                    "kind": "AP",
                    "group_id": group,
                    "held_on": start + timedelta(weeks=week, days=1),
                    "duration_hours": 2.5,
                    "staff_id": 1,
                }
            )
        sessions.append(
            {
                "kind": "aide individualisée",
                "group_id": 1,
                "held_on": start + timedelta(weeks=week, days=2),
                "duration_hours": 1.0,
                "staff_id": 1,
            }
        )
    sessions_frame = pl.DataFrame(sessions).with_row_index("id", offset=1)
    for row in sessions_frame.iter_rows(named=True):
        members = [lid for lid, gid in enumerate(group_of, start=1) if gid == row["group_id"]]
        for learner in members:
            attendance.append(
                {
                    "session_id": row["id"],
                    "learner_id": learner,
                    "present": not (learner == 1 and row["id"] % 2 == 0),
                }
            )
    return {
        "sites": pl.DataFrame({"id": [1, 2], "name": ["Lyon", "Rennes"]}),
        "staff": pl.DataFrame(
            {"id": [1, 2], "name": ["M. Correcteur", "Mme Référente"], "site_id": [1, 1]}
        ),
        "groups": pl.DataFrame(
            {
                "id": [1, 2, 3],
                "site_id": [1, 2, 2],
                "name": ["2nde Bac pro", "CAP 1", "Solo"],
                "public": ["jeunes", "alternants", "jeunes"],
                "school_year": ["2025-2026"] * 3,
            }
        ),
        "learners": pl.DataFrame(
            {
                "id": list(range(1, learners + 1)),
                "external_id": [f"E{i:03d}" for i in range(1, learners + 1)],
                "last_name": [f"Nom{i}" for i in range(1, learners + 1)],
                "first_name": [f"Prénom{i}" for i in range(1, learners + 1)],
                "referent_id": [2] * (learners - 1) + [None],
            }
        ),
        "enrolments": pl.DataFrame(
            {
                "id": list(range(1, learners + 1)),
                "learner_id": list(range(1, learners + 1)),
                "group_id": group_of,
                "entry_date": [start] * learners,
                "exit_date": [None, None, None, None, None, date(2025, 12, 1), None, None],
                "exit_reason": [None, None, None, None, None, "abandon", None, None],
            }
        ),
        "copies": pl.DataFrame(copies),
        "interviews": pl.DataFrame(interviews),
        "tutoring_requests": pl.DataFrame(requests),
        "support_sessions": sessions_frame,
        "attendance": pl.DataFrame(attendance),
    }


@pytest.fixture
def learners_database(app_database) -> str:
    return app_database(_small_world())


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_and_follows_a_site_filter(learners_database: str, page: str) -> None:
    app = open_page(page)
    assert not page_problems(app), page_problems(app)
    assert [t.value for t in app.main.title] == [TITLES[page]]
    assert app.metric, "the page shows its figures as metric tiles"
    assert app.dataframe, "the page shows tables"
    app.sidebar.multiselect(key="filter_sites").set_value(["Rennes"]).run()
    assert not page_problems(app), page_problems(app)
    assert not app.info, "Rennes has data"
    app.sidebar.multiselect(key="filter_publics").set_value(["alternants"]).run()
    assert not page_problems(app), page_problems(app)


def test_dropout_page_figures_and_risk_filters(learners_database: str) -> None:
    app = open_page("pages/dropout.py")
    tiles = {m.label: m.value for m in app.metric}
    assert tiles["Inscriptions actives"] == "8"
    assert tiles["Abandons"] == "1"
    assert tiles["Taux d'abandon"] == "12,5\u00a0%"
    # learner 2 stopped sending copies after 6 weeks while their group kept submitting
    at_risk_before = int(tiles["Apprenants à risque"])
    assert at_risk_before >= 1
    app.multiselect(key="risk_signals").set_value(["no_recent_copy"]).run()
    assert not page_problems(app)
    table = app.dataframe[-1].value
    assert list(table["Identifiant"]) == ["E002"]
    assert "Aucune copie depuis" in table["Signaux"].iloc[0]
    assert table["Référent"].iloc[0] == "Mme Référente"
    app.multiselect(key="risk_referents").set_value(["Sans référent"]).run()
    assert not page_problems(app)
    assert app.dataframe[-1].value.empty


def test_a_site_filter_changes_the_dropout_figures(learners_database: str) -> None:
    app = open_page("pages/dropout.py")
    app.sidebar.multiselect(key="filter_sites").set_value(["Lyon"]).run()
    tiles = {m.label: m.value for m in app.metric}
    assert tiles["Inscriptions actives"] == "4"
    assert tiles["Abandons"] == "0"
    assert tiles["Taux d'abandon"] == "0,0\u00a0%"


def test_pages_say_so_when_the_period_has_no_data(learners_database: str) -> None:
    for page in PAGES:
        app = open_page(page)
        app.sidebar.date_input(key="period").set_value((date(2024, 1, 1), date(2024, 1, 31))).run()
        assert not page_problems(app), (page, page_problems(app))
        assert app.info, page


def test_dropout_tables_read_as_percent_and_months(learners_database: str) -> None:
    """CAP 1 (Rennes): learners 4, 5, 6, learner 6 left for « abandon » on 01/12/2025."""
    app = open_page("pages/dropout.py")
    by_group = app.dataframe[0].value
    first = by_group.iloc[0]
    assert (first["Groupe"], first["Site"]) == ("CAP 1", "Rennes")
    assert first["Taux d'abandon (%)"] == pytest.approx(33.3)
    assert list(by_group["Taux d'abandon (%)"].iloc[1:]) == [0.0, 0.0]
    exits = app.dataframe[3].value
    assert list(exits.columns) == ["Mois", "Motif de sortie", "Sorties"]
    assert exits.values.tolist() == [["décembre 2025", "abandon", 1]]
    assert "Début du mois" not in exits.columns


def test_support_shares_in_percent(learners_database: str) -> None:
    """Group 1 has 18 AP sessions of 2.5 h over 18 school weeks; expected to date: 18 weeks x
    70 h / 36 weeks = 35 h. Learner 1 is absent from every other one: 22.5 h, 64.3 %; the
    other members of group 1 get 45 h, 128.6 %."""
    app = open_page("pages/support.py")
    everyone = app.dataframe[-1].value.set_index("Identifiant")
    shares = everyone["Part des heures d'AP reçues (%)"]
    assert shares["E001"] == pytest.approx(64.3)
    assert shares["E002"] == pytest.approx(128.6)
    too_few = app.dataframe[1].value
    assert list(too_few["Identifiant"]) == ["E001"]


def test_monthly_bars_keep_every_month_of_the_period_in_order() -> None:
    from ui import charts_learners

    frame = pl.DataFrame(
        {"month_label": ["décembre 2025"], "exit_reason": ["abandon"], "exits": [1]}
    )
    months = ["octobre 2025", "novembre 2025", "décembre 2025", "janvier 2026"]
    spec = charts_learners.monthly_bars(
        frame, month="month_label", value="exits", months=months, value_title="Sorties"
    ).to_dict()
    x = spec["encoding"]["x"]
    assert x["type"] == "ordinal"
    assert x["scale"]["domain"] == months
    assert x["sort"] == months
