"""AppTest of the learner pages (Décrochage, Accompagnement personnalisé, Entretiens) on a
small SQLite database written by the test, with filters changed."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from apptest import open_page, page_problems
from world import World

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["pages/dropout.py", "pages/support.py", "pages/interviews.py"]
TITLES = {
    "pages/dropout.py": "Décrochage",
    "pages/support.py": "Accompagnement personnalisé",
    "pages/interviews.py": "Entretiens",
}


def _small_world() -> World:
    """Two sites, three groups, eight learners over the school year 2025-2026."""
    start = date(2025, 9, 1)
    w = World()
    w.staff("M. Correcteur", site="Lyon")
    w.staff("Mme Référente", site="Lyon")
    w.group("2nde Bac pro", site="Lyon", public="jeunes")
    w.group("CAP 1", site="Rennes", public="alternants")
    w.group("Solo", site="Rennes", public="jeunes")
    group_of = ["2nde Bac pro"] * 3 + ["CAP 1"] * 3 + ["Solo", "2nde Bac pro"]
    for number, group in enumerate(group_of, start=1):
        w.learner(
            f"E{number:03d}",
            group=group,
            entered=start,
            left=date(2025, 12, 1) if number == 6 else None,
            reason="abandon" if number == 6 else None,
            last_name=f"Nom{number}",
            first_name=f"Prénom{number}",
            referent=None if number == 8 else "Mme Référente",
        )
    for number in range(1, 9):
        learner = f"E{number:03d}"
        weeks = 6 if number == 2 else 20  # E002 stops sending copies
        for week in range(weeks):
            w.copy(
                learner,
                "Mathématiques" if week % 2 else "Français",
                assignment=f"Devoir {week}",
                submitted=start + timedelta(weeks=week, days=number % 5),
                corrected=start + timedelta(weeks=week, days=number % 5 + 3),
                corrector="M. Correcteur",
                grade=float(8 + (number + week) % 10),
            )
        if number != 5:
            objectives = 0 if number == 3 else 2
            w.interview(
                learner, start + timedelta(days=7), "initial", staff="Mme Référente",
                objectives_set=objectives,
            )  # fmt: skip
        w.interview(
            learner,
            start + timedelta(days=20),
            "contractualisation",
            staff="Mme Référente",
            objectives_set=1,
        )
        w.request(
            learner,
            "Français",
            received=datetime(2025, 10, 1 + number, 9),
            answered=None if number == 4 else datetime(2025, 10, 2 + number, 9),
            tutor="Mme Référente",
        )
    members = {
        group: [f"E{n:03d}" for n, g in enumerate(group_of, start=1) if g == group]
        for group in ("2nde Bac pro", "CAP 1")
    }
    session = 0
    for week in range(18):
        for kind, group, day, hours in (
            ("AP", "2nde Bac pro", 1, 2.5),
            ("AP", "CAP 1", 1, 2.5),
            ("aide individualisée", "2nde Bac pro", 2, 1.0),
        ):
            session += 1
            # E001 misses every even-numbered session
            absent = ["E001"] if session % 2 == 0 and "E001" in members[group] else []
            w.session(
                kind,
                start + timedelta(weeks=week, days=day),
                hours,
                group=group,
                staff="M. Correcteur",
                present=[m for m in members[group] if m not in absent],
                absent=absent,
            )
    return w


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
    app = open_page("pages/at_risk.py")  # the list itself, its filters
    app.multiselect(key="risk_signals").set_value(["no_recent_copy"]).run()
    assert not page_problems(app)
    table = app.dataframe[0].value
    assert list(table["Identifiant"]) == ["E002"]
    assert "Aucune copie depuis" in table["Signaux"].iloc[0]
    assert table["Référent"].iloc[0] == "Mme Référente"
    app.multiselect(key="risk_referents").set_value(["Sans référent"]).run()
    assert not page_problems(app)
    assert app.dataframe[0].value.empty


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
    assert first["Taux d'abandon"] == 0.333  # 1 / 3, rounded as shown: 33,3 %
    assert list(by_group["Taux d'abandon"].iloc[1:]) == [0.0, 0.0]
    rate = json.loads(app.dataframe[0].proto.columns)["Taux d'abandon"]
    assert (rate["type_config"]["format"], rate["type_config"]["step"]) == ("percent", 0.001)
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
    shares = everyone["Part des heures d'AP reçues"]
    assert shares["E001"] == 0.643  # 22,5 / 35, shown 64,3 %
    assert shares["E002"] == 1.286  # 45 / 35, shown 128,6 %
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
