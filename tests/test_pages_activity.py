"""AppTest of the activity pages (Activité et pics, Délais de correction, Tutorat) on a small
SQLite database written by the test, with filters and page controls changed.

The world: from Monday 01/09/2025, 12 weeks. Lyon (CAP 1, learners E001 and E002) sends 10
Maths copies a week, 50 in week 10 (10/11/2025: a surge, x5 its baseline of 10); Rennes (BTS,
E003 and E004) sends 5 Français copies a week. A copy is corrected 2 days after it was
submitted, 6 days for every fourth one; the copies of the last week (17/11) still wait.
Every week E001 asks a Maths question answered in 24 h and E003 a Français question answered
in 72 h; the questions of the last week have no answer. The data end on Friday 21/11/2025.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from apptest import open_page, page_problems
from streamlit.testing.v1 import AppTest
from world import World

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "pages/activity.py": "Activité et pics",
    "pages/delays.py": "Délais de correction",
    "pages/tutoring.py": "Tutorat",
}
FIRST_MONDAY = date(2025, 9, 1)
WEEKS = 12
SURGE_WEEK = 10


def _world() -> World:
    w = World()
    w.staff("M. Correcteur", role="enseignant", site="Lyon")
    w.staff("Mme Tutrice", role="tuteur", site="Lyon")
    w.group("CAP 1", site="Lyon", public="jeunes")
    w.group("BTS", site="Rennes", public="alternants")
    for learner, group in (("E001", "CAP 1"), ("E002", "CAP 1"), ("E003", "BTS"), ("E004", "BTS")):
        referent = None if learner == "E004" else "Mme Tutrice"
        w.learner(learner, group=group, entered=FIRST_MONDAY, referent=referent)
    for week in range(WEEKS):
        monday = FIRST_MONDAY + timedelta(weeks=week)
        lyon = 50 if week == SURGE_WEEK else 10
        for learners, discipline, volume in (
            (("E001", "E002"), "Maths", lyon),
            (("E003", "E004"), "Français", 5),
        ):
            for number in range(volume):
                submitted = monday + timedelta(days=number % 5)
                delay = 6 if number % 4 == 0 else 2
                w.copy(
                    learners[number % 2],
                    discipline,
                    assignment=f"S{week}-{number}",
                    submitted=submitted,
                    corrected=None if week == WEEKS - 1 else submitted + timedelta(days=delay),
                    corrector="M. Correcteur",
                    grade=12.0,
                )
        for learner, discipline, hours in (("E001", "Maths", 24), ("E003", "Français", 72)):
            received = datetime.combine(monday, datetime.min.time()) + timedelta(hours=9)
            w.request(
                learner,
                discipline,
                channel="électronique",
                received=received,
                answered=None if week == WEEKS - 1 else received + timedelta(hours=hours),
                tutor="Mme Tutrice",
            )
    for learner in ("E001", "E002", "E003", "E004"):
        w.interview(learner, date(2025, 9, 8), "initial", staff="Mme Tutrice")
    return w


@pytest.fixture
def activity_database(app_database) -> str:
    return app_database(_world())


def _tiles(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_and_follows_filters(activity_database: str, page: str) -> None:
    app = open_page(page)
    assert not page_problems(app), page_problems(app)
    assert [t.value for t in app.main.title] == [PAGES[page]]
    assert app.metric and app.dataframe
    assert not app.info
    app.sidebar.multiselect(key="filter_sites").set_value(["Rennes"]).run()
    assert not page_problems(app), page_problems(app)
    app.sidebar.multiselect(key="filter_disciplines").set_value(["Maths"]).run()
    assert not page_problems(app), page_problems(app)  # Rennes has no Maths: a message, no error


@pytest.mark.parametrize("page", PAGES)
def test_page_says_so_when_the_period_is_empty(activity_database: str, page: str) -> None:
    app = open_page(page)
    app.sidebar.date_input(key="period").set_value((date(2026, 3, 1), date(2026, 3, 31))).run()
    assert not page_problems(app), page_problems(app)
    assert app.info, page


def test_activity_figures_surges_and_controls(activity_database: str) -> None:
    app = open_page("pages/activity.py")
    tiles = _tiles(app)
    assert tiles["Copies reçues"] == "220"  # 11 x 10 + 50 in Lyon, 12 x 5 in Rennes
    assert tiles["Copies corrigées"] == "205"  # all but the 15 of the last week
    assert tiles["Sollicitations reçues"] == "24"
    assert tiles["Sollicitations répondues"] == "22"
    assert tiles["Entretiens menés"] == "4"
    assert tiles["Pics dans la période"] == "1"
    assert tiles["Pics en cours"] == "1"  # the week of 10/11 is the last full one
    surges = app.dataframe[1].value
    assert list(surges["Site"]) == ["Lyon"]
    assert list(surges["Volume de la semaine"]) == [50]
    assert list(surges["Rapport à la médiane"]) == [5.0]
    assert any("Seuil : ×2" in c.value and "30 copies" in c.value for c in app.caption)
    assert tiles["Copies en attente au 21/11/2025"] == "15"

    app.sidebar.multiselect(key="filter_sites").set_value(["Rennes"]).run()
    tiles = _tiles(app)
    assert tiles["Copies reçues"] == "60"
    assert tiles["Pics dans la période"] == "0"

    for grain in ("day", "month"):
        app.radio(key="activity_grain").set_value(grain).run()
        assert not page_problems(app), page_problems(app)
    app.radio(key="activity_by").set_value("discipline").run()
    app.selectbox(key="activity_measure").set_value("interviews").run()
    assert not page_problems(app), page_problems(app)
    app.radio(key="surge_source").set_value("tutoring").run()
    assert not page_problems(app), page_problems(app)

    app.sidebar.number_input(key="set_surge_min_volume").set_value(5).run()
    app.sidebar.multiselect(key="filter_sites").set_value([]).run()
    app.radio(key="surge_source").set_value("copies").run()
    assert not page_problems(app), page_problems(app)
    assert any("volume minimal : 5 copies" in c.value for c in app.caption)


def test_delay_figures(activity_database: str) -> None:
    app = open_page("pages/delays.py")
    tiles = _tiles(app)
    # 205 corrected copies: 65 in 6 days (every fourth), 140 in 2 days
    assert tiles["Copies corrigées"] == "205"
    assert tiles["Délai médian"] == "2,0\u00a0j"
    assert tiles["Corrigées en 3 j au plus"] == "68\u00a0%"
    assert tiles["Copies en attente au 21/11/2025"] == "15"
    oldest = app.dataframe[-1].value
    assert len(oldest) == 15
    assert oldest["Attente (jours)"].iloc[0] == 4  # submitted on Monday 17/11
    app.sidebar.number_input(key="set_correction_target_days").set_value(6).run()
    assert _tiles(app)["Corrigées en 6 j au plus"] == "100\u00a0%"


def test_tutoring_figures(activity_database: str) -> None:
    app = open_page("pages/tutoring.py")
    tiles = _tiles(app)
    assert tiles["Sollicitations reçues"] == "24"
    assert tiles["Dont répondues"] == "22"
    assert tiles["Répondues ≤ 48 h"] == "46\u00a0%"  # 11 of 24, the unanswered count
    # the 2 questions of Monday 17/11 09:00 wait for 111 h at the end of 21/11
    assert tiles["En attente > 48 h"] == "2"
    load = app.dataframe[-1].value
    assert list(load["Tuteur"]) == ["Mme Tutrice", "(sans tuteur)"]
    assert list(load["Apprenants suivis"]) == [3, 1]
    assert list(load["Sollicitations reçues"]) == [24, 0]


def test_tables_keep_numbers_and_say_how_to_write_them() -> None:
    """The screen gets the numbers (sortable), rounded as shown, and a format per column: a rate as a
    percentage with one decimal, a float with one decimal on every row, an integer without;
    the CSV gets rates x100 and rounded floats; empty text reads « (non renseigné) »."""
    from ui.tables import column_config, for_csv, for_display

    frame = pl.DataFrame(
        {
            "corrector": ["M. X", None],
            "within_share": [2 / 3, None],
            "delay": [1.234, 2.0],
            "copies": [3, 4],
        }
    )
    labels = {"within_share": "Part", "copies": "Copies"}
    shown = for_display(frame, labels)
    assert shown.columns == ["corrector", "Part", "delay", "Copies"]
    # rounded to what is shown (Streamlit would cut 1.25 to 1,2), halves away from zero
    assert shown.rows() == [("M. X", 0.667, 1.2, 3), ("(non renseigné)", None, 2.0, 4)]
    config = column_config(frame, labels)
    assert (config["Part"]["type_config"]["format"], config["Part"]["type_config"]["step"]) == (
        "percent",
        0.001,
    )
    assert (config["delay"]["type_config"]["format"], config["delay"]["type_config"]["step"]) == (
        "localized",
        0.1,
    )
    assert config["Copies"]["type_config"]["step"] == 1
    assert for_csv(frame, labels).rows() == [("M. X", 66.7, 1.2, 3), (None, None, 2.0, 4)]
    assert for_csv(frame, labels).columns == ["corrector", "Part (%)", "delay", "Copies"]


def test_a_long_table_shows_its_first_rows_and_downloads_them_all() -> None:
    """A table whose page sets no limit: MAX_ROWS_SHOWN rows drawn, a line saying so (a
    drill-down table too: its list, ui/drill.py, holds every row); a limit set by the page
    is kept."""

    def script() -> None:
        import polars as pl

        from ui import tables

        long = pl.DataFrame({"group": [f"G{n:04d}" for n in range(tables.MAX_ROWS_SHOWN + 2)]})
        tables.show(long, {"group": "Groupe"}, "groupes", title="Groupes")
        tables.show(long, {"group": "Groupe"}, "groupes_200", title="Groupes", max_rows=200)
        tables.show(long, {"group": "Groupe"}, "groupes_choix", title="Groupes", selectable=True)

    from ui.tables import MAX_ROWS_SHOWN

    app = AppTest.from_function(script, default_timeout=60).run()
    assert not app.exception
    capped, limited, picked = (frame.value for frame in app.dataframe)
    assert capped.shape == (MAX_ROWS_SHOWN, 1)
    assert list(capped["Groupe"][-1:]) == [f"G{MAX_ROWS_SHOWN - 1:04d}"]
    assert limited.shape == (200, 1)
    assert picked.shape == (MAX_ROWS_SHOWN, 1)
    assert [caption.value for caption in app.main.caption] == 2 * [
        "Les 1\u202f000 premières lignes sur 1\u202f002 sont affichées ; le téléchargement "
        "contient tout le tableau."
    ]
    # each table keeps its download buttons (Excel and CSV of the whole frame)
    assert len(app.main.get("download_button")) == 6


def test_a_drill_down_list_offers_the_rows_beyond_those_drawn() -> None:
    """A drill-down table of more than MAX_ROWS_SHOWN rows draws its first ones; its list
    still holds every row, and choosing one beyond them gives that row."""

    def script() -> None:
        import polars as pl
        import streamlit as st

        from ui import drill, tables

        count = tables.MAX_ROWS_SHOWN + 2
        frame = pl.DataFrame(
            {"group": [f"G{n:04d}" for n in range(count)], "learners": list(range(count))}
        )
        row = drill.pick(
            frame,
            {"group": "Groupe", "learners": "Apprenants"},
            "groupes",
            title="Groupes",
            key="groups",
            choice="Un groupe",
            names=frame.get_column("group").to_list(),
        )
        st.write(f"choisi : {row}")

    from ui.tables import MAX_ROWS_SHOWN

    app = AppTest.from_function(script, default_timeout=60).run()
    assert app.main.dataframe[0].value.shape == (MAX_ROWS_SHOWN, 2)
    listed = app.main.selectbox(key="drill_groups")
    assert len(listed.options) == MAX_ROWS_SHOWN + 2
    listed.set_value(f"G{MAX_ROWS_SHOWN + 1:04d}").run()
    assert not app.exception
    assert app.main.markdown[-1].value == (
        f"choisi : {{'group': 'G{MAX_ROWS_SHOWN + 1:04d}', 'learners': {MAX_ROWS_SHOWN + 1}}}"
    )
